/**
 * Express: one function at the head of the app's middleware stack (where `enableCors` puts `cors()`), so its
 * headers are on every response of a CORS-enabled route, whatever answers it: the handler, a guard's 401, a pipe's
 * 400, an exception filter, a body-parser error. Preflights are answered here and never reach the app.
 */
import { ServerResponse as NodeServerResponse } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decidePreflight, HeaderList, isOriginAllowed, PREFLIGHT_REFUSED_STATUS, PREFLIGHT_VARY, PreflightOutcome } from '../core/cors-engine.js';
import type { CompiledPolicy } from '../core/cors-compiler.js';
import type { CorsHttpBinding, CorsRuntime } from './cors-http.binding.js';

type Req = IncomingMessage & { hostname?: string };
type Next = (err?: unknown) => void;
type WriteHead = ServerResponse['writeHead'];

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
 * A handler that sets Vary itself (`res.setHeader('Vary', 'Accept')`) would drop Origin: it is put back at write
 * time, for the responses in `keepVary`. The check lives on the response's prototype (Express's per-app
 * `app.response`), patched once, and the response is only recorded in a WeakSet: Express has already swapped the
 * response's prototype, so any change to the response object itself (a property, a prototype) costs V8 a new hidden
 * class on every request, about 2 µs on the benchmark machine (docs/benchmarks.md).
 */
const keepVary = new WeakSet<ServerResponse>();
const patchedPrototypes = new WeakSet<object>();
let lastPatched: object | null = null;

function patchWriteHead(proto: object): boolean {
  if (patchedPrototypes.has(proto)) return true;
  // Never Node's own ServerResponse.prototype: that would touch every server in the process.
  if (proto === NodeServerResponse.prototype || !(proto instanceof NodeServerResponse) || !Object.isExtensible(proto)) return false;
  const previous = (proto as ServerResponse).writeHead as (...args: unknown[]) => ServerResponse;
  const writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (keepVary.has(this)) varyOrigin(this);
    return previous.apply(this, args);
  };
  Object.defineProperty(proto, 'writeHead', { value: writeHead as WriteHead, writable: true, configurable: true });
  patchedPrototypes.add(proto);
  return true;
}

/** Fallback where the prototype cannot be patched: an own writeHead on this response (correct, slower). */
function wrapWriteHead(res: ServerResponse): void {
  const previous = res.writeHead as (...args: unknown[]) => ServerResponse;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    varyOrigin(this);
    return previous.apply(this, args);
  } as WriteHead;
}

function keepVaryOnWrite(res: ServerResponse): void {
  const proto = Object.getPrototypeOf(res) as object;
  if (proto !== lastPatched) {
    if (!patchWriteHead(proto)) return wrapWriteHead(res);
    lastPatched = proto;
  }
  keepVary.add(res);
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

function answerPreflight(res: ServerResponse, outcome: PreflightOutcome): void {
  if (res.headersSent) return;
  res.statusCode = outcome.status;
  res.setHeader('Vary', PREFLIGHT_VARY);
  if (outcome.ok) setHeaders(res, outcome.headers);
  res.setHeader('Content-Length', '0');
  res.end();
}

export function createExpressCorsHook(runtime: CorsRuntime) {
  return function nestjsRouteCors(req: Req, res: ServerResponse, next: Next): void {
    const index = runtime.index;
    if (index === null) return next();
    const group = index.lookup(pathname(req.url));
    if (group === null) return next(); // not a Nest route: the app answers as it would without us
    const headers = req.headers;
    const origin = headers.origin;
    const method = req.method as string;

    // Fetch §CORS-preflight request: OPTIONS with Origin and Access-Control-Request-Method.
    if (method === 'OPTIONS' && origin !== undefined && headers['access-control-request-method'] !== undefined) {
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
        outcome = { ok: false, status: PREFLIGHT_REFUSED_STATUS, reason: 'error' };
      }
      if ('then' in outcome) {
        outcome.then(
          (o) => answerPreflight(res, o),
          () => answerPreflight(res, { ok: false, status: PREFLIGHT_REFUSED_STATUS, reason: 'error' }),
        );
      } else answerPreflight(res, outcome);
      return;
    }

    const entry = group.forMethod(method, group.hostBound ? req.hostname : undefined);
    const policy = entry === undefined ? null : entry.policy;
    if (policy === null) return next();
    if (policy.anyOrigin) {
      grant(res, policy, origin);
      return next();
    }
    varyOrigin(res);
    keepVaryOnWrite(res);
    if (origin === undefined) return next();
    const allowed = isOriginAllowed(policy, origin, req);
    if (allowed === true) {
      grant(res, policy, origin);
      return next();
    }
    if (allowed === false) return next();
    allowed.then(
      (ok) => {
        if (ok) grant(res, policy, origin);
        next();
      },
      () => next(),
    );
  };
}

export const expressBinding: CorsHttpBinding = {
  type: 'express',
  install(httpAdapter, runtime) {
    (httpAdapter as { use(fn: unknown): void }).use(createExpressCorsHook(runtime));
  },
};
