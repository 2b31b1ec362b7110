/** The allow-list mode on its own (a resolver with allOrigins()): a fake clock for TTLs, real timers for timeouts. */
import { OriginListCache } from '../lib/core/cors-origin-list.js';
import type { OriginCacheOptions } from '../lib/index.js';
import { flush, heldCalls } from './held.js';

function setup(load: () => Iterable<string> | Promise<Iterable<string>>, options: OriginCacheOptions = {}) {
  const clock = { t: 1_000_000 };
  const logs: [string, string][] = [];
  let calls = 0;
  const cache = new OriginListCache(
    () => {
      calls++;
      return load();
    },
    options,
    (level, message) => logs.push([level, message]),
    'Tenants',
    () => clock.t,
  );
  return { cache, clock, logs, calls: () => calls, ask: (origin: string) => Promise.resolve(cache.decide(origin, undefined)) };
}

const A = 'https://a.example';
const B = 'https://b.example';

describe('OriginListCache', () => {
  it('loads the list once for any number of concurrent origins, then answers every origin synchronously', async () => {
    const t = setup(async () => [A, B]);
    const origins = Array.from({ length: 1_000 }, (_, i) => `https://r${i}.example`);
    const answers = await Promise.all([A, ...origins].map(t.ask));
    expect(answers[0]).toBe(true);
    expect(answers.slice(1).every((a) => a === false)).toBe(true);
    expect(t.calls()).toBe(1);
    expect(t.cache.decide(B, undefined)).toBe(true); // synchronous: no promise
    expect(t.cache.decide('https://x.example', undefined)).toBe(false);
    expect(t.calls()).toBe(1);
    expect(t.cache.size).toBe(2);
  });

  it('reloads after ttl (one load for everyone waiting), not before', async () => {
    const list = new Set([A]);
    const t = setup(async () => [...list], { ttl: 1_000 });
    expect(await t.ask(B)).toBe(false);
    list.add(B);
    t.clock.t += 999;
    expect(t.cache.decide(B, undefined)).toBe(false);
    t.clock.t += 1;
    const [b1, b2] = await Promise.all([t.ask(B), t.ask(B)]);
    expect([b1, b2]).toEqual([true, true]);
    expect(t.calls()).toBe(2);
  });

  it('invalidate(origin) drops that origin at once and reloads on the next request', async () => {
    const list = new Set([A, B]);
    const t = setup(async () => [...list]);
    expect(await t.ask(A)).toBe(true);
    list.delete(A);
    t.cache.invalidate(A);
    expect(await t.ask(A)).toBe(false);
    expect(t.calls()).toBe(2);
    list.add('https://new.example');
    t.cache.invalidate();
    expect(await t.ask('https://new.example')).toBe(true);
    expect(t.calls()).toBe(3);
  });

  it('a list loaded before invalidate() answers its waiters but is not kept', async () => {
    let release!: (v: string[]) => void;
    let first = true;
    const t = setup(() => (first ? ((first = false), new Promise<string[]>((r) => (release = r))) : [A, B]));
    const waiting = t.ask(B);
    t.cache.invalidate('https://gone.example');
    release([A]);
    expect(await waiting).toBe(false); // the old list's answer, given to the request that waited for it
    expect(await t.ask(B)).toBe(true); // the next request loads again
    expect(t.calls()).toBe(2);
  });

  it('fails closed when the load fails or times out, logs once per burst, retries after errorTtl', async () => {
    let mode: 'ok' | 'throw' | 'hang' = 'throw';
    const t = setup(
      () =>
        mode === 'ok' ? [A] : mode === 'throw' ? Promise.reject(new Error('connection refused')) : new Promise<string[]>(() => undefined),
      {
        errorTtl: 1_000,
        timeout: 20,
      },
    );
    expect(await t.ask(A)).toBe(false);
    expect(await t.ask(A)).toBe(false); // within errorTtl: no new load
    expect(t.calls()).toBe(1);
    t.clock.t += 1_000;
    mode = 'hang';
    expect(await t.ask(A)).toBe(false);
    expect(t.calls()).toBe(2);
    t.clock.t += 1_000;
    mode = 'ok';
    expect(await t.ask(A)).toBe(true);
    expect(t.logs).toEqual([
      ['warn', 'Tenants.allOrigins() failed: connection refused; refusing origins it cannot confirm'],
      ['log', 'Tenants lists its origins again after 2 failed loads'],
    ]);
  });

  it('serves the expired list while loads fail only within staleIfError, and never an invalidated origin', async () => {
    let fail = false;
    const t = setup(() => (fail ? Promise.reject(new Error('down')) : [A, B]), { ttl: 1_000, staleIfError: 5_000, errorTtl: 100 });
    expect(await t.ask(A)).toBe(true);
    fail = true;
    t.clock.t += 1_500;
    expect(await t.ask(A)).toBe(true); // stale, within staleIfError
    t.cache.invalidate(B);
    t.clock.t += 200;
    expect(await t.ask(B)).toBe(false); // removed: never served stale
    expect(await t.ask(A)).toBe(true);
    t.clock.t += 5_000;
    expect(await t.ask(A)).toBe(false); // past staleIfError
  });

  it('ignores values that are not serialized origins, saying which and how to store them', async () => {
    const t = setup(() => [A, 'https://Shop.example/', 42 as unknown as string, 'null']);
    expect(await t.ask(A)).toBe(true);
    expect(await t.ask('https://shop.example')).toBe(false);
    expect(t.cache.size).toBe(1);
    expect(t.logs).toHaveLength(1);
    expect(t.logs[0][1]).toMatch(
      /^Tenants.allOrigins\(\) returned 3 values that are not a serialized origin \("https:\/\/Shop.example\/", 42, "null"\).*store 'https:\/\/shop.example'/,
    );
  });

  it('a loader that throws synchronously or returns a non-iterable fails closed', async () => {
    const t1 = setup(() => {
      throw new Error('sync');
    });
    expect(await t1.ask(A)).toBe(false);
    const t2 = setup(() => 5 as unknown as string[]);
    expect(await t2.ask(A)).toBe(false);
    expect(t2.logs[0][1]).toMatch(/Tenants.allOrigins\(\) failed/);
  });

  it('says it in the singular for one ignored value and one failed load', async () => {
    let fail = true;
    const t = setup(() => (fail ? Promise.reject(new Error('down')) : [A, 'x']), { errorTtl: 0 });
    expect(await t.ask(A)).toBe(false);
    fail = false;
    expect(await t.ask(A)).toBe(true);
    expect(t.logs).toEqual([
      ['warn', 'Tenants.allOrigins() failed: down; refusing origins it cannot confirm'],
      [
        'warn',
        'Tenants.allOrigins() returned 1 value that is not a serialized origin ("x"): no browser sends such an Origin, so it is ignored; ' +
          "store 'https://shop.example' (lowercase, no path, no default port)",
      ],
      ['log', 'Tenants lists its origins again after 1 failed load'],
    ]);
  });

  it('names at most three ignored values', async () => {
    const t = setup(() => ['a', 'b', 'c', 'd']);
    await t.ask(A);
    expect(t.logs[0][1]).toMatch(
      /^Tenants.allOrigins\(\) returned 4 values that are not a serialized origin \("a", "b", "c"\): no browser sends such an Origin, so they are ignored/,
    );
  });

  it('while loads keep failing, logs again at most every 30 s, with the count', async () => {
    const t = setup(() => Promise.reject('refused'), { errorTtl: 0 });
    await t.ask(A);
    t.clock.t += 29_999;
    await t.ask(A);
    t.clock.t += 1;
    await t.ask(A);
    expect(t.calls()).toBe(3);
    expect(t.logs).toEqual([
      ['warn', 'Tenants.allOrigins() failed: refused; refusing origins it cannot confirm'],
      ['warn', 'Tenants.allOrigins() failed: refused; refusing origins it cannot confirm (3 failed loads so far)'],
    ]);
  });

  it('counts its loads and the origins in memory', async () => {
    const t = setup(() => [A, B], { ttl: 100 });
    expect(t.cache.size).toBe(0);
    await t.ask(A);
    expect(t.cache.size).toBe(2);
    expect(t.cache.loads).toBe(1);
    t.clock.t += 99;
    expect(t.cache.decide(B, undefined)).toBe(true);
    t.clock.t += 1;
    await t.ask(A);
    expect(t.cache.loads).toBe(2);
  });
});

