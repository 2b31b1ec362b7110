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
 * Checked on @nestjs/platform-fastify 12.5.0 (fastify 5.12.8, find-my-way 9.10.0).
 *
 * Headers go to `reply.raw` (Node's response): Fastify merges them into every response it sends (handler, guard,
 * pipe, filter, 500), and a middleware that ends the request with `res.end()` sends them too. Preflights are answered
 * with `reply.send()`, so the user's `onSend`/`onResponse` hooks and logging see them like any other response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PREFLIGHT_REFUSED_STATUS, PREFLIGHT_VARY, PreflightOutcome } from '../core/cors-engine.js';
import type { CorsRouteIndex, RouteEntry, RouteIndexOptions } from '../core/cors-route-index.js';
import { RouteGroup } from '../core/cors-route-index.js';
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
  findRoute(options: { method: string; url: string }): { params: object; searchParams?: object } | null;
  initialConfig: { routerOptions?: Record<string, unknown>; [option: string]: unknown };
  addHook(name: 'onRequest', hook: Hook): unknown;
}
interface FastifyAdapterLike {
  getInstance(): FastifyInstanceLike;
  setOnRequestHook?(hook: Hook | undefined): void;
  getRouteMatchingOptions?(): { caseSensitive?: boolean; ignoreTrailingSlash?: boolean };
  /** private in platform-fastify 12.5.0: a hook the user set before the library was installed. */
  onRequestHook?: Hook;
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
 * A Fastify (find-my-way) route path in path-to-regexp 8 syntax, for the route index that finds the routes a
 * preflight's path may reach: `*` → `{*p0}`, `:id?` → `{/:p0}`, `:id(^\d+$)` → `:p0` (wider: a regex parameter is
 * confirmed by Fastify's own router, see `routerRejects`), `::` → a literal colon, and path-to-regexp's reserved
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
      // find-my-way ends a parameter name at "-", "." or "/", and a regex in parentheses follows the name.
      let j = i + 1;
      while (j < path.length && !'-./('.includes(path[j])) j++;
      if (path[j] === '(') {
        for (let depth = 0; j < path.length; j++) {
          if (path[j] === '\\') j++;
          else if (path[j] === '(') depth++;
          else if (path[j] === ')' && --depth === 0) break;
        }
        j++;
      }
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
  const kinds = (path: string) => path.split('/').map((s) => (s.includes('*') ? 2 : s.replace(/::/g, '').includes(':') ? 1 : 0));
  const cache = new Map<RouteEntry<T>, number[]>();
  const of = (e: RouteEntry<T>) => cache.get(e) ?? (cache.set(e, kinds(e.path)), cache.get(e)!);
  return [...entries].sort((a, b) => {
    const ka = of(a);
    const kb = of(b);
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  });
}

/**
 * Whether Fastify's router answers this path itself before any hook runs: a malformed URL (400 FST_ERR_BAD_URL) or a
 * parameter over `maxParamLength` (414). `findRoute()` (public) follows the router options and then returns
 * find-my-way's error handler, which — unlike a route — has no `searchParams` (find-my-way 9 `_onBadUrl`,
 * `_onMaxParamLength`). A preflight is not granted for a request the app would refuse.
 */
function routerRejects(instance: FastifyInstanceLike, method: string, url: string): boolean {
  const found = instance.findRoute({ method, url });
  return found !== null && found.searchParams === undefined;
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

/**
 * Groups of the table's entries by the exact path they were registered with: for an actual request Fastify has
 * already chosen the route, and `request.routeOptions.url` names it, so no path matching is needed (or allowed to
 * differ from the router's).
 */
const byRoutePath = new WeakMap<CorsRouteIndex<unknown>, Map<string, RouteGroup<unknown>>>();
function groupsOf(index: CorsRouteIndex<unknown>): Map<string, RouteGroup<unknown>> {
  let groups = byRoutePath.get(index);
  if (groups === undefined) {
    const lists = new Map<string, RouteEntry<unknown>[]>();
    for (const entry of index.entries) {
      const list = lists.get(entry.path) ?? [];
      list.push(entry);
      lists.set(entry.path, list);
    }
    groups = new Map([...lists].map(([path, list]) => [path, new RouteGroup(list)]));
    byRoutePath.set(index, groups);
  }
  return groups;
}

/** The per-request hook: answers preflights, puts CORS headers on actual requests, then `done()`. */
export function createFastifyCorsHook(runtime: CorsRuntime, instance: FastifyInstanceLike) {
  return function nestjsRouteCors(request: FastifyRequestLike, reply: FastifyReplyLike, done: Done): void {
    const index = runtime.index as CorsRouteIndex<unknown> | null;
    if (index === null) return done();
    const raw = request.raw;
    const headers = raw.headers;
    const origin = headers.origin;
    const method = raw.method as string;

    // Fetch §CORS-preflight request: OPTIONS with Origin and Access-Control-Request-Method. Fastify routed it as an
    // OPTIONS request (usually to its 404): find the routes of the path the way the router matches paths.
    if (method === 'OPTIONS' && origin !== undefined && headers['access-control-request-method'] !== undefined) {
      const group = index.lookup(pathname(raw.url));
      if (group === null) return done(); // not a Nest route: the app answers as it would without us
      const requested = headers['access-control-request-method'] as string;
      decidePreflightThen(
        group,
        {
          origin,
          method: requested,
          requestHeaders: headers['access-control-request-headers'] as string | undefined,
          hostname: group.hostBound ? request.hostname : undefined,
          request,
        },
        (outcome) => answerPreflight(reply, outcome.ok && routerRejects(instance, requested, raw.url as string) ? NOT_ROUTED : outcome),
      );
      return;
    }

    const routePath = request.is404 ? undefined : request.routeOptions.url;
    const group = routePath === undefined ? undefined : groupsOf(index).get(routePath);
    if (group === undefined) return outsideControllers(index, request, reply, method, origin, done);
    // HEAD: the route Fastify adds for a GET (`exposeHeadRoutes`) has the GET's path, and `forMethod` falls back to
    // GET; an explicit @Head() (Fastify requires it before the @Get()) comes first in the group.
    const entry = group.forMethod(method, group.hostBound ? request.hostname : undefined);
    const policy = entry === undefined ? null : entry.policy;
    if (policy === null) return done();
    corsForActual(reply.raw, policy, origin, request, done as () => void);
  };
}

/**
 * A request no controller route serves (a 404, or a route added outside Nest's controllers: Mercurius, @fastify/static,
 * the app's own `fastify.get()`): only a path policy (`paths` in the module options) applies, matched by path.
 */
function outsideControllers(
  index: CorsRouteIndex<unknown>,
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
  method: string,
  origin: string | undefined,
  done: Done,
): void {
  const group = index.lookup(pathname(request.raw.url));
  if (group === null || !group.hasPathPolicy) return done();
  const entry = group.forMethod(method, group.hostBound ? request.hostname : undefined);
  if (entry === undefined || entry.pathPolicy !== true || entry.policy === null) return done();
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
    if (result && typeof result.then === 'function') result.then(() => once(), (err) => once(err ?? new Error('onRequest hook rejected')));
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
    const cors = createFastifyCorsHook(runtime, instance);
    if (typeof adapter.setOnRequestHook !== 'function') {
      // An adapter without the slot: a root hook, which runs after Nest middleware registered before it.
      instance.addHook('onRequest', cors as Hook);
      return;
    }
    let userHook: Hook | undefined = adapter.onRequestHook;
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
