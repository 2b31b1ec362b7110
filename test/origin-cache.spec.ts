/** The decision cache on its own: a fake clock for TTLs, real timers for timeouts. */
import { jest } from '@jest/globals';
import { OriginDecisionCache, OriginCacheOptions, ORIGIN_CACHE_DEFAULTS } from '../lib/index.js';
import { flush, heldCalls } from './held.js';

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
    expect(ORIGIN_CACHE_DEFAULTS).toEqual({
      ttl: 60_000,
      negativeTtl: 10_000,
      max: 10_000,
      timeout: 250,
      staleIfError: 0,
      errorTtl: 1_000,
      concurrency: 32,
    });
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
    expect(took).toBeLessThan(2_000); // the 50 ms timeout answered, not the lookup (which never settles)
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
    const t = setup(
      async () => {
        if (down) throw new Error('ECONNREFUSED');
        return true;
      },
      { errorTtl: 1_000 },
    );
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
      const t = setup(
        async () => {
          if (down) throw new Error('down');
          return true;
        },
        { ttl: 1_000, staleIfError, errorTtl: 100 },
      );
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

/** A store whose answers the test releases by hand. */
function heldStore() {
  const { held, call } = heldCalls<boolean>();
  return { held, decide: call };
}

describe('OriginDecisionCache: concurrent lookups are bounded', () => {
  it('past concurrency, an unknown origin is refused at once without asking the store, and nothing is queued', async () => {
    const store = heldStore();
    const t = setup(store.decide, { concurrency: 3, timeout: 60_000 });
    const first = [1, 2, 3].map((i) => t.ask(`https://f${i}.example`));
    expect(t.cache.inFlight).toBe(3);
    // The fourth and fifth distinct origins: answered synchronously, false, store not asked.
    expect(t.cache.decide('https://g1.example', undefined)).toBe(false);
    expect(t.cache.decide('https://g2.example', undefined)).toBe(false);
    expect(t.calls).toHaveLength(3);
    // A request for an origin already being looked up joins that lookup instead (no new slot needed).
    const joined = t.ask('https://f1.example');
    expect(t.calls).toHaveLength(3);
    store.held[0].resolve(true);
    expect(await joined).toBe(true);
    expect(await first[0]).toBe(true);
    // A slot is free again: the next unknown origin is asked.
    const next = t.ask('https://g1.example');
    expect(t.calls).toEqual(['https://f1.example', 'https://f2.example', 'https://f3.example', 'https://g1.example']);
    for (const h of store.held.slice(1)) h.resolve(false);
    expect(await next).toBe(false);
    await Promise.all(first);
    expect(t.cache.inFlight).toBe(0);
  });

  it('an origin refused because of the bound is not cached: asked normally once the burst is over', async () => {
    const store = heldStore();
    const t = setup(store.decide, { concurrency: 1, timeout: 60_000 });
    const busy = t.ask(A);
    expect(t.cache.decide(B, undefined)).toBe(false);
    store.held[0].resolve(true);
    await busy;
    const later = t.ask(B);
    store.held[1].resolve(true);
    expect(await later).toBe(true);
  });

  it('logs once per burst: the first refusal, then at most one line per 30 s with the count', async () => {
    const store = heldStore();
    const t = setup(store.decide, { concurrency: 2, timeout: 60_000 });
    const running = [t.ask('https://r1.example'), t.ask('https://r2.example')];
    for (let i = 0; i < 500; i++) t.cache.decide(`https://flood-${i}.example`, undefined);
    expect(t.logs).toEqual([
      [
        'warn',
        'TestResolver: 2 lookups already running; refusing origins not yet known, starting with https://flood-0.example, without asking until one finishes (originCache.concurrency)',
      ],
    ]);
    t.clock.t += 29_999;
    t.cache.decide('https://late.example', undefined);
    expect(t.logs).toHaveLength(1);
    t.clock.t += 1;
    t.cache.decide('https://later.example', undefined);
    expect(t.logs[1][1]).toMatch(/starting with https:\/\/later.example, .* \(501 refused since the last report\)/);
    store.held[0].resolve(false);
    store.held[1].reject(new Error('boom'));
    await Promise.all(running);
  });

  it('a lookup that times out keeps its slot until the store answers (it still loads the store)', async () => {
    const store = heldStore();
    const t = setup(store.decide, { concurrency: 1, timeout: 20 });
    expect(await t.ask(A)).toBe(false); // timed out
    expect(t.cache.inFlight).toBe(1);
    expect(t.cache.decide(B, undefined)).toBe(false);
    expect(t.calls).toEqual([A]);
    store.held[0].resolve(true); // the late answer frees the slot (and is not stored: the request was answered)
    await flush();
    expect(t.cache.inFlight).toBe(0);
  });

  it('a lookup that never settles frees its slot after ten timeouts, so the store cannot lock new origins out for good', async () => {
    const t = setup(() => new Promise<boolean>(() => undefined), { concurrency: 1, timeout: 30 });
    const started = performance.now();
    expect(await t.ask(A)).toBe(false);
    expect(t.cache.inFlight).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    if (performance.now() - started < 290) expect(t.cache.inFlight).toBe(1); // within ten timeouts: still held
    await new Promise((r) => setTimeout(r, 400));
    expect(t.cache.inFlight).toBe(0);
  });

  it('synchronous deciders never occupy a slot', () => {
    const t = setup((o) => o === A, { concurrency: 1 });
    for (let i = 0; i < 100; i++) expect(t.cache.decide(`https://s${i}.example`, undefined)).toBe(false);
    expect(t.cache.decide(A, undefined)).toBe(true);
    expect(t.calls).toHaveLength(101);
  });

  it('concurrency is validated like the other settings', async () => {
    const { originCacheProblems } = await import('../lib/core/cors-origin-cache.js');
    expect(originCacheProblems({ concurrency: 0 })).toEqual([
      { field: 'originCache.concurrency', value: '0', reason: 'concurrency is a whole number of lookups, at least 1' },
    ]);
    expect(originCacheProblems({ concurrency: 1.5 })).toHaveLength(1);
    expect(originCacheProblems({ concurrency: 64 })).toEqual([]);
  });
});

