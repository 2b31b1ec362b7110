/**
 * Fastify (`@nestjs/platform-fastify`, Fastify 5): the same behaviour as the Express binding, from the adapter's
 * request-hook slot.
 *
 * Where the hook runs. Fastify routes a request first, then runs the root `onRequest` hooks in the order they were
 * added. Nest's middleware (`consumer.apply()`, `app.use()`) is one of them — `@fastify/middie`, registered by the
 * adapter's `init()`, which `NestFactory.create()` calls before any provider exists — so a hook this library added
 * with `addHook()` would run after the middleware, and a middleware that ends a request (a 401) would send it without
 * CORS headers. The hooks `FastifyAdapter`'s constructor adds run before middie; the first of them calls the one
 * function set with `adapter.setOnRequestHook()` (a documented slot, for instrumentation). That slot is what
 * `enableCors()` has next to it (its own slot, `corsHook`, which we leave alone), and it can be filled at any time,
 * even after `listen()` — so the hook works under `NestFactory.create()` and under `Test.createTestingModule()`.
 * Because it is a single slot, taking it must take nothing away: a hook the user set before us is kept, and a later
 * `setOnRequestHook(fn)` sets the user's hook instead of replacing ours. The user's hook runs first (it sees every
 * request, preflights included, as it would without us), then ours.
 * Checked on @nestjs/platform-fastify 12.5.0 (fastify 5.12.8, find-my-way 9.10.0); the packaging test runs it on
 * 11.2.x too. The one private read (the hook already in the slot) is in cors-nest.internals.
 *
 * Headers go to `reply.raw` (Node's response): Fastify merges them into every response it sends (handler, guard,
 * pipe, filter, 500), and a middleware that ends the request with `res.end()` sends them too. Preflights are answered
 * with `reply.send()`, so the user's `onSend`/`onResponse` hooks and logging see them like any other response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PREFLIGHT_REFUSED_STATUS, PREFLIGHT_VARY, PreflightOutcome } from '../core/cors-engine.js';
import type { CorsRouteIndex, RouteEntry, RouteIndexOptions } from '../core/cors-route-index.js';
import { RouteGroup } from '../core/cors-route-index.js';
import { fastifyOnRequestHookOf } from '../cors-nest.internals.js';
import type { CorsHttpBinding, CorsRuntime } from './cors-http.binding.js';
import { corsForActual, decidePreflightThen, pathname, setHeaders } from './cors-http.common.js';

/** The parts of a Fastify request and reply the hook uses (no import: platform-fastify is optional). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  readonly is404: boolean;
  readonly hostname: string;
  readonly routeOptions: { readonly url?: string };
}
interface FastifyReplyLike {
  raw: ServerResponse;
  readonly sent: boolean;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(): FastifyReplyLike;
}
type Done = (err?: unknown) => void;
type Hook = (this: unknown, request: FastifyRequestLike, reply: FastifyReplyLike, done: Done) => unknown;

interface FastifyInstanceLike {
  findRoute(options: { method: string; url: string }): { params: Record<string, string | undefined>; searchParams?: object } | null;
  initialConfig: { routerOptions?: Record<string, unknown>; [option: string]: unknown };
  addHook(name: 'onRequest', hook: Hook): unknown;
  addHook(name: 'onRoute', hook: (route: { method: string | string[]; url: string; constraints?: object }) => void): unknown;
}
interface FastifyAdapterLike {
  getInstance(): FastifyInstanceLike;
  setOnRequestHook?(hook: Hook | undefined): void;
  getRouteMatchingOptions?(): { caseSensitive?: boolean; ignoreTrailingSlash?: boolean };
}

/**
 * The router option `name` as find-my-way gets it: `routerOptions` first, then the deprecated top-level option
 * (Fastify 5 still reads it; platform-fastify 12.5 folds it into `routerOptions`, a Fastify instance passed in
 * does not).
 */
function routerOption(instance: FastifyInstanceLike, name: string): unknown {
  const config = instance.initialConfig;
  return config.routerOptions?.[name] ?? config[name];
}

