/** The decision cache on its own: a fake clock for TTLs, real timers for timeouts. */
import { OriginDecisionCache, OriginCacheOptions, ORIGIN_CACHE_DEFAULTS } from '../lib/index.js';

type Answer = boolean | Promise<boolean>;

function setup(decide: (origin: string) => Answer, options: OriginCacheOptions = {}) {
  const clock = { t: 1_000_000 };
  const calls: string[] = [];
  const logs: [string, string][] = [];
  const cache = new OriginDecisionCache(
    (origin) => {
      calls.push(origin);
      return decide(origin);
    },
    options,
    (level, message) => logs.push([level, message]),
    'TestResolver',
    () => clock.t,
  );
  return { cache, clock, calls, logs, ask: (origin: string) => Promise.resolve(cache.decide(origin, undefined)) };
}

const A = 'https://a.example';
const B = 'https://b.example';

describe('OriginDecisionCache', () => {
  it('has defaults well under a second for the timeout', () => {
    expect(ORIGIN_CACHE_DEFAULTS).toEqual({ ttl: 60_000, negativeTtl: 10_000, max: 10_000, timeout: 250, staleIfError: 0, errorTtl: 1_000 });
  });

  it('reuses an allowed answer until its TTL passes, then asks again', async () => {
    const t = setup(() => Promise.resolve(true), { ttl: 1_000 });
    expect(await t.ask(A)).toBe(true);
    t.clock.t += 999;
    expect(t.cache.decide(A, undefined)).toBe(true); // answered synchronously from the cache
    expect(t.calls).toEqual([A]);
    t.clock.t += 1;
    expect(await t.ask(A)).toBe(true);
    expect(t.calls).toEqual([A, A]);
  });

  it('keeps "not allowed" for negativeTtl, independently of ttl', async () => {
    const allowed = new Set<string>([A]);
    const t = setup(async (o) => allowed.has(o), { ttl: 10_000, negativeTtl: 100 });
    expect(await t.ask(A)).toBe(true);
    expect(await t.ask(B)).toBe(false);
    allowed.add(B);
    t.clock.t += 99;
    expect(await t.ask(B)).toBe(false); // still the cached no
    t.clock.t += 1;
    expect(await t.ask(B)).toBe(true); // negative TTL over: asked again
    allowed.delete(A);
    expect(await t.ask(A)).toBe(true); // positive TTL not over
    expect(t.calls).toEqual([A, B, B]);
  });

  it('with caching off, concurrent lookups of one origin are not shared: each request gets its own answer', async () => {
    const seen: unknown[] = [];
    const cache = new OriginDecisionCache(
      (_origin, request) => {
        seen.push(request);
        return new Promise<boolean>((resolve) => setTimeout(() => resolve(request === 'attacker-host'), 10));
      },
      { ttl: 0, negativeTtl: 0, errorTtl: 0 },
    );
    const [attacker, victim] = await Promise.all([cache.decide(A, 'attacker-host'), cache.decide(A, 'victim-host')]);
    expect([attacker, victim]).toEqual([true, false]);
    expect(seen).toEqual(['attacker-host', 'victim-host']);
    expect(cache.size).toBe(0);
  });

  it('never holds more than max origins, however many are asked (LRU)', async () => {
    const t = setup(() => false, { max: 100 });
    for (let i = 0; i < 20_000; i++) {
      t.cache.decide(`https://o${i}.example`, undefined);
      if (i % 10 === 0) t.cache.decide(A, undefined); // keeps A recently used
    }
    expect(t.cache.size).toBe(100);
    const before = t.calls.length;
    t.cache.decide(A, undefined);
    t.cache.decide('https://o19999.example', undefined);
    expect(t.calls.length).toBe(before); // both still cached
    t.cache.decide('https://o0.example', undefined);
    expect(t.calls.length).toBe(before + 1); // evicted long ago
    expect(t.cache.size).toBe(100);
  });

  it('shares one lookup between concurrent requests for the same origin', async () => {
    const t = setup((o) => new Promise<boolean>((r) => setTimeout(() => r(o === A), 20)), { timeout: 5_000 });
    const answers = await Promise.all([...Array.from({ length: 50 }, () => t.ask(A)), t.ask(B)]);
    expect(answers.slice(0, 50).every((a) => a === true)).toBe(true);
    expect(answers[50]).toBe(false);
    expect(t.calls).toEqual([A, B]);
  });

  it('answers "not allowed" when the lookup takes longer than the timeout, and logs once per burst', async () => {
    const t = setup(() => new Promise<boolean>(() => undefined), { timeout: 50, errorTtl: 0 });
    const started = Date.now();
    const answers = await Promise.all([t.ask(A), t.ask(A), t.ask(B)]);
    const took = Date.now() - started;
    expect(answers).toEqual([false, false, false]);
    expect(took).toBeGreaterThanOrEqual(45);
    expect(took).toBeLessThan(500);
    expect(await t.ask(A)).toBe(false);
    expect(t.logs.filter(([level]) => level === 'warn')).toHaveLength(1);
    expect(t.logs[0][1]).toMatch(/TestResolver failed for https:\/\/a\.example: no answer within 50 ms/);
  });

  it('treats a throw or a rejection as "not allowed"', async () => {
    const t = setup((o) => {
      if (o === A) throw new Error('store exploded');
      return Promise.reject(new Error('connection refused'));
    });
    expect(t.cache.decide(A, undefined)).toBe(false);
    expect(await t.ask(B)).toBe(false);
    expect(t.logs).toHaveLength(1);
    expect(t.logs[0]).toEqual(['warn', expect.stringContaining('store exploded')]);
  });

  it('remembers a failure for errorTtl only, and answers again once the store recovers (no restart)', async () => {
    let down = true;
    const t = setup(async () => {
      if (down) throw new Error('ECONNREFUSED');
      return true;
    }, { errorTtl: 1_000 });
    expect(await t.ask(A)).toBe(false);
    expect(await t.ask(A)).toBe(false); // within errorTtl: the down store is not asked again
    expect(t.calls).toHaveLength(1);
    down = false;
    t.clock.t += 1_000;
    expect(await t.ask(A)).toBe(true);
    expect(t.logs.map(([level]) => level)).toEqual(['warn', 'log']);
    expect(t.logs[1][1]).toMatch(/answers again after 1 failed lookup/);
  });

  it('serves an expired "allowed" answer while the store fails only when staleIfError allows it', async () => {
    for (const staleIfError of [0, 5_000]) {
      let down = false;
      const t = setup(async () => {
        if (down) throw new Error('down');
        return true;
      }, { ttl: 1_000, staleIfError, errorTtl: 100 });
      expect(await t.ask(A)).toBe(true);
      down = true;
      t.clock.t += 1_500; // expired, within the stale window when there is one
      expect(await t.ask(A)).toBe(staleIfError > 0);
      t.clock.t += 5_000; // past the stale window
      expect(await t.ask(A)).toBe(false);
    }
  });

  it('invalidate(origin) forgets one answer, invalidate() every answer', async () => {
    const allowed = new Set<string>();
    const t = setup(async (o) => allowed.has(o));
    expect(await t.ask(A)).toBe(false);
    expect(await t.ask(B)).toBe(false);
    allowed.add(A).add(B);
    t.cache.invalidate(A);
    expect(await t.ask(A)).toBe(true);
    expect(await t.ask(B)).toBe(false);
    t.cache.invalidate();
    expect(t.cache.size).toBe(0);
    expect(await t.ask(B)).toBe(true);
  });

  it('does not store the answer of a lookup that was running when invalidate() was called', async () => {
    const allowed = new Set<string>([A]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const t = setup(async (o) => {
      const answer = allowed.has(o);
      if (first) {
        first = false;
        await gate;
      }
      return answer;
    });
    const stale = t.ask(A); // reads "allowed", then waits
    allowed.delete(A);
    t.cache.invalidate(A);
    release();
    expect(await stale).toBe(true); // that request started before the change
    expect(await t.ask(A)).toBe(false); // the next one is not served the stale yes
  });
});