describe('originCacheProblems and originCacheSettings', () => {
  it.each<[string, unknown, { field: string; value: string; reason: string }[]]>([
    ['absent', undefined, []],
    ['false (cache off)', false, []],
    ['every field set', { ...ORIGIN_CACHE_DEFAULTS, staleIfError: 0, errorTtl: 0 }, []],
    ['a field left undefined', { ttl: undefined }, []],
    [
      'not an object',
      true,
      [
        {
          field: 'originCache',
          value: 'true',
          reason: 'originCache is an object such as { ttl: 60000 }, or false to switch the cache off',
        },
      ],
    ],
    ['null', null, [expect.objectContaining({ field: 'originCache', value: 'null' })]],
    ['an array', [], [expect.objectContaining({ field: 'originCache', value: '' })]],
    [
      'an unknown option',
      { tll: 5 },
      [
        {
          field: 'originCache.tll',
          value: '5',
          reason: "unknown option 'tll': known options: ttl, negativeTtl, max, timeout, staleIfError, errorTtl, concurrency",
        },
      ],
    ],
    [
      'a negative ttl',
      { ttl: -1 },
      [{ field: 'originCache.ttl', value: '-1', reason: 'ttl is a whole number of milliseconds, at least 0' }],
    ],
    ['a ttl of 0', { ttl: 0, negativeTtl: 0, staleIfError: 0, errorTtl: 0 }, []],
    ['max 0', { max: 0 }, [{ field: 'originCache.max', value: '0', reason: 'max is a whole number of entries, at least 1' }]],
    [
      'timeout 0',
      { timeout: 0 },
      [{ field: 'originCache.timeout', value: '0', reason: 'timeout is a whole number of milliseconds, at least 1' }],
    ],
    ['max, timeout and concurrency of 1', { max: 1, timeout: 1, concurrency: 1 }, []],
    ['a string', { errorTtl: '1000' }, [expect.objectContaining({ field: 'originCache.errorTtl', value: '1000' })]],
    ['a fraction', { negativeTtl: 0.5 }, [expect.objectContaining({ field: 'originCache.negativeTtl' })]],
  ])('%s', async (_name, options, expected) => {
    const { originCacheProblems } = await import('../lib/core/cors-origin-cache.js');
    expect(originCacheProblems(options)).toEqual(expected);
  });

  it('settings are the defaults with the given values over them; undefined keeps a default', async () => {
    const { originCacheSettings } = await import('../lib/core/cors-origin-cache.js');
    expect(originCacheSettings({ ttl: 5, max: undefined })).toEqual({ ...ORIGIN_CACHE_DEFAULTS, ttl: 5 });
    expect(originCacheSettings({})).toEqual(ORIGIN_CACHE_DEFAULTS);
    expect(ORIGIN_CACHE_DEFAULTS.ttl).toBe(60_000);
  });
});