/** Route matching as the app's router does it (read once, when the route table is built). */
export function fastifyRouteMatching(httpAdapter: unknown): RouteIndexOptions {
  const adapter = httpAdapter as FastifyAdapterLike;
  const instance = adapter.getInstance();
  // `getRouteMatchingOptions()` (public; optional on HttpServer) reads both places; Fastify's defaults are strict.
  const matching = adapter.getRouteMatchingOptions?.() ?? {
    caseSensitive: routerOption(instance, 'caseSensitive') !== false,
    ignoreTrailingSlash: routerOption(instance, 'ignoreTrailingSlash') === true,
  };
  return {
    caseSensitive: matching.caseSensitive !== false,
    ignoreTrailingSlash: matching.ignoreTrailingSlash === true,
    ignoreDuplicateSlashes: routerOption(instance, 'ignoreDuplicateSlashes') === true,
    // Fastify adds a HEAD route for each GET unless `exposeHeadRoutes: false` (a server option, not a router one).
    headFromGet: instance.initialConfig.exposeHeadRoutes !== false,
    toPattern: fastifyPathToPattern,
  };
}

/**
 * The find-my-way parameter that starts at `path[i]` (a ':'): its name ends at "-", "." or "/", and a regex in
 * parentheses may follow it. Returns where the name ends and the index just past the parameter (its regex included).
 */
function scanParam(path: string, i: number): { nameEnd: number; end: number } {
  let j = i + 1;
  while (j < path.length && !'-./('.includes(path[j])) j++;
  const nameEnd = j;
  if (path[j] === '(') {
    for (let depth = 0; j < path.length; j++) {
      if (path[j] === '\\') j++;
      else if (path[j] === '(') depth++;
      else if (path[j] === ')' && --depth === 0) break;
    }
    j++;
  }
  return { nameEnd, end: j };
}

/**
 * A Fastify (find-my-way) route path in path-to-regexp 8 syntax, for the route index that finds the routes a
 * preflight's path may reach: `*` → `{*p0}`, `:id?` → `{/:p0}`, `:id(^\d+$)` → `:p0` (wider: a regex parameter is
 * confirmed by Fastify's own router, see `FastifyRoutes`), `::` → a literal colon, and path-to-regexp's reserved
 * characters escaped. Parameter names are renamed (the index never reads them; find-my-way allows names
 * path-to-regexp does not).
 */
export function fastifyPathToPattern(path: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === ':' && path[i + 1] === ':') {
      out += '\\:';
      i++;
    } else if (c === ':') {
      const { end: j } = scanParam(path, i);
      const optional = path[j - 1] === '?' && j === path.length;
      if (optional && out.endsWith('/')) out = `${out.slice(0, -1)}{/:p${n++}}`;
      else out += `:p${n++}`;
      i = j - 1;
    } else if (c === '*') out += `{*p${n++}}`;
    else if ('()[]?+!{}\\'.includes(c)) out += `\\${c}`;
    else out += c;
  }
  return out;
}

/**
 * find-my-way's precedence at one path: at the first segment where two routes differ, a static segment beats a
 * parametric one, which beats a wildcard (registration order decides nothing). Stable, so ties keep their order.
 */
export function fastifyRouteOrder<T>(entries: RouteEntry<T>[]): RouteEntry<T>[] {
  const kinds = segmentKinds;
  const cache = new Map<RouteEntry<T>, number[]>();
  const of = (e: RouteEntry<T>) => cache.get(e) ?? (cache.set(e, kinds(e.path)), cache.get(e)!);
  return [...entries].sort((a, b) => compareKinds(of(a), of(b)));
}

const NOT_ROUTED: PreflightOutcome = { ok: false, status: PREFLIGHT_REFUSED_STATUS, reason: 'the router refuses this path' };

/** Headers on Node's response, as for actual requests (so whatever inspects `res.getHeaders()` sees them); sent by Fastify. */
function answerPreflight(reply: FastifyReplyLike, outcome: PreflightOutcome): void {
  const res = reply.raw;
  if (reply.sent || res.headersSent) return;
  res.setHeader('Vary', PREFLIGHT_VARY);
  if (outcome.ok) setHeaders(res, outcome.headers);
  reply.code(outcome.status);
  reply.send();
}

/** A route path in find-my-way syntax, as text and parameters, to rebuild the path a set of parameters stands for. */
type TemplatePart = string | { name: string; optional: boolean };

