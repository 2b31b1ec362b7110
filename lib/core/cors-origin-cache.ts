/**
 * The decision cache in front of function and resolver origins: a bounded LRU of `origin → allowed` with separate
 * TTLs for yes and no, one shared lookup per origin at a time, a timeout after which the answer is "not allowed",
 * and errors logged once per burst. Pure: no Nest, no timers left running (a timeout timer lives only while a
 * lookup is pending and is unref'd).
 */
import type { OriginDecider } from './cors-compiler.js';

export interface OriginCacheOptions {
  /** Milliseconds an "allowed" answer is reused. Default 60 000. */
  ttl?: number;
  /** Milliseconds a "not allowed" answer is reused. Default 10 000. */
  negativeTtl?: number;
  /** Hard bound on cached origins (least recently used go first). Default 10 000. */
  max?: number;
  /** Milliseconds a lookup may take before the request is answered "not allowed". Default 250. */
  timeout?: number;
  /**
   * Milliseconds an expired "allowed" answer may still be served while the store fails (throws or times out).
   * Default 0: off, a failing store means "not allowed" for everyone (fail closed).
   */
  staleIfError?: number;
  /** Milliseconds a failed lookup is remembered, so a down store is not asked on every request. Default 1 000. */
  errorTtl?: number;
  /**
   * Lookups of different origins that may run at once. Past it, a request with an origin that is neither cached nor
   * already being looked up is answered "not allowed" at once, without asking the store and without waiting (a
   * flood of random `Origin` values cannot become a flood of queries, nor a queue). Default 32.
   */
  concurrency?: number;
}

export type OriginCacheLogger = (level: 'warn' | 'log', message: string) => void;

export const ORIGIN_CACHE_DEFAULTS: Readonly<Required<OriginCacheOptions>> = Object.freeze({
  ttl: 60_000,
  negativeTtl: 10_000,
  max: 10_000,
  timeout: 250,
  staleIfError: 0,
  errorTtl: 1_000,
  concurrency: 32,
});

/** A lookup that has not settled this many timeouts after it started no longer counts against `concurrency`. */
const STUCK_LOOKUP_TIMEOUTS = 10;

/** While a store keeps failing, the burst is summarized at most this often. */
const BURST_REPORT_INTERVAL = 30_000;

interface Entry {
  allowed: boolean;
  /** Fresh until then. */
  expires: number;
  /** For a positive answer: may be served on store failure until then (0: never). */
  staleUntil: number;
}

interface Lookup {
  readonly promise: Promise<boolean>;
}

/** Checks cache options; returns one reason per bad field (empty when fine). */
/** The defaults with the given settings over them (undefined keeps the default). */
export function originCacheSettings(options: OriginCacheOptions): Required<OriginCacheOptions> {
  const settings = { ...ORIGIN_CACHE_DEFAULTS };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (settings as Record<string, number>)[key] = value;
  return settings;
}

export function originCacheProblems(options: unknown): { field: string; value: string; reason: string }[] {
  if (options === undefined || options === false) return [];
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    return [
      {
        field: 'originCache',
        value: String(options),
        reason: 'originCache is an object such as { ttl: 60000 }, or false to switch the cache off',
      },
    ];
  }
  const problems: { field: string; value: string; reason: string }[] = [];
  const known = Object.keys(ORIGIN_CACHE_DEFAULTS);
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) {
      problems.push({
        field: `originCache.${key}`,
        value: String(value),
        reason: `unknown option '${key}': known options: ${known.join(', ')}`,
      });
    } else if (value !== undefined) {
      const min = key === 'max' || key === 'timeout' || key === 'concurrency' ? 1 : 0;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
        problems.push({
          field: `originCache.${key}`,
          value: String(value),
          reason: `${key} is a whole number of ${key === 'max' ? 'entries' : key === 'concurrency' ? 'lookups' : 'milliseconds'}, at least ${min}`,
        });
      }
    }
  }
  return problems;
}

export class OriginDecisionCache {
  private readonly settings: Required<OriginCacheOptions>;
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Lookup>();
  private failures = 0;
  private lastReport = 0;
  /** Lookups whose answer has not settled yet (at most `concurrency`). */
  private running = 0;
  /** Origins refused unasked because `concurrency` lookups were running, since the last log line about it. */
  private overflowed = 0;
  private lastOverflowReport = 0;
  /**
   * Concurrent lookups of one origin share one call only when answers are cached at all: with every TTL at 0
   * (`originCache: false`, for resolvers whose answer depends on the request) each request gets its own answer.
   */
  private readonly sharesLookups: boolean;

  constructor(
    private readonly decider: OriginDecider,
    options: OriginCacheOptions = {},
    private readonly log: OriginCacheLogger = () => undefined,
    /** What the log lines call the decider (`TenantOrigins`). */
    private readonly name = 'origin resolver',
    private readonly now: () => number = Date.now,
  ) {
    this.settings = originCacheSettings(options);
    this.sharesLookups = this.settings.ttl > 0 || this.settings.negativeTtl > 0 || this.settings.errorTtl > 0;
  }

  /** Number of cached origins (never more than `max`). */
  get size(): number {
    return this.entries.size;
  }

  /** Lookups running now (never more than `concurrency`). */
  get inFlight(): number {
    return this.running;
  }

  /** The decider with the cache in front; never throws, never rejects, settles within `timeout`. */
  readonly decide: OriginDecider = (origin, request) => {
    const now = this.now();
    const entry = this.entries.get(origin);
    if (entry !== undefined && entry.expires > now) {
      this.touch(origin, entry);
      return entry.allowed;
    }
    if (this.sharesLookups) {
      const pending = this.pending.get(origin);
      if (pending !== undefined) return pending.promise;
    }
    return this.lookup(origin, request);
  };

