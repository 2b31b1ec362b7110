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
import { decidePreflight, HeaderList, isOriginAllowed, PREFLIGHT_REFUSED_STATUS, PREFLIGHT_VARY, PreflightOutcome } from '../core/cors-engine.js';
import type { CompiledPolicy } from '../core/cors-compiler.js';
import type { RouteGroup } from '../core/cors-route-index.js';
import type { CorsHttpBinding, CorsRuntime } from './cors-http.binding.js';

type Req = IncomingMessage & { hostname?: string; originalUrl?: string; res?: ServerResponse };
type Next = (err?: unknown) => void;
type WriteHead = (...args: unknown[]) => ServerResponse;

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

function hasOriginToken(vary: string): boolean {
  return /(^|[\s,])(origin|\*)([\s,]|$)/i.test(vary);
}

/** Appends Origin to Vary, keeping what is there. */
function varyOrigin(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  if (current === undefined) res.setHeader('Vary', 'Origin');
  else if (current !== 'Origin') {
    const value = Array.isArray(current) ? current.join(', ') : String(current);
    if (!hasOriginToken(value)) res.setHeader('Vary', value === '' ? 'Origin' : `${value}, Origin`);
  }
}

/**
 * A handler that sets Vary itself (`res.setHeader('Vary', 'Accept')`) would drop Origin: put it back at write time.
 * One shared function, set as the response's own writeHead; it calls whatever writeHead the prototype has then.
 */
function writeHeadKeepingVary(this: ServerResponse, ...args: unknown[]): ServerResponse {
  varyOrigin(this);
  // writeHead(status, { Vary: … }) would replace the header again: keep Origin in that value too.
  const last = args[args.length - 1];
  if (args.length > 1 && last !== null && typeof last === 'object' && !Array.isArray(last)) {
    const headers = last as Record<string, unknown>;
    const key = Object.keys(headers).find((k) => k.toLowerCase() === 'vary');
    if (key !== undefined) {
      const value = Array.isArray(headers[key]) ? (headers[key] as unknown[]).join(', ') : String(headers[key]);
      if (!hasOriginToken(value)) args[args.length - 1] = { ...headers, [key]: value === '' ? 'Origin' : `${value}, Origin` };
    }
  }
  return ((Object.getPrototypeOf(this) as ServerResponse).writeHead as WriteHead).apply(this, args);
}

function pathname(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function setHeaders(res: ServerResponse, headers: HeaderList | readonly (readonly [string, string])[]): void {
  for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
}

/** The headers of `actualHeaders(policy, origin)`, set without building the list. */
function grant(res: ServerResponse, policy: CompiledPolicy, origin: string | undefined): void {
  if (res.headersSent) return;
  res.setHeader('Access-Control-Allow-Origin', policy.anyOrigin ? '*' : (origin as string));
  setHeaders(res, policy.actualTail);
}

function answerPreflight(res: ServerResponse, outcome: PreflightOutcome, poweredBy: boolean): void {
  if (res.headersSent) return;
  res.statusCode = outcome.status;
  if (poweredBy) res.setHeader('X-Powered-By', 'Express'); // as the app would have sent it
  res.setHeader('Vary', PREFLIGHT_VARY);
  if (outcome.ok) setHeaders(res, outcome.headers);
  res.setHeader('Content-Length', '0');
  res.end();
}

const REFUSED: PreflightOutcome = { ok: false, status: PREFLIGHT_REFUSED_STATUS, reason: 'error' };

/**
 * The per-request work. Calls `proceed()` when the app should run (at once, or once an async origin decision is
 * in), or answers a preflight itself. `prepare` is null when the request already has Express's prototypes.
 */
function handleCors(runtime: CorsRuntime, req: Req, res: ServerResponse, proceed: () => void, prepare: Prepare | null, poweredBy: () => boolean): void {
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
    let outcome: PreflightOutcome | Promise<PreflightOutcome>;
    try {
      outcome = decidePreflight(group, {
        origin,
        method: headers['access-control-request-method'] as string,
        requestHeaders: headers['access-control-request-headers'] as string | undefined,
        // Express computes req.hostname on every read: only host-bound controllers need it.
        hostname: group.hostBound ? req.hostname : undefined,
        request: req,
      });
    } catch {
      outcome = REFUSED;
    }
    const withPoweredBy = prepare !== null && poweredBy();
    if ('then' in outcome) {
      outcome.then(
        (o) => answerPreflight(res, o, withPoweredBy),
        () => answerPreflight(res, REFUSED, withPoweredBy),
      );
    } else answerPreflight(res, outcome, withPoweredBy);
    return;
  }

  const entry = group.forMethod(method, group.hostBound ? req.hostname : undefined);
  const policy = entry === undefined ? null : entry.policy;
  if (policy === null) return proceed();
  if (policy.anyOrigin) {
    grant(res, policy, origin);
    return proceed();
  }
  varyOrigin(res);
  res.writeHead = writeHeadKeepingVary as ServerResponse['writeHead'];
  if (origin === undefined) return proceed();
  if (prepare !== null && policy.decider !== null) prepare(req, res);
  const allowed = isOriginAllowed(policy, origin, req);
  if (allowed === true) {
    grant(res, policy, origin);
    return proceed();
  }
  if (allowed === false) return proceed();
  allowed.then(
    (ok) => {
      if (ok) grant(res, policy, origin);
      proceed();
    },
    () => proceed(),
  );
}

/** The hook as a plain Express middleware (the fallback, and for apps that mount it themselves). */
export function createExpressCorsHook(runtime: CorsRuntime) {
  return function nestjsRouteCors(req: Req, res: ServerResponse, next: Next): void {
    handleCors(runtime, req, res, () => next(), null, () => false);
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