function templateOf(path: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === ':' && path[i + 1] === ':') {
      text += ':';
      i++;
    } else if (c === ':') {
      const { nameEnd, end: j } = scanParam(path, i);
      let name = path.slice(i + 1, nameEnd);
      const optional = path[j - 1] === '?' && j === path.length;
      if (optional && name.endsWith('?')) name = name.slice(0, -1);
      parts.push(text, { name, optional });
      text = '';
      i = j - 1;
    } else if (c === '*') {
      parts.push(text, { name: '*', optional: false });
      text = '';
    } else text += c;
  }
  parts.push(text);
  return parts;
}

/** A route the router may have chosen: its path as registered, and how to rebuild a URL path from its parameters. */
interface Candidate {
  url: string;
  parts: TemplatePart[];
  names: string[];
  kinds: number[];
}

/**
 * One method's routes, indexed so that a lookup reads a few of them whatever the size of the app (every route of a
 * typical app shares its first segment, "/api"): routes without parameters by their path as the router compares it,
 * the others by the text before their first parameter up to its last "/" ("/api/things/:id/parts" under
 * "/api/things/"), which a lookup finds by trying each "/"-ended prefix of the requested path.
 */
interface MethodRoutes {
  statics: Map<string, Candidate>;
  byPrefix: Map<string, Candidate[]>;
  all: Candidate[];
}

/**
 * How this binding finds the route Fastify's router runs for a method and a URL, with the public
 * `fastify.findRoute()`: it follows the router options, percent-decodes, checks regex parameters and applies
 * find-my-way's precedence (static over regex over plain parameters over wildcards, whatever the registration order).
 * It returns the route's parameters but not its path; the route is the one of the app's routes (recorded with an
 * `onRoute` hook, or the controller routes when the hook came too late) whose path, filled with those parameters,
 * is the requested path. Two routes give the same path only when they have the same parameter names and the same
 * text around them ("/:a/x" and "/x/:a" for "/x/x"); find-my-way's segment precedence (fastifyRouteOrder) then picks.
 */
class FastifyRoutes {
  /** Candidates by method. */
  private byMethod: Map<string, MethodRoutes> | null = null;
  /** The recorded paths without parameters. */
  private readonly staticPaths = new Set<string>();
  private readonly caseSensitive: boolean;
  private readonly ignoreTrailingSlash: boolean;
  private readonly ignoreDuplicateSlashes: boolean;
  private readonly semicolon: boolean;

  constructor(
    private readonly instance: FastifyInstanceLike,
    private readonly recorded: { method: string; url: string }[],
    private readonly constrained: { any: boolean },
  ) {
    const matching = fastifyRouteMatching({ getInstance: () => instance });
    this.caseSensitive = matching.caseSensitive;
    this.ignoreTrailingSlash = matching.ignoreTrailingSlash;
    this.ignoreDuplicateSlashes = matching.ignoreDuplicateSlashes === true;
    this.semicolon = routerOption(instance, 'useSemicolonDelimiter') === true;
  }

  /** Some route has router constraints (versions, hosts): `findRoute()` without them does not see it. */
  get hasConstraints(): boolean {
    return this.constrained.any;
  }

