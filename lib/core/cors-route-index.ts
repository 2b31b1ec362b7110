/**
 * The app's route table, compiled once: which handler (and so which policy) serves a method at a path.
 * Static paths are one Map lookup; parameterized paths are matched with path-to-regexp (the matcher Express 5
 * and Nest 12 use), compiled at startup, and the set of matching routes is cached per distinct combination.
 */
import { match, MatchFunction } from 'path-to-regexp';
import type { CompiledPolicy } from './cors-compiler.js';

export interface RouteEntry<T = unknown> {
  /** Upper-case method, or 'ALL' for `@All()`. */
  method: string;
  /** The full path as registered with the adapter (`/api/v1/cats/:id`). */
  path: string;
  /** Host constraints of a host-bound controller; undefined when any host. */
  hosts?: RegExp[];
  /** The compiled policy, or null when CORS is off there (`@Cors(false)`, or no origin configured). */
  policy: CompiledPolicy | null;
  /** Whatever the caller wants back (e.g. controller and handler names). */
  info: T;
  /**
   * The entry comes from a path policy (`paths` in the module options), not from the app's route table: it stands
   * for whatever serves that path outside the controllers, and its methods are the policy's.
   */
  pathPolicy?: boolean;
}

export interface RouteIndexOptions {
  caseSensitive: boolean;
  /** Express's default: "/a" and "/a/" are the same route. */
  ignoreTrailingSlash: boolean;
  /** Fastify's `ignoreDuplicateSlashes`: "/a//b" is "/a/b". */
  ignoreDuplicateSlashes?: boolean;
  /** Whether a GET route serves HEAD (Express; Fastify's `exposeHeadRoutes`, default true). */
  headFromGet?: boolean;
  /** A controller route's path in path-to-regexp 8 syntax, for routers that spell paths otherwise (Fastify's "*"). */
  toPattern?: (path: string) => string;
}

const MAX_CACHED_GROUPS = 1024;

export class RouteGroup<T = unknown> {
  /** Some entry is bound to hosts (`@Controller({ host })`): only then does `forMethod` read the hostname. */
  readonly hostBound: boolean;
  /** Some entry's policy decides origins with a function or resolver (which may read the request). */
  readonly dynamicOrigins: boolean;
  /** Some entry comes from a path policy. */
  readonly hasPathPolicy: boolean;
  /** Per entry: the Allow-Methods value and the methods it names (looked up per preflight, never split again). */
  private readonly allowMethodsCache = new Map<RouteEntry<T>, { value: string; methods: ReadonlySet<string> }>();

  constructor(
    readonly entries: readonly RouteEntry<T>[],
    private readonly headFromGet = true,
  ) {
    this.hostBound = entries.some((e) => e.hosts !== undefined);
    this.dynamicOrigins = entries.some((e) => e.policy !== null && e.policy.decider !== null);
    this.hasPathPolicy = entries.some((e) => e.pathPolicy === true);
  }

  /** The entry Express would run for this method: the first registered that matches it (HEAD falls back to GET). */
  forMethod(method: string, hostname?: string): RouteEntry<T> | undefined {
    // Express 5: each Nest handler is its own route; a route without HEAD serves HEAD with its GET handler.
    const head = method === 'HEAD' && this.headFromGet;
    for (const e of this.entries) {
      if (e.hosts !== undefined && !hostMatches(e.hosts, hostname)) continue;
      if (e.method === method || e.method === 'ALL' || (head && e.method === 'GET')) return e;
    }
    return undefined;
  }

  /** Every method routed here whose handler shares `entry`'s policy and is granted by it (never an unrouted one). */
  allowMethods(entry: RouteEntry<T>, requested: string, hostname?: string): string {
    if (!this.hostBound) {
      const cached = this.allowMethodsCache.get(entry);
      if (cached !== undefined && cached.methods.has(requested)) return cached.value;
    }
    const methods: string[] = [];
    const policy = entry.policy;
    for (const e of this.entries) {
      if (e.method === 'ALL' || methods.includes(e.method)) continue;
      if (this.forMethod(e.method, hostname) !== e || e.policy !== policy) continue;
      if (policy?.methods && !policy.methods.has(e.method)) continue;
      methods.push(e.method);
    }
    if (!methods.includes(requested)) methods.push(requested);
    const value = methods.join(', ');
    if (!this.hostBound && entry.method !== 'ALL') this.allowMethodsCache.set(entry, { value, methods: new Set(methods) });
    return value;
  }
}