  /** Drops the cached answer for one origin, or every answer; lookups already running are not stored. */
  invalidate(origin?: string): void {
    if (origin === undefined) {
      this.entries.clear();
      this.pending.clear();
    } else {
      this.entries.delete(origin);
      this.pending.delete(origin);
    }
  }

  private touch(origin: string, entry: Entry): void {
    // Move to the most recently used end.
    this.entries.delete(origin);
    this.entries.set(origin, entry);
  }

  private store(origin: string, entry: Entry): void {
    this.entries.delete(origin);
    this.entries.set(origin, entry);
    while (this.entries.size > this.settings.max) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /**
   * Past `concurrency`: "not allowed" now, nothing stored (it is not the store's answer). Logged once per burst: the
   * first refusal, then at most one line per BURST_REPORT_INTERVAL with the count since the last line.
   */
  private overflow(origin: string): false {
    const now = this.now();
    this.overflowed++;
    if (this.lastOverflowReport === 0 || now - this.lastOverflowReport >= BURST_REPORT_INTERVAL) {
      const more = this.lastOverflowReport === 0 ? '' : ` (${this.overflowed} refused since the last report)`;
      this.log(
        'warn',
        `${this.name}: ${this.settings.concurrency} lookups already running; refusing origins not yet known, starting with ${origin}, without asking until one finishes${more} (originCache.concurrency)`,
      );
      this.lastOverflowReport = now;
      this.overflowed = 0;
    }
    return false;
  }

  private release(): void {
    this.running--;
  }

  private lookup(origin: string, request: unknown): boolean | Promise<boolean> {
    // Only asynchronous lookups occupy a slot; a synchronous decider answers before the next request arrives.
    if (this.running >= this.settings.concurrency) return this.overflow(origin);
    let answer: boolean | Promise<boolean>;
    try {
      answer = this.decider(origin, request);
    } catch (error) {
      return this.failed(origin, error);
    }
    if (answer === true || answer === false) return this.succeeded(origin, answer);
    if (!answer || typeof (answer as Promise<boolean>).then !== 'function') return this.succeeded(origin, false);

    // The slot is held until the store answers (a timed-out query still loads the store), or, for a lookup that
    // never settles, until STUCK_LOOKUP_TIMEOUTS timeouts have passed.
    this.running++;
    let released = false;
    let stuckTimer: ReturnType<typeof setTimeout> | undefined;
    const releaseSlot = () => {
      if (released) return;
      released = true;
      if (stuckTimer !== undefined) clearTimeout(stuckTimer);
      this.release();
    };
    let settle!: (value: boolean) => void;
    const promise = new Promise<boolean>((resolve) => (settle = resolve));
    const lookup: Lookup = { promise };
    if (this.sharesLookups) this.pending.set(origin, lookup);
    let done = false;
    const finish = (fn: (keep: boolean) => boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Not shared (nothing cached): the answer is this request's own, and nothing is stored anyway.
      const current = !this.sharesLookups || this.pending.get(origin) === lookup;
      if (current && this.sharesLookups) this.pending.delete(origin);
      // An answer to a lookup that invalidate() dropped is stale: give it to its waiters, store nothing.
      settle(fn(current));
    };
    const timer = setTimeout(() => {
      finish((keep) => this.failed(origin, new Error(`no answer within ${this.settings.timeout} ms`), keep));
      if (!released) {
        stuckTimer = setTimeout(releaseSlot, this.settings.timeout * (STUCK_LOOKUP_TIMEOUTS - 1));
        (stuckTimer as { unref?: () => void }).unref?.();
      }
    }, this.settings.timeout);
    (timer as { unref?: () => void }).unref?.();
    (answer as Promise<boolean>).then(
      (value) => {
        releaseSlot();
        finish((keep) => this.succeeded(origin, value === true, keep));
      },
      (error: unknown) => {
        releaseSlot();
        finish((keep) => this.failed(origin, error, keep));
      },
    );
    return promise;
  }

  private succeeded(origin: string, allowed: boolean, keep = true): boolean {
    const now = this.now();
    const ttl = allowed ? this.settings.ttl : this.settings.negativeTtl;
    if (this.failures > 0) {
      this.log('log', `${this.name} answers again after ${this.failures} failed lookup${this.failures > 1 ? 's' : ''}`);
      this.failures = 0;
      this.lastReport = 0;
    }
    if (!keep) return allowed;
    if (ttl > 0) this.store(origin, { allowed, expires: now + ttl, staleUntil: allowed ? now + ttl + this.settings.staleIfError : 0 });
    else this.entries.delete(origin);
    return allowed;
  }

  /** Fail closed: "not allowed", unless an expired "allowed" answer is still within `staleIfError`. */
  private failed(origin: string, error: unknown, keep = true): boolean {
    const now = this.now();
    this.failures++;
    const reason = error instanceof Error ? error.message : String(error);
    if (this.failures === 1 || now - this.lastReport >= BURST_REPORT_INTERVAL) {
      const more = this.failures > 1 ? ` (${this.failures} failed lookups so far)` : '';
      this.log('warn', `${this.name} failed for ${origin}: ${reason}; refusing origins it cannot confirm${more}`);
      this.lastReport = now;
    }
    const previous = this.entries.get(origin);
    const stale = previous !== undefined && previous.allowed && previous.staleUntil > now;
    if (!keep) return stale;
    const retryAt = now + this.settings.errorTtl;
    if (stale) {
      this.store(origin, { ...previous, expires: Math.min(retryAt, previous.staleUntil) });
      return true;
    }
    if (this.settings.errorTtl > 0) this.store(origin, { allowed: false, expires: retryAt, staleUntil: 0 });
    else this.entries.delete(origin);
    return false;
  }
}