  /**
   * The path (as registered) of the route Fastify runs for `method` at `url`; null when no route serves it;
   * 'refused' when the router answers itself (malformed URL 400, over-long parameter 414: find-my-way's error
   * handlers have no `searchParams`); undefined when the route is not one the library can name.
   */
  routeOf(method: string, url: string, index: CorsRouteIndex<unknown>): string | null | 'refused' | undefined {
    // A plain path (no escapes, no "//", no ";") that a route without parameters has for this method: find-my-way
    // runs that route (an exact static match comes before any parametric or wildcard one), so the router is not
    // asked. Not with router constraints (findRoute() without them would not see such a route) nor for HEAD.
    const path = pathname(url);
    if (!this.constrained.any && method !== 'HEAD') {
      if (path.charCodeAt(0) === 47 && !path.includes('%') && !path.includes('//') && !(this.semicolon && path.includes(';'))) {
        const hit = this.candidates(index).get(method)?.statics.get(this.normalize(path));
        if (hit !== undefined) return hit.url;
      }
    }
    const found = this.instance.findRoute({ method, url });
    if (found === null) return null;
    if (found.searchParams === undefined) return 'refused';
    const target = this.target(path);
    if (target === null) return undefined;
    const all = this.candidates(index);
    // HEAD: an explicit HEAD route, or the one Fastify adds for a GET (`exposeHeadRoutes`), which has the GET's path.
    const own = all.get(method);
    const fromGet = method === 'HEAD' ? all.get('GET') : undefined;
    const params = found.params ?? {};
    const keys = Object.keys(params);
    if (keys.length === 0) {
      const hit = own?.statics.get(target) ?? fromGet?.statics.get(target);
      if (hit !== undefined) return hit.url;
    }
    let best: Candidate | undefined;
    for (let i = target.indexOf('/'); i !== -1; i = target.indexOf('/', i + 1)) {
      const prefix = target.slice(0, i + 1);
      best = this.best(own?.byPrefix.get(prefix), keys, params, target, best);
      best = this.best(fromGet?.byPrefix.get(prefix), keys, params, target, best);
    }
    // A spelling the index does not key (a parameter value that begins with "/" under `ignoreDuplicateSlashes`):
    // every route of the method, as find-my-way itself would consider them.
    if (best === undefined) best = this.best(fromGet?.all, keys, params, target, this.best(own?.all, keys, params, target, undefined));
    return best?.url;
  }

  /** Whether `url` (a recorded route path) has no parameters: find-my-way serves its path before any other route. */
  isStatic(url: string): boolean {
    return this.staticPaths.has(url);
  }

  /** The route of `list` whose path, filled with `params`, is `target`, if it comes before `best` in find-my-way's order. */
  private best(
    list: Candidate[] | undefined,
    keys: string[],
    params: Record<string, string | undefined>,
    target: string,
    best: Candidate | undefined,
  ): Candidate | undefined {
    if (list === undefined) return best;
    for (const c of list) {
      if (!keys.every((k) => c.names.includes(k))) continue;
      const path = this.fill(c.parts, params);
      if (path === null || this.normalize(path) !== target) continue;
      if (best === undefined || compareKinds(c.kinds, best.kinds) < 0) best = c;
    }
    return best;
  }

  /** A request path (no query) as find-my-way compares it, decoded; null when it does not decode. */
  private target(requestPath: string): string | null {
    let path = requestPath;
    if (path.charCodeAt(0) !== 47) path = path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '') || '/';
    if (this.semicolon) {
      const semi = path.indexOf(';');
      if (semi !== -1) path = path.slice(0, semi);
    }
    try {
      return this.normalize(path.includes('%') ? decodeURIComponent(path) : path);
    } catch {
      return null;
    }
  }

  private normalize(path: string): string {
    const p = this.collapse(path);
    return this.ignoreTrailingSlash && p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
  }

  /** Duplicate slashes and case, as the router compares them (trailing slash kept: for prefixes). */
  private collapse(path: string): string {
    const p = this.ignoreDuplicateSlashes && path.includes('//') ? path.replace(/\/{2,}/g, '/') : path;
    return this.caseSensitive ? p : p.toLowerCase();
  }

  private fill(parts: TemplatePart[], params: Record<string, string | undefined>): string | null {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const value = params[part.name];
      if (value === undefined) {
        if (!part.optional) return null;
        if (out.endsWith('/')) out = out.slice(0, -1);
        continue;
      }
      out += value;
    }
    return out;
  }

  private candidates(index: CorsRouteIndex<unknown>): Map<string, MethodRoutes> {
    if (this.byMethod !== null) return this.byMethod;
    const routes: { method: string; url: string }[] =
      this.recorded.length > 0
        ? this.recorded
        : index.entries.filter((e) => e.pathPolicy !== true).map((e) => ({ method: e.method, url: e.path }));
    const byMethod = new Map<string, MethodRoutes>();
    const seen = new Set<string>();
    for (const { method, url } of routes) {
      const methods = method === 'ALL' ? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'SEARCH'] : [method];
      for (const m of methods) {
        if (seen.has(`${m} ${url}`)) continue;
        seen.add(`${m} ${url}`);
        const parts = templateOf(url);
        const names = parts.filter((p): p is { name: string; optional: boolean } => typeof p !== 'string').map((p) => p.name);
        const candidate: Candidate = { url, parts, names, kinds: segmentKinds(url) };
        let own = byMethod.get(m);
        if (own === undefined) byMethod.set(m, (own = { statics: new Map(), byPrefix: new Map(), all: [] }));
        own.all.push(candidate);
        const text = parts[0] as string;
        if (parts.length === 1) {
          this.staticPaths.add(url);
          const key = this.normalize(text);
          if (!own.statics.has(key)) own.statics.set(key, candidate);
          continue;
        }
        const key = this.collapse(text.slice(0, text.lastIndexOf('/') + 1));
        const list = own.byPrefix.get(key);
        if (list === undefined) own.byPrefix.set(key, [candidate]);
        else list.push(candidate);
      }
    }
    this.byMethod = byMethod;
    return byMethod;
  }
}

