/**
 * The allow-list mode of a resolver that can list every allowed origin (`allOrigins()`): the whole list is kept in
 * memory and every origin, known or random, is answered with a Set lookup and no query. The list is loaded on first
 * use, reloaded after `ttl` and after `invalidate()`, one load at a time shared by every request waiting for it.
 * Pure: no Nest, no timers left running (a timeout timer lives only while a load is pending and is unref'd).
 */
import { isSerializedOrigin } from './cors-origin.js';
import { OriginCacheLogger, OriginCacheOptions, originCacheSettings } from './cors-origin-cache.js';
import type { OriginDecider } from './cors-compiler.js';

/** Loads every allowed origin (serialized: `https://shop.example`). */
export type OriginListLoader = () => Iterable<string> | Promise<Iterable<string>>;

/** While the list keeps failing to load, the failure is summarized at most this often. */
const BURST_REPORT_INTERVAL = 30_000;

export class OriginListCache {
  private readonly settings: Required<OriginCacheOptions>;
  /** The last list loaded, or null before the first load. */
  private list: Set<string> | null = null;
  /** The list is fresh until then. */
  private expires = 0;
  /** After a failed load, the old list may still answer until then (`staleIfError`); 0: never. */
  private staleUntil = 0;
  /** After a failed load, no new load is tried until then (`errorTtl`). */
  private retryAt = 0;
  /** Bumped by `invalidate()`: a load that started before it is not kept as the list. */
  private generation = 0;
  private loading: Promise<Set<string> | null> | null = null;
  private failures = 0;
  private lastReport = 0;
  /** Number of loads started (for tests and the flood benchmark). */
  loads = 0;

  constructor(
    private readonly loader: OriginListLoader,
    options: OriginCacheOptions = {},
    private readonly log: OriginCacheLogger = () => undefined,
    /** What the log lines call the resolver (`TenantOrigins`). */
    private readonly name = 'origin resolver',
    private readonly now: () => number = Date.now,
  ) {
    this.settings = originCacheSettings(options);
  }

  /** Number of origins in the list in memory. */
  get size(): number {
    return this.list?.size ?? 0;
  }

  /** Answers from the list; never throws, never rejects, settles within `timeout`. */
  readonly decide: OriginDecider = (origin) => {
    const now = this.now();
    if (this.list !== null && now < this.expires) return this.list.has(origin);
    // A load failed a moment ago: answer from what we have (stale list within staleIfError, else no), no new load.
    if (now < this.retryAt) return this.fallback(origin, now);
    return this.load().then((list) => (list !== null ? list.has(origin) : this.fallback(origin, this.now())));
  };

  /**
   * The list changed: the next request loads it again (one load, shared). With an origin, that origin also leaves
   * the list in memory at once, so it is never answered from a stale list; without one, no stale list is used.
   */
  invalidate(origin?: string): void {
    this.generation++;
    this.expires = 0;
    this.retryAt = 0;
    this.loading = null;
    if (origin === undefined) this.staleUntil = 0;
    else this.list?.delete(origin);
  }

  private fallback(origin: string, now: number): boolean {
    return this.list !== null && now < this.staleUntil && this.list.has(origin);
  }

  /** One load at a time; resolves with the list, or null when it failed or took longer than `timeout`. */
  private load(): Promise<Set<string> | null> {
    if (this.loading !== null) return this.loading;
    const generation = this.generation;
    this.loads++;
    let settle!: (list: Set<string> | null) => void;
    const loading = new Promise<Set<string> | null>((resolve) => (settle = resolve));
    this.loading = loading;
    let done = false;
    const finish = (outcome: () => Set<string> | null) => {
      if (done) return; // a late answer after the timeout is not kept
      done = true;
      clearTimeout(timer);
      if (this.loading === loading) this.loading = null;
      settle(outcome());
    };
    const timer = setTimeout(
      () => finish(() => this.failed(new Error(`no list within ${this.settings.timeout} ms`), generation)),
      this.settings.timeout,
    );
    (timer as { unref?: () => void }).unref?.();
    let answer: Iterable<string> | Promise<Iterable<string>>;
    try {
      answer = this.loader();
    } catch (error) {
      finish(() => this.failed(error, generation));
      return loading;
    }
    Promise.resolve(answer).then(
      (values) => finish(() => this.loaded(values, generation)),
      (error: unknown) => finish(() => this.failed(error, generation)),
    );
    return loading;
  }

  private loaded(values: Iterable<string>, generation: number): Set<string> | null {
    let list: Set<string>;
    const ignored: unknown[] = [];
    try {
      list = new Set();
      for (const value of values) {
        if (typeof value === 'string' && isSerializedOrigin(value)) list.add(value);
        else ignored.push(value);
      }
    } catch (error) {
      return this.failed(error, generation);
    }
    if (ignored.length > 0) {
      this.log(
        'warn',
        `${this.name}.allOrigins() returned ${ignored.length} value${ignored.length > 1 ? 's' : ''} that ${ignored.length > 1 ? 'are' : 'is'} not a serialized origin ` +
          `(${ignored
            .slice(0, 3)
            .map((v) => JSON.stringify(v))
            .join(
              ', ',
            )}): no browser sends such an Origin, so ${ignored.length > 1 ? 'they are' : 'it is'} ignored; store 'https://shop.example' (lowercase, no path, no default port)`,
      );
    }
    if (this.failures > 0) {
      this.log('log', `${this.name} lists its origins again after ${this.failures} failed load${this.failures > 1 ? 's' : ''}`);
      this.failures = 0;
      this.lastReport = 0;
    }
    // Loaded before an invalidate(): it answers the requests that waited for it, and is not kept.
    if (generation !== this.generation) return list;
    const now = this.now();
    this.list = list;
    this.expires = now + this.settings.ttl;
    this.staleUntil = this.expires + this.settings.staleIfError;
    this.retryAt = 0;
    return list;
  }

  /** Fail closed: null (the caller answers from a stale list within `staleIfError`, else "not allowed"). */
  private failed(error: unknown, generation: number): null {
    const now = this.now();
    this.failures++;
    if (this.failures === 1 || now - this.lastReport >= BURST_REPORT_INTERVAL) {
      const reason = error instanceof Error ? error.message : String(error);
      const more = this.failures > 1 ? ` (${this.failures} failed loads so far)` : '';
      this.log('warn', `${this.name}.allOrigins() failed: ${reason}; refusing origins it cannot confirm${more}`);
      this.lastReport = now;
    }
    if (generation === this.generation) this.retryAt = now + this.settings.errorTtl;
    return null;
  }
}