function hostMatches(hosts: RegExp[], hostname: string | undefined): boolean {
  if (hostname === undefined) return false;
  for (const re of hosts) if (re.test(hostname)) return true;
  return false;
}

interface DynamicRoute<T> {
  entry: RouteEntry<T>;
  test: MatchFunction<object>;
}

/** Dynamic routes whose pattern does not start with a static segment: tested for every path. */
const ANY_FIRST_SEGMENT = '';

export class CorsRouteIndex<T = unknown> {
  private readonly staticGroups = new Map<string, RouteGroup<T>>();
  private readonly dynamic: DynamicRoute<T>[] = [];
  /**
   * The dynamic routes' positions in `dynamic`, by the first segment of their pattern when it is static
   * ("/cats/:id" → "cats"), the others under ANY_FIRST_SEGMENT: a lookup tests only the routes that can match, so
   * its cost does not grow with the number of routes under other first segments.
   */
  private readonly dynamicByFirstSegment = new Map<string, number[]>();
  private readonly dynamicGroups = new Map<string, RouteGroup<T>>();
  private readonly order: Map<RouteEntry<T>, number>;
  /** Some entry is a path policy (`paths` in the module options). */
  readonly hasPathPolicies: boolean;
  /**
   * Static paths a static path policy names ('/graphql'), normalized: what is mounted there serves them, so a
   * parametric or wildcard controller route that merely also matches ("@Post(':slug')") does not decide them.
   */
  private readonly claimed = new Set<string>();
  /** The claimed paths lower-cased, to recognize another spelling of one (`/GRAPHQL`, `/graph%71l`). */
  private readonly claimedFolded = new Set<string>();

  constructor(
    readonly entries: readonly RouteEntry<T>[],
    private readonly options: RouteIndexOptions,
  ) {
    this.order = new Map(entries.map((e, i) => [e, i]));
    this.hasPathPolicies = entries.some((e) => e.pathPolicy === true);
    const staticEntries = new Map<string, RouteEntry<T>[]>();
    for (const entry of entries) {
      if (isStaticPath(entry.path)) {
        const key = this.normalize(entry.path);
        const list = staticEntries.get(key) ?? [];
        list.push(entry);
        staticEntries.set(key, list);
        if (entry.pathPolicy === true) {
          this.claimed.add(key);
          this.claimedFolded.add(this.fold(entry.path));
        }
      } else {
        const pattern = options.toPattern && !entry.pathPolicy ? options.toPattern(entry.path) : entry.path;
        const first = this.firstSegment(pattern, true);
        const bucket = this.dynamicByFirstSegment.get(first) ?? [];
        bucket.push(this.dynamic.length);
        this.dynamicByFirstSegment.set(first, bucket);
        this.dynamic.push({
          entry,
          test: match(pattern, {
            decode: false,
            end: true,
            sensitive: options.caseSensitive,
            trailing: options.ignoreTrailingSlash,
          }),
        });
      }
    }
    // A static path can also be served by a parameterized route registered around it ("/cats/:id" serves PUT
    // /cats/special when only GET /cats/special exists): its group holds both, in registration order.
    // A path a static path policy claims is the exception: what is mounted there (Apollo at '/graphql') serves it,
    // so its group is the controller routes with that very path, then the path policies in the order written; a
    // parametric or wildcard controller route ("@Post(':slug')") is left out (the more specific pattern wins).
    for (const [key, list] of staticEntries) {
      const samePath = list[0].path;
      const dynamicMatches = this.dynamic.filter((d) => d.test(samePath) !== false).map((d) => d.entry);
      const members = this.claimed.has(key)
        ? [
            ...this.inOrder(list.filter((e) => !e.pathPolicy)),
            ...this.inOrder([...list, ...dynamicMatches].filter((e) => e.pathPolicy === true)),
          ]
        : this.inOrder([...list, ...dynamicMatches]);
      this.staticGroups.set(key, new RouteGroup(members, options.headFromGet !== false));
    }
  }