describe('OriginDecisionCache: what it logs while the store fails', () => {
  it('one line per 30 s burst with the count so far, then one when it answers again (plural)', async () => {
    let down = true;
    const t = setup(
      (o) => {
        if (down) throw o === A ? new Error('ECONNREFUSED') : 'plain string';
        return true;
      },
      { errorTtl: 0 },
    );
    expect(t.cache.decide(A, undefined)).toBe(false);
    t.clock.t += 29_999;
    expect(t.cache.decide(B, undefined)).toBe(false);
    t.clock.t += 1;
    expect(t.cache.decide(B, undefined)).toBe(false);
    down = false;
    expect(t.cache.decide(A, undefined)).toBe(true);
    expect(t.logs).toEqual([
      ['warn', 'TestResolver failed for https://a.example: ECONNREFUSED; refusing origins it cannot confirm'],
      ['warn', 'TestResolver failed for https://b.example: plain string; refusing origins it cannot confirm (3 failed lookups so far)'],
      ['log', 'TestResolver answers again after 3 failed lookups'],
    ]);
  });

  it('a synchronous non-boolean answer is "not allowed", cached for negativeTtl', () => {
    const t = setup(() => 'yes' as unknown as boolean, { negativeTtl: 100 });
    expect(t.cache.decide(A, undefined)).toBe(false);
    expect(t.cache.decide(A, undefined)).toBe(false);
    expect(t.calls).toEqual([A]);
    expect(t.cache.size).toBe(1);
  });
});

