/**
 * What both bindings share: the per-request steps around the engine, and what they do to Node's `ServerResponse`: the Fastify binding writes to `reply.raw` for the same reason the
 * Express one writes before `app.handle` — headers set there are on every response, including one a middleware ends
 * with `res.end()` and one the framework sends later (it merges its own headers in at `writeHead`).
 */
import type { ServerResponse } from 'node:http';
import {
  decidePreflight,
  HeaderList,
  isOriginAllowed,
  PREFLIGHT_REFUSED_STATUS,
  PreflightOutcome,
  PreflightRequest,
} from '../core/cors-engine.js';
import type { CompiledPolicy } from '../core/cors-compiler.js';
import type { RouteGroup } from '../core/cors-route-index.js';

type WriteHead = (...args: unknown[]) => ServerResponse;

function hasOriginToken(vary: string): boolean {
  return /(^|[\s,])(origin|\*)([\s,]|$)/i.test(vary);
}

/** Vary with Origin appended, or null when it already names Origin (or `*`). */
function withOrigin(value: string): string | null {
  if (hasOriginToken(value)) return null;
  return value === '' ? 'Origin' : `${value}, Origin`;
}

/** Appends Origin to Vary, keeping what is there. */
export function varyOrigin(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  if (current === undefined) res.setHeader('Vary', 'Origin');
  else if (current !== 'Origin') {
    const merged = withOrigin(Array.isArray(current) ? current.join(', ') : String(current));
    if (merged !== null) res.setHeader('Vary', merged);
  }
}

/**
 * A handler that sets Vary itself drops Origin: Express's `res.setHeader('Vary', 'Accept')`, and on Fastify
 * `reply.header('Vary', 'Accept')`, which Fastify passes to `writeHead(status, headers)`, where it replaces the value
 * set on the response. Put Origin back at write time. One shared function, set as the response's own writeHead; it
 * calls whatever writeHead the prototype has then.
 */
function writeHeadKeepingVary(this: ServerResponse, ...args: unknown[]): ServerResponse {
  varyOrigin(this);
  const last = args[args.length - 1];
  if (args.length > 1 && last !== null && typeof last === 'object' && !Array.isArray(last)) {
    const headers = last as Record<string, unknown>;
    const key = Object.keys(headers).find((k) => k.toLowerCase() === 'vary');
    if (key !== undefined) {
      const value = headers[key];
      const merged = withOrigin(Array.isArray(value) ? value.join(', ') : String(value));
      if (merged !== null) args[args.length - 1] = { ...headers, [key]: merged };
    }
  }
  return ((Object.getPrototypeOf(this) as ServerResponse).writeHead as WriteHead).apply(this, args);
}

/** `Vary: Origin` now, and kept whatever the handler does to Vary later. */
export function varyOnOrigin(res: ServerResponse): void {
  varyOrigin(res);
  res.writeHead = writeHeadKeepingVary as ServerResponse['writeHead'];
}

export function setHeaders(res: ServerResponse, headers: HeaderList | readonly (readonly [string, string])[]): void {
  for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
}

/** The headers of `actualHeaders(policy, origin)`, set without building the list. */
export function grant(res: ServerResponse, policy: CompiledPolicy, origin: string | undefined): void {
  if (res.headersSent) return;
  res.setHeader('Access-Control-Allow-Origin', policy.anyOrigin ? '*' : (origin as string));
  setHeaders(res, policy.actualTail);
}

/** The path of a request target, without its query. */
export function pathname(url: string | undefined): string {
  if (url === undefined) return '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** What a preflight gets when deciding it failed (a throwing resolver, a bug of ours): refused, never a 500. */
export const REFUSED: PreflightOutcome = { ok: false, status: PREFLIGHT_REFUSED_STATUS, reason: 'error' };

/**
 * What runs once an async origin decision is in. A throw there would become an unhandled rejection (which ends a
 * Node process): the app's own error (from `proceed`) is thrown again outside the promise, where it surfaces as it
 * would have had the decision been synchronous; ours (answering, setting headers) ends in `fallback`.
 */
function settle(step: () => void, fallback?: () => void): void {
  try {
    step();
  } catch (error) {
    if (fallback === undefined) {
      queueMicrotask(() => {
        throw error;
      });
      return;
    }
    settle(fallback);
  }
}

/**
 * Decides a preflight and hands the outcome to `answer`, at once or when an async origin decision is in. When
 * answering fails after an async decision (a bug of ours), `fallback` lets the app answer instead, as a synchronous
 * failure does (the bindings catch it and pass the request on).
 */
export function decidePreflightThen(
  group: RouteGroup,
  req: PreflightRequest,
  answer: (outcome: PreflightOutcome) => void,
  fallback?: () => void,
): void {
  let outcome: PreflightOutcome | Promise<PreflightOutcome>;
  try {
    outcome = decidePreflight(group, req);
  } catch {
    outcome = REFUSED;
  }
  if ('then' in outcome) {
    outcome.then(
      (decided) => settle(() => answer(decided), fallback),
      () => settle(() => answer(REFUSED), fallback),
    );
  } else answer(outcome);
}

/**
 * An actual (non-preflight) request to a route with a CORS policy: its headers on the response, then `proceed()` (at
 * once, or once an async origin decision is in; a rejected decision is a refusal).
 */
export function corsForActual(
  res: ServerResponse,
  policy: CompiledPolicy,
  origin: string | undefined,
  request: unknown,
  proceed: () => void,
): void {
  if (policy.anyOrigin) {
    grant(res, policy, origin);
    return proceed();
  }
  varyOnOrigin(res);
  if (origin === undefined) return proceed();
  const allowed = isOriginAllowed(policy, origin, request);
  if (allowed === true) {
    grant(res, policy, origin);
    return proceed();
  }
  if (allowed === false) return proceed();
  allowed.then(
    (ok) => {
      // Ours: a failure to set the headers leaves the response without them, the app still runs.
      if (ok)
        settle(
          () => grant(res, policy, origin),
          () => undefined,
        );
      settle(proceed);
    },
    () => settle(proceed),
  );
}