/** A loader whose loads the test settles by hand. */
function heldLoads() {
  const { held, call } = heldCalls<string[]>();
  return { held, load: call };
}

describe('OriginListCache: invalidate() during a load, late loads, boundaries', () => {
  it('a load that finishes after invalidate() answers its waiters from the list it loaded', async () => {
    let next: string[] | 'held' = [A];
    let release!: (v: string[]) => void;
    const t = setup(() => (next === 'held' ? new Promise<string[]>((r) => (release = r)) : next), { ttl: 1_000 });
    expect(await t.ask(B)).toBe(false);
    t.clock.t += 1_000;
    next = 'held';
    const waiting = t.ask(B);
    t.cache.invalidate();
    release([A, B]);
    expect(await waiting).toBe(true);
  });

  it('a load that started before invalidate() and ended after it neither blocks nor replaces the next load', async () => {
    const loads = heldLoads();
    const t = setup(loads.load, { timeout: 60_000 });
    const first = t.ask(A);
    t.cache.invalidate();
    const second = t.ask(A); // a load of its own
    expect(t.calls()).toBe(2);
    loads.held[0].resolve([]);
    expect(await first).toBe(false);
    const third = t.ask(A); // shares the second load, still running
    expect(t.calls()).toBe(2);
    loads.held[1].resolve([A]);
    expect(await second).toBe(true);
    expect(await third).toBe(true);
  });

  it('a failed load that started before invalidate() does not hold back the next one for errorTtl', async () => {
    const loads = heldLoads();
    const t = setup(loads.load, { timeout: 60_000, errorTtl: 10_000 });
    const first = t.ask(A);
    t.cache.invalidate();
    loads.held[0].reject(new Error('down'));
    expect(await first).toBe(false);
    const next = t.ask(A);
    expect(t.calls()).toBe(2);
    loads.held[1].resolve([A]);
    expect(await next).toBe(true);
  });

  it('invalidate() without an origin ends serving the old list stale', async () => {
    let fail = false;
    const t = setup(() => (fail ? Promise.reject(new Error('down')) : [A]), { ttl: 1_000, staleIfError: 60_000 });
    expect(await t.ask(A)).toBe(true);
    t.cache.invalidate();
    fail = true;
    expect(await t.ask(A)).toBe(false);
  });

  it('the stale list answers until ttl + staleIfError after its load, not at that instant', async () => {
    let fail = false;
    const t = setup(() => (fail ? Promise.reject(new Error('down')) : [A]), { ttl: 1_000, staleIfError: 5_000, errorTtl: 0 });
    const t0 = t.clock.t;
    expect(await t.ask(A)).toBe(true);
    fail = true;
    t.clock.t = t0 + 5_999;
    expect(await t.ask(A)).toBe(true);
    t.clock.t = t0 + 6_000;
    expect(await t.ask(A)).toBe(false);
  });

  it('a list that comes after the timeout is not kept, and the timeout is logged', async () => {
    const loads = heldLoads();
    const t = setup(loads.load, { timeout: 20, errorTtl: 1_000 });
    expect(await t.ask(A)).toBe(false);
    loads.held[0].resolve([A]);
    await flush();
    expect(t.cache.decide(A, undefined)).toBe(false); // within errorTtl: no list, and the late one was not kept
    expect(t.cache.size).toBe(0);
    expect(t.logs).toEqual([['warn', 'Tenants.allOrigins() failed: no list within 20 ms; refusing origins it cannot confirm']]);
  });

  it("a loader that throws is logged with its own error's message", async () => {
    const t = setup(() => {
      throw new Error('no such table: tenants');
    });
    expect(await t.ask(A)).toBe(false);
    expect(t.logs).toEqual([['warn', 'Tenants.allOrigins() failed: no such table: tenants; refusing origins it cannot confirm']]);
  });

  it('a value that merely prints as an origin (an array) is ignored and named', async () => {
    const t = setup(() => [A, [B] as unknown as string]);
    expect(await t.ask(A)).toBe(true);
    expect(t.cache.size).toBe(1);
    expect(t.logs[0][1]).toMatch(/returned 1 value that is not a serialized origin \(\["https:\/\/b\.example"\]\)/);
  });

  it('logs the first failed load even when the clock reads less than 30 s, and says "origin resolver" when not named', async () => {
    const logs: string[] = [];
    const cache = new OriginListCache(
      () => Promise.reject(new Error('down')),
      {},
      (_, message) => logs.push(message),
      undefined,
      () => 1_000,
    );
    expect(await cache.decide(A, undefined)).toBe(false);
    expect(logs).toEqual(['origin resolver.allOrigins() failed: down; refusing origins it cannot confirm']);
  });
});