  /**
   * The group of a path a static path policy claims ('/graphql'), or null: for a router that has already chosen a
   * route (Fastify), to tell whether that choice is overridden. One Map lookup, none when there are no path policies.
   */
  claimedGroup(pathname: string): RouteGroup<T> | null {
    if (this.claimed.size === 0) return null;
    if (this.options.ignoreDuplicateSlashes && pathname.includes('//')) pathname = pathname.replace(/\/{2,}/g, '/');
    const key = this.normalize(pathname);
    return this.claimed.has(key) ? (this.staticGroups.get(key) ?? null) : null;
  }

  /**
   * Whether `pathname` is a claimed path spelled otherwise (percent-escapes, case) without being it: a router that
   * decodes and folds case for what is mounted there (Fastify's middleware, `@fastify/middie`) may serve it from the
   * mount while its route table names a parametric route. Such a request is decided by neither (no CORS).
   */
  claimedInAnotherSpelling(pathname: string): boolean {
    if (this.claimed.size === 0) return false;
    let decoded: string;
    try {
      decoded = decodeURI(pathname);
    } catch {
      return false;
    }
    return this.claimedFolded.has(this.fold(decoded)) && this.claimedGroup(pathname) === null;
  }

  private fold(path: string): string {
    let p = path.toLowerCase();
    if (this.options.ignoreDuplicateSlashes && p.includes('//')) p = p.replace(/\/{2,}/g, '/');
    if (this.options.ignoreTrailingSlash && p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    return p;
  }

  /** The routes serving `pathname` (the raw, still percent-encoded path), or null when none does. */
  lookup(pathname: string): RouteGroup<T> | null {
    if (this.options.ignoreDuplicateSlashes && pathname.includes('//')) pathname = pathname.replace(/\/{2,}/g, '/');
    const group = this.staticGroups.get(this.normalize(pathname));
    if (group !== undefined) return group;
    if (this.dynamic.length === 0) return null;
    const bucket = this.dynamicByFirstSegment.get(this.firstSegment(pathname, false));
    const any = this.dynamicByFirstSegment.get(ANY_FIRST_SEGMENT);
    let key = '';
    // Both lists are in index order; merged, the key lists positions in that order.
    let b = 0;
    let a = 0;
    const bl = bucket?.length ?? 0;
    const al = any?.length ?? 0;
    while (b < bl || a < al) {
      const i = a >= al || (b < bl && bucket![b] < any![a]) ? bucket![b++] : any![a++];
      if (this.dynamic[i].test(pathname) !== false) key += `${i},`;
    }
    if (key === '') return null;
    let cached = this.dynamicGroups.get(key);
    if (cached === undefined) {
      cached = new RouteGroup(
        this.inOrder(
          key
            .split(',')
            .filter(Boolean)
            .map((i) => this.dynamic[Number(i)].entry),
        ),
        this.options.headFromGet !== false,
      );
      if (this.dynamicGroups.size < MAX_CACHED_GROUPS) this.dynamicGroups.set(key, cached);
    }
    return cached;
  }

  /**
   * The first segment of a path, normalized as the index compares it. For a pattern: ANY_FIRST_SEGMENT unless that
   * segment is plain text (no parameter, wildcard, optional part or escape) and the pattern goes on after it.
   */
  private firstSegment(path: string, pattern: boolean): string {
    const end = path.indexOf('/', 1);
    const segment = end === -1 ? path.slice(1) : path.slice(1, end);
    if (pattern && (end === -1 || !isStaticPath(segment) || segment === '')) return ANY_FIRST_SEGMENT;
    if (!pattern && segment === '') return '\0'; // "/" or "//…": only the patterns of the ANY bucket can match
    return this.options.caseSensitive ? segment : segment.toLowerCase();
  }

  private inOrder(list: RouteEntry<T>[]): RouteEntry<T>[] {
    return list.sort((a, b) => this.order.get(a)! - this.order.get(b)!);
  }

  private normalize(path: string): string {
    let p = this.options.caseSensitive ? path : path.toLowerCase();
    if (this.options.ignoreTrailingSlash && p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    return p;
  }
}

function isStaticPath(path: string): boolean {
  // path-to-regexp 8 syntax: ":name", "*name", "{optional}" and "\\" escapes make a path dynamic.
  return !/[:*{}()\\]/.test(path);
}