/** Per segment: 0 static, 1 parametric, 2 wildcard (find-my-way's precedence at the first segment that differs). */
function segmentKinds(path: string): number[] {
  return path.split('/').map((s) => (s.includes('*') ? 2 : s.replace(/::/g, '').includes(':') ? 1 : 0));
}

function compareKinds(ka: number[], kb: number[]): number {
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return 0;
}

/**
 * Groups of the table's controller entries by the exact path they were registered with: for an actual request
 * Fastify has already chosen the route, and `request.routeOptions.url` names it, so no path matching is needed (or
 * allowed to differ from the router's). Path policies are not in them: a route outside the controllers that has the
 * same path as a pattern is decided by the path policies in their order (`outsideControllers`).
 */
const byRoutePath = new WeakMap<CorsRouteIndex<unknown>, Map<string, RouteGroup<unknown>>>();
function groupsOf(index: CorsRouteIndex<unknown>): Map<string, RouteGroup<unknown>> {
  let groups = byRoutePath.get(index);
  if (groups === undefined) {
    const lists = new Map<string, RouteEntry<unknown>[]>();
    for (const entry of index.entries) {
      if (entry.pathPolicy === true) continue;
      const list = lists.get(entry.path) ?? [];
      list.push(entry);
      lists.set(entry.path, list);
    }
    groups = new Map([...lists].map(([path, list]) => [path, new RouteGroup(list)]));
    byRoutePath.set(index, groups);
  }
  return groups;
}

/** The path-policy entries of a group, in the index's order (an earlier `false` pattern wins, as on Express). */
const pathPolicyGroups = new WeakMap<RouteGroup<unknown>, RouteGroup<unknown>>();
function pathPoliciesOf(group: RouteGroup<unknown>): RouteGroup<unknown> {
  let only = pathPolicyGroups.get(group);
  if (only === undefined) pathPolicyGroups.set(group, (only = new RouteGroup(group.entries.filter((e) => e.pathPolicy === true))));
  return only;
}

/** The path to look path policies up with: a static route's own path when the router chose one outside Nest. */
function pathPolicyPath(routePath: string | undefined, requestPath: string): string {
  return routePath !== undefined && !/[:*]/.test(routePath) ? routePath : requestPath;
}

/** The per-request hook: answers preflights, puts CORS headers on actual requests, then `done()`. */
function createFastifyCorsHook(runtime: CorsRuntime, router: FastifyRoutes) {
  return function nestjsRouteCors(request: FastifyRequestLike, reply: FastifyReplyLike, done: Done): void {
    let proceeded = false;
    const proceed: Done = (err) => {
      if (proceeded) return;
      proceeded = true;
      done(err);
    };
    try {
      handle(runtime, router, request, reply, proceed);
    } catch (error) {
      if (proceeded) throw error; // the app's own error, as without us
      proceed(); // ours: never a 500; the app answers, without CORS headers
    }
  };
}