describe('OriginDecisionCache: sharing, eviction order and late answers', () => {
  it.each([
    ['only ttl', { ttl: 1_000, negativeTtl: 0, errorTtl: 0 }],
    ['only negativeTtl', { ttl: 0, negativeTtl: 1_000, errorTtl: 0 }],
    ['only errorTtl', { ttl: 0, negativeTtl: 0, errorTtl: 1_000 }],
  ])('shares concurrent lookups of one origin whenever some answer is cached (%s)', async (_, options) => {
    const store = heldStore();
    const t = setup(store.decide, { ...options, timeout: 60_000 });
    const both = [t.ask(A), t.ask(A)];
    expect(t.calls).toEqual([A]);
    store.held[0].resolve(true);
    expect(await Promise.all(both)).toEqual([true, true]);
  });

  it('a cached answer that is read becomes the most recently used: the least recently read origin goes first', () => {
    const t = setup(() => true, { max: 2 });
    const C = 'https://c.example';
    t.cache.decide(A, undefined);
    t.cache.decide(B, undefined);
    t.cache.decide(A, undefined); // read: A is now the most recent
    t.cache.decide(C, undefined); // evicts B, not A
    expect(t.calls).toEqual([A, B, C]);
    t.cache.decide(A, undefined);
    expect(t.calls).toEqual([A, B, C]);
    t.cache.decide(B, undefined);
    expect(t.calls).toEqual([A, B, C, B]);
  });

  it('an origin asked again after its answer expired is stored as the most recent', () => {
    const t = setup(() => true, { max: 2, ttl: 1_000 });
    const C = 'https://c.example';
    t.cache.decide(A, undefined);
    t.clock.t += 600;
    t.cache.decide(B, undefined);
    t.clock.t += 500; // A expired, B fresh
    t.cache.decide(A, undefined); // asked again, stored after B
    t.cache.decide(C, undefined); // evicts B
    expect(t.calls).toEqual([A, B, A, C]);
    t.cache.decide(A, undefined);
    expect(t.calls).toEqual([A, B, A, C]);
  });

  it('after invalidate(), a request starts its own lookup; the old lookup ending later does not disturb the new one', async () => {
    const store = heldStore();
    const t = setup(store.decide, { timeout: 60_000 });
    const before = t.ask(A);
    t.cache.invalidate();
    const after = t.ask(A);
    expect(t.calls).toEqual([A, A]);
    store.held[0].resolve(true); // given to its own waiter only
    expect(await before).toBe(true);
    const joined = t.ask(A); // joins the lookup that is still running
    expect(t.calls).toEqual([A, A]);
    store.held[1].resolve(false);
    expect(await after).toBe(false);
    expect(await joined).toBe(false);
    expect(t.cache.decide(A, undefined)).toBe(false); // the new answer is the one stored
    expect(t.calls).toEqual([A, A]);
  });

  it('the failure of a lookup that invalidate() dropped is not remembered', async () => {
    const store = heldStore();
    const t = setup(store.decide, { timeout: 60_000, errorTtl: 10_000 });
    const dropped = t.ask(A);
    t.cache.invalidate(A);
    store.held[0].reject(new Error('down'));
    expect(await dropped).toBe(false);
    const next = t.ask(A);
    expect(t.calls).toEqual([A, A]);
    store.held[1].resolve(true);
    expect(await next).toBe(true);
  });

  it('an answer that comes after the timeout is given to no one: not stored, not logged as a recovery', async () => {
    const store = heldStore();
    const t = setup(store.decide, { timeout: 20, errorTtl: 0 });
    expect(await t.ask(A)).toBe(false);
    store.held[0].resolve(true);
    await flush();
    expect(t.logs.map(([level]) => level)).toEqual(['warn']);
    expect(t.cache.size).toBe(0);
    expect(t.cache.inFlight).toBe(0);
  });

  it('a rejected lookup frees its slot at once', async () => {
    const store = heldStore();
    const t = setup(store.decide, { concurrency: 1, timeout: 60_000, errorTtl: 0 });
    const failing = t.ask(A);
    store.held[0].reject(new Error('down'));
    expect(await failing).toBe(false);
    expect(t.cache.inFlight).toBe(0);
    const next = t.ask(B);
    expect(t.calls).toEqual([A, B]);
    store.held[1].resolve(true);
    expect(await next).toBe(true);
  });

  it('a stuck lookup frees its slot at ten timeouts exactly; its answer, when it comes, frees nothing more', async () => {
    jest.useFakeTimers();
    try {
      const store = heldStore();
      const t = setup(store.decide, { concurrency: 2, timeout: 100 });
      const stuck = t.ask(A);
      jest.advanceTimersByTime(100); // the timeout: answered "not allowed", the slot still held
      expect(await stuck).toBe(false);
      expect(t.cache.inFlight).toBe(1);
      jest.advanceTimersByTime(899);
      expect(t.cache.inFlight).toBe(1);
      jest.advanceTimersByTime(1); // 1 000 ms: ten timeouts
      expect(t.cache.inFlight).toBe(0);
      store.held[0].resolve(true);
      await flush();
      expect(t.cache.inFlight).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});

/** A synchronous store that answers "allowed" until the test sets `down`; then it throws (for `only` alone, if given). */
function switchableStore(only?: string) {
  const store = {
    down: false,
    decide: (origin: string): boolean => {
      if (store.down && (only === undefined || origin === only)) throw new Error('down');
      return true;
    },
  };
  return store;
}

describe('OriginDecisionCache: staleIfError, errorTtl and revoked origins', () => {
  it('serves an "allowed" answer stale until ttl + staleIfError after it, retrying every errorTtl, and not at that instant', () => {
    const store = switchableStore();
    const t = setup(store.decide, { ttl: 1_000, staleIfError: 5_000, errorTtl: 100 });
    const t0 = t.clock.t;
    expect(t.cache.decide(A, undefined)).toBe(true);
    store.down = true;
    t.clock.t = t0 + 5_000; // past ttl, within staleIfError (stale until t0 + 6 000)
    expect(t.cache.decide(A, undefined)).toBe(true);
    expect(t.calls).toHaveLength(2);
    t.clock.t = t0 + 5_099; // within errorTtl of the failure: the stale answer, without asking
    expect(t.cache.decide(A, undefined)).toBe(true);
    expect(t.calls).toHaveLength(2);
    t.clock.t = t0 + 5_100; // errorTtl over: asked again, still stale
    expect(t.cache.decide(A, undefined)).toBe(true);
    expect(t.calls).toHaveLength(3);
    t.clock.t = t0 + 6_000; // the stale window ends here
    expect(t.cache.decide(A, undefined)).toBe(false);
    expect(t.calls).toHaveLength(4);
  });

  it('an origin the store has since refused is never served stale, even when "no" is not cached (negativeTtl 0)', () => {
    let answer: boolean | 'down' = true;
    const t = setup(
      () => {
        if (answer === 'down') throw new Error('down');
        return answer;
      },
      { ttl: 1_000, negativeTtl: 0, staleIfError: 60_000 },
    );
    expect(t.cache.decide(A, undefined)).toBe(true);
    t.clock.t += 2_000;
    answer = false;
    expect(t.cache.decide(A, undefined)).toBe(false);
    t.clock.t += 1;
    answer = 'down';
    expect(t.cache.decide(A, undefined)).toBe(false);
  });

  it('a decider that throws is remembered for errorTtl, like one that rejects', () => {
    const t = setup(
      () => {
        throw new Error('down');
      },
      { errorTtl: 1_000 },
    );
    expect(t.cache.decide(A, undefined)).toBe(false);
    expect(t.cache.decide(A, undefined)).toBe(false);
    expect(t.calls).toEqual([A]);
    t.clock.t += 1_000;
    t.cache.decide(A, undefined);
    expect(t.calls).toEqual([A, A]);
  });

  it('with errorTtl 0 a failure stores nothing: it evicts no other answer, and drops its own expired one', () => {
    const onlyB = switchableStore(B);
    const t = setup(onlyB.decide, { max: 1, ttl: 1_000, errorTtl: 0 });
    expect(t.cache.decide(A, undefined)).toBe(true);
    onlyB.down = true;
    expect(t.cache.decide(B, undefined)).toBe(false);
    expect(t.cache.decide(A, undefined)).toBe(true); // still cached
    expect(t.calls).toEqual([A, B]);

    const store = switchableStore();
    const u = setup(store.decide, { ttl: 1_000, errorTtl: 0 });
    u.cache.decide(B, undefined);
    expect(u.cache.size).toBe(1);
    u.clock.t += 2_000;
    store.down = true;
    expect(u.cache.decide(B, undefined)).toBe(false);
    expect(u.cache.size).toBe(0);
  });
});

describe('OriginDecisionCache: log lines, exactly', () => {
  it('calls the decider "origin resolver" when not told its name', () => {
    const logs: string[] = [];
    const cache = new OriginDecisionCache(
      () => {
        throw new Error('down');
      },
      {},
      (_, message) => logs.push(message),
    );
    cache.decide(A, undefined);
    expect(logs).toEqual(['origin resolver failed for https://a.example: down; refusing origins it cannot confirm']);
  });

  it('says nothing about answering again when nothing failed, and "1 failed lookup" in the singular', () => {
    const store = switchableStore();
    const t = setup(store.decide, { ttl: 0, errorTtl: 0 });
    expect(t.cache.decide(A, undefined)).toBe(true);
    expect(t.logs).toEqual([]);
    store.down = true;
    expect(t.cache.decide(A, undefined)).toBe(false);
    store.down = false;
    expect(t.cache.decide(A, undefined)).toBe(true);
    expect(t.logs[1]).toEqual(['log', 'TestResolver answers again after 1 failed lookup']);
  });

  it('logs the first failure and the first refusal past concurrency even when the clock reads less than 30 s', async () => {
    const failing = setup(() => {
      throw new Error('down');
    });
    failing.clock.t = 1_000;
    failing.cache.decide(A, undefined);
    expect(failing.logs).toHaveLength(1);

    const store = heldStore();
    const busy = setup(store.decide, { concurrency: 1, timeout: 60_000 });
    busy.clock.t = 1_000;
    const running = busy.ask(A);
    expect(busy.cache.decide(B, undefined)).toBe(false);
    expect(busy.logs).toHaveLength(1);
    expect(busy.logs[0][1]).toMatch(/1 lookups already running; refusing origins not yet known, starting with https:\/\/b\.example/);
    store.held[0].resolve(true);
    await running;
  });
});
