/**
 * Express: one function at the head of the app's middleware stack (where `enableCors` puts `cors()`), so its
 * headers are on every response of a CORS-enabled route, whatever answers it: the handler, a guard's 401, a pipe's
 * 400, an exception filter, a body-parser error. Preflights are answered here and never reach the app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { actualHeaders, decidePreflight, HeaderList, isOriginAllowed, PREFLIGHT_REFUSED_STATUS, PREFLIGHT_VARY, PreflightOutcome } from '../core/cors-engine.js';
import type { CompiledPolicy } from '../core/cors-compiler.js';
import type { CorsHttpBinding, CorsRuntime } from './cors-http.binding.js';

type Req = IncomingMessage & { hostname?: string };
type Next = (err?: unknown) => void;

const PREVIOUS_WRITE_HEAD = Symbol('nestjs-route-cors.writeHead');

function setHeaders(res: ServerResponse, headers: HeaderList): void {
  for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
}

function hasOriginToken(vary: string): boolean {
  return /(^|[\s,])(origin|\*)([\s,]|$)/i.test(vary);
}

/** Appends Origin to Vary, keeping what is there. */
function varyOrigin(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  if (current === undefined) res.setHeader('Vary', 'Origin');
  else {
    const value = Array.isArray(current) ? current.join(', ') : String(current);
    if (!hasOriginToken(value)) res.setHeader('Vary', value === '' ? 'Origin' : `${value}, Origin`);
  }
}

/** A handler that sets Vary itself (`res.setHeader('Vary', 'Accept')`) would drop Origin: put it back at write time. */
function writeHeadKeepingVary(this: ServerResponse & { [PREVIOUS_WRITE_HEAD]?: Function }, ...args: unknown[]) {
  varyOrigin(this);
  return (this[PREVIOUS_WRITE_HEAD] as Function).apply(this, args);
}

function pathname(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function grant(res: ServerResponse, policy: CompiledPolicy, origin: string | undefined): void {
  if (!res.headersSent) setHeaders(res, actualHeaders(policy, origin));
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
          hostname: req.hostname,
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

    const entry = group.forMethod(method, req.hostname);
    const policy = entry === undefined ? null : entry.policy;
    if (policy === null) return next();
    if (policy.anyOrigin) {
      setHeaders(res, actualHeaders(policy, origin));
      return next();
    }
    varyOrigin(res);
    const r = res as ServerResponse & { [PREVIOUS_WRITE_HEAD]?: Function };
    r[PREVIOUS_WRITE_HEAD] = res.writeHead;
    res.writeHead = writeHeadKeepingVary as typeof res.writeHead;
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