function handle(runtime: CorsRuntime, router: FastifyRoutes, request: FastifyRequestLike, reply: FastifyReplyLike, done: Done): void {
  const index = runtime.index as CorsRouteIndex<unknown> | null;
  if (index === null) return done();
  const raw = request.raw;
  const headers = raw.headers;
  const origin = headers.origin;
  const method = raw.method as string;
  const path = pathname(raw.url);
  // A path a static path policy names is served by what is mounted there, whichever route the router chose.
  const claimed = index.claimedGroup(path);
  // Another spelling of a claimed path (/GRAPHQL, /graph%71l): Fastify's middleware matches it decoded and in any
  // case, its router may not; which of them serves it is not known here, so neither policy applies (fail closed).
  if (claimed === null && index.claimedInAnotherSpelling(path)) {
    const isPreflight = method === 'OPTIONS' && origin !== undefined && headers['access-control-request-method'] !== undefined;
    return isPreflight ? answerPreflight(reply, NOT_ROUTED) : done();
  }

  // Fetch §CORS-preflight request: OPTIONS with Origin and Access-Control-Request-Method. Fastify routed it as an
  // OPTIONS request (usually to its 404); the policy is that of the route the router runs for the requested method.
  if (method === 'OPTIONS' && origin !== undefined && headers['access-control-request-method'] !== undefined) {
    const requested = headers['access-control-request-method'] as string;
    const url = raw.url as string;
    let group: RouteGroup<unknown> | null = claimed;
    if (group === null) {
      const routePath = router.routeOf(requested, url, index);
      if (routePath === 'refused') {
        if (index.lookup(path) === null) return done();
        return answerPreflight(reply, NOT_ROUTED); // a preflight is not granted for a request the app would refuse
      }
      const own = routePath == null ? undefined : groupsOf(index).get(routePath);
      if (own !== undefined) group = confirmed(own, routePath as string, requested, url, router, index);
      else {
        // No route for that method (or one outside Nest): only path policies apply. Routes with router
        // constraints (header versioning) are invisible to findRoute(): they keep the index's match.
        const base = index.lookup(pathPolicyPath(routePath ?? undefined, path));
        if (base === null) return done(); // not a Nest route: the app answers as it would without us
        group = routePath === null && router.hasConstraints ? base : pathPoliciesOf(base);
      }
    }
    const decided = group;
    decidePreflightThen(
      decided,
      {
        origin,
        method: requested,
        requestHeaders: headers['access-control-request-headers'] as string | undefined,
        hostname: decided.hostBound ? request.hostname : undefined,
        request,
      },
      (outcome) => answerPreflight(reply, outcome),
      () => done(),
    );
    return;
  }

  const routePath = request.is404 ? undefined : request.routeOptions.url;
  const group = claimed ?? (routePath === undefined ? undefined : groupsOf(index).get(routePath));
  if (group === undefined) {
    if (!index.hasPathPolicies) return done(); // nothing outside the controllers has a policy
    return outsideControllers(index, request, reply, method, origin, pathPolicyPath(routePath, path), done);
  }
  // HEAD: the route Fastify adds for a GET (`exposeHeadRoutes`) has the GET's path, and `forMethod` falls back to
  // GET; an explicit @Head() (Fastify requires it before the @Get()) comes first in the group.
  const entry = group.forMethod(method, group.hostBound ? request.hostname : undefined);
  const policy = entry === undefined ? null : entry.policy;
  if (policy === null) return done();
  corsForActual(reply.raw, policy, origin, request, done as () => void);
}

/**
 * The routes of `own` (the controller routes with the path the router chose for the requested method) that the
 * router also runs at this URL for their own method: Access-Control-Allow-Methods never names a method another,
 * more specific route serves here (the browser would cache the grant for it).
 */
function confirmed(
  own: RouteGroup<unknown>,
  routePath: string,
  requested: string,
  url: string,
  router: FastifyRoutes,
  index: CorsRouteIndex<unknown>,
): RouteGroup<unknown> {
  if (own.entries.every((e) => e.method === requested || e.method === 'ALL')) return own;
  // A path without parameters: find-my-way runs, for each method, the route registered with exactly that path before
  // any parametric or wildcard one, so every route of the group serves this URL.
  if (router.isStatic(routePath)) return own;
  let key = '';
  for (const e of own.entries)
    key += e.method === requested || e.method === 'ALL' || router.routeOf(e.method, url, index) === routePath ? '1' : '0';
  if (!key.includes('0')) return own;
  // The narrowed groups of `own`, by which routes are kept (a few per group): built once, so their Allow-Methods
  // cache lasts.
  let narrowed = narrowedGroups.get(own);
  if (narrowed === undefined) narrowedGroups.set(own, (narrowed = new Map()));
  let group = narrowed.get(key);
  if (group === undefined) narrowed.set(key, (group = new RouteGroup(own.entries.filter((_, i) => key[i] === '1'))));
  return group;
}
const narrowedGroups = new WeakMap<RouteGroup<unknown>, Map<string, RouteGroup<unknown>>>();

