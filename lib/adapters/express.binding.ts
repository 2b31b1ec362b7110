/**
 * Express: one function in front of the app's request handling (`app.handle`, ahead of the router and so of every
 * middleware; where `enableCors` puts `cors()` as the first middleware), so its headers are on every response of a
 * CORS-enabled route, whatever answers it: the handler, a guard's 401, a pipe's 400, an exception filter, a
 * body-parser error. Preflights are answered here and never reach the app.
 *
 * Why `app.handle` and not `app.use()`: a router layer costs more than the CORS work (3–5 % of a small request on
 * the benchmark machine), and before `app.handle` Express has not yet swapped the request's and response's
 * prototypes, after which V8 gives each response a hidden class of its own, so anything written to it costs about
 * 2 µs (docs/benchmarks.md). Where `app.handle` cannot be wrapped, the hook falls back to the first middleware.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PREFLIGHT_VARY, PreflightOutcome } from '../core/cors-engine.js';
import type { RouteGroup } from '../core/cors-route-index.js';
import type { CorsHttpBinding, CorsRuntime } from './cors-http.binding.js';
import { corsForActual, decidePreflightThen, pathname, setHeaders } from './cors-http.common.js';

type Req = IncomingMessage & { hostname?: string; originalUrl?: string; res?: ServerResponse };
type Next = (err?: unknown) => void;
/** The parts of an Express application the hook uses. */
interface ExpressApp {
  handle(req: Req, res: ServerResponse, callback?: Next): void;
  request: object;
  response: object;
  enabled(setting: string): boolean;
}

/**
 * Gives the request Express's prototype (what `app.handle` does first), for code that reads Express's request
 * properties before the app runs: origin resolvers (`req.hostname`, `req.get()`), and host-bound routes.
 */
type Prepare = (req: Req, res: ServerResponse) => void;

function answerPreflight(res: ServerResponse, outcome: PreflightOutcome, poweredBy: boolean): void {
  if (res.headersSent) return;
  res.statusCode = outcome.status;
  if (poweredBy) res.setHeader('X-Powered-By', 'Express'); // as the app would have sent it
  res.setHeader('Vary', PREFLIGHT_VARY);
  if (outcome.ok) setHeaders(res, outcome.headers);
  res.setHeader('Content-Length', '0');
  res.end();
}

/**
 * The per-request work. Calls `proceed()` when the app should run (at once, or once an async origin decision is
 * in), or answers a preflight itself. `prepare` is null when the request already has Express's prototypes.
 */
function handleCors(
  runtime: CorsRuntime,
  req: Req,
  res: ServerResponse,
  proceed: () => void,
  prepare: Prepare | null,
  poweredBy: () => boolean,
): void {
  const index = runtime.index;
  if (index === null) return proceed();
  const group: RouteGroup | null = index.lookup(pathname(req.url));
  if (group === null) return proceed(); // not a Nest route: the app answers as it would without us
  const headers = req.headers;
  const origin = headers.origin;
  const method = req.method as string;
  if (prepare !== null && group.hostBound) prepare(req, res); // Express's req.hostname (trust proxy, X-Forwarded-Host)

  // Fetch §CORS-preflight request: OPTIONS with Origin and Access-Control-Request-Method.
  if (method === 'OPTIONS' && origin !== undefined && headers['access-control-request-method'] !== undefined) {
    if (prepare !== null && group.dynamicOrigins) prepare(req, res); // a resolver may read the request
    const withPoweredBy = prepare !== null && poweredBy();
    decidePreflightThen(
      group,
      {
        origin,
        method: headers['access-control-request-method'] as string,
        requestHeaders: headers['access-control-request-headers'] as string | undefined,
        // Express computes req.hostname on every read: only host-bound controllers need it.
        hostname: group.hostBound ? req.hostname : undefined,
        request: req,
      },
      (outcome) => answerPreflight(res, outcome, withPoweredBy),
      proceed,
    );
    return;
  }

  const entry = group.forMethod(method, group.hostBound ? req.hostname : undefined);
  const policy = entry === undefined ? null : entry.policy;
  if (policy === null) return proceed();
  if (prepare !== null && policy.decider !== null && origin !== undefined) prepare(req, res); // a resolver may read it
  corsForActual(res, policy, origin, req, proceed);
}

/** The hook as a plain Express middleware (the fallback, and for apps that mount it themselves). */
export function createExpressCorsHook(runtime: CorsRuntime) {
  return function nestjsRouteCors(req: Req, res: ServerResponse, next: Next): void {
    handleCors(
      runtime,
      req,
      res,
      () => next(),
      null,
      () => false,
    );
  };
}

const WRAPPED = Symbol.for('nestjs-route-cors.handle');

/** Wraps `app.handle` so the hook runs before Express does anything; false when this app cannot be wrapped. */
function wrapHandle(app: ExpressApp, runtime: CorsRuntime): boolean {
  if (typeof app?.handle !== 'function' || typeof app.request !== 'object' || typeof app.response !== 'object') return false;
  if ((app as unknown as Record<symbol, unknown>)[WRAPPED]) return true;
  const handle = app.handle;
  const prepare: Prepare = (req, res) => {
    // What app.handle does to the request before its router (it repeats it, to the same effect), and originalUrl as
    // its router sets it; the properties first, while the request still has Node's prototype and so a shared hidden
    // class. The response keeps Node's prototype: a preflight is answered without Express, and faster so.
    req.res = res;
    if (req.originalUrl === undefined) req.originalUrl = req.url;
    Object.setPrototypeOf(req, app.request);
  };
  const poweredBy = () => app.enabled('x-powered-by');
  app.handle = function nestjsRouteCors(this: ExpressApp, req: Req, res: ServerResponse, callback?: Next): void {
    let proceeded = false;
    const proceed = () => {
      if (proceeded) return;
      proceeded = true;
      handle.call(this, req, res, callback);
    };
    try {
      handleCors(runtime, req, res, proceed, prepare, poweredBy);
    } catch (error) {
      if (proceeded) throw error; // the app's own error, as without us
      proceed(); // ours: never take the server down; the app answers, without CORS headers
    }
  };
  Object.defineProperty(app, WRAPPED, { value: true });
  return true;
}

export const expressBinding: CorsHttpBinding = {
  type: 'express',
  install(httpAdapter, runtime) {
    const adapter = httpAdapter as { use(fn: unknown): void; getInstance?(): unknown };
    const app = adapter.getInstance?.() as ExpressApp | undefined;
    if (app !== undefined && wrapHandle(app, runtime)) return;
    adapter.use(createExpressCorsHook(runtime));
  },
};