/**
 * A request no controller route serves (a 404, or a route added outside Nest's controllers: Mercurius, @fastify/static,
 * the app's own `fastify.get()`): only a path policy (`paths` in the module options) applies, matched by path, in
 * the order of the index (an earlier `false` pattern wins over a later exact one, as for the preflight).
 */
function outsideControllers(
  index: CorsRouteIndex<unknown>,
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
  method: string,
  origin: string | undefined,
  path: string,
  done: Done,
): void {
  const group = index.lookup(path);
  if (group === null || !group.hasPathPolicy) return done();
  const policies = pathPoliciesOf(group);
  const entry = policies.forMethod(method, policies.hostBound ? request.hostname : undefined);
  if (entry === undefined || entry.policy === null) return done();
  corsForActual(reply.raw, entry.policy, origin, request, done as () => void);
}

/** Runs the user's hook as the adapter runs its slot: callback or promise, once. */
function runUserHook(hook: Hook, self: unknown, request: FastifyRequestLike, reply: FastifyReplyLike, next: Done): void {
  let called = false;
  const once: Done = (err) => {
    if (called) return;
    called = true;
    next(err);
  };
  try {
    const result = hook.call(self, request, reply, once) as PromiseLike<unknown> | undefined;
    if (result && typeof result.then === 'function')
      result.then(
        () => once(),
        (err) => once(err ?? new Error('onRequest hook rejected')),
      );
  } catch (err) {
    once(err);
  }
}

const INSTALLED = Symbol.for('nestjs-route-cors.fastify');

export const fastifyBinding: CorsHttpBinding = {
  type: 'fastify',
  routeMatching: fastifyRouteMatching,
  orderRoutes: fastifyRouteOrder,
  install(httpAdapter, runtime) {
    const adapter = httpAdapter as FastifyAdapterLike & { [INSTALLED]?: boolean };
    if (adapter[INSTALLED]) return;
    const instance = adapter.getInstance();
    // Every route the app gets from now on (Nest's, Mercurius', @fastify/static's, the app's own), to name the one
    // findRoute() finds; routes with router constraints are invisible to findRoute() without them.
    const recorded: { method: string; url: string }[] = [];
    const constrained = { any: false };
    try {
      instance.addHook('onRoute', (route) => {
        for (const method of Array.isArray(route.method) ? route.method : [route.method])
          recorded.push({ method: method.toUpperCase(), url: route.url });
        if (route.constraints !== undefined && Object.keys(route.constraints).length > 0) constrained.any = true;
      });
    } catch {
      // Too late for onRoute (the instance is ready): the controller routes stand in for the recorded ones.
    }
    const cors = createFastifyCorsHook(runtime, new FastifyRoutes(instance, recorded, constrained));
    if (typeof adapter.setOnRequestHook !== 'function') {
      // An adapter without the slot: a root hook, which runs after Nest middleware registered before it.
      instance.addHook('onRequest', cors as Hook);
      return;
    }
    // A hook the user set before the library was installed (a private field: read in cors-nest.internals).
    let userHook: Hook | undefined = fastifyOnRequestHookOf<Hook>(adapter);
    const chained: Hook = function nestjsRouteCorsChain(this: unknown, request, reply, done) {
      if (userHook === undefined) return cors(request, reply, done);
      runUserHook(userHook, this, request, reply, (err) => (err !== undefined && err !== null ? done(err) : cors(request, reply, done)));
    };
    adapter.setOnRequestHook.call(adapter, chained);
    // From now on the slot holds the chain; the user's `setOnRequestHook(fn)` sets the hook it runs first.
    adapter.setOnRequestHook = (hook) => {
      userHook = hook ?? undefined;
    };
    Object.defineProperty(adapter, INSTALLED, { value: true });
  },
};
