/**
 * Per-request decisions. Everything here reads precomputed values; the only per-request allocations are the
 * header lists of a granted preflight and a reflected origin.
 */
import type { CompiledPolicy } from './cors-compiler.js';
import { MAX_ORIGIN_LENGTH, isSerializedOrigin } from './cors-origin.js';
import type { RouteEntry, RouteGroup } from './cors-route-index.js';
import { isToken, parseRequestHeaders } from './cors-tokens.js';

export type HeaderList = (readonly [string, string])[];

/** Status of a refused preflight: the browser fails the request whatever the status, 403 tells a human why. */
export const PREFLIGHT_REFUSED_STATUS = 403;

/** Vary on every preflight answer (granted or refused): each of these changes the answer. */
export const PREFLIGHT_VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

/**
 * Whether `policy` lets `origin` read responses. Fetch §CORS check: the browser compares ACAO with the serialized
 * origin byte for byte, so anything that is not a well-formed origin is refused before user code sees it.
 */
export function isOriginAllowed(policy: CompiledPolicy, origin: string | undefined, request: unknown): boolean | Promise<boolean> {
  if (policy.anyOrigin) return true;
  if (origin === undefined || origin.length > MAX_ORIGIN_LENGTH) return false;
  if (policy.matcher !== null && policy.matcher.matches(origin)) return true;
  if (policy.decider !== null && isSerializedOrigin(origin)) return policy.decider(origin, request);
  return false;
}

/** Headers for an allowed actual (non-preflight) response. */
export function actualHeaders(policy: CompiledPolicy, origin: string | undefined): HeaderList {
  const acao = policy.anyOrigin ? '*' : (origin as string);
  return [['Access-Control-Allow-Origin', acao], ...policy.actualTail];
}

export type PreflightOutcome =
  { ok: true; status: number; headers: HeaderList; entry: RouteEntry } | { ok: false; status: number; reason: string; entry?: RouteEntry };

export interface PreflightRequest {
  origin: string | undefined;
  /** Access-Control-Request-Method */
  method: string;
  /** Access-Control-Request-Headers */
  requestHeaders: string | undefined;
  hostname?: string;
  request?: unknown;
}

function refuse(reason: string, entry?: RouteEntry): PreflightOutcome {
  return { ok: false, status: PREFLIGHT_REFUSED_STATUS, reason, entry };
}

/** Fetch §CORS-preflight fetch, server side: grant exactly what the handler serving the requested method allows. */
export function decidePreflight(group: RouteGroup, req: PreflightRequest): PreflightOutcome | Promise<PreflightOutcome> {
  const method = req.method;
  if (!isToken(method) || method.length > 32) return refuse('Access-Control-Request-Method is not a method name');
  const entry = group.forMethod(method, req.hostname);
  if (entry === undefined) {
    return refuse(group.hasPathPolicy ? `${method} is not in the methods of the path policy` : `${method} is not routed at this path`);
  }
  const policy = entry.policy;
  if (policy === null) {
    return refuse(
      entry.pathPolicy ? 'CORS is off for this path (its path policy is false)' : 'CORS is off for the route serving this method',
      entry,
    );
  }
  if (policy.methods !== null && !policy.methods.has(method)) return refuse(`${method} is not in the route's methods`, entry);
  const names = parseRequestHeaders(req.requestHeaders);
  if (names === null) return refuse('Access-Control-Request-Headers is malformed or too long', entry);
  let allowHeaders: string | null;
  if (policy.allowedHeaders === 'reflect') {
    allowHeaders = names.length > 0 ? names.join(', ') : null;
  } else if (policy.allowedHeaders === '*') {
    // Fetch: '*' counts only without credentials, and never covers Authorization.
    if (policy.credentials) allowHeaders = names.length > 0 ? names.join(', ') : null;
    else allowHeaders = names.includes('authorization') ? '*, authorization' : '*';
  } else {
    for (const name of names) {
      if (!policy.allowedHeaders.has(name)) return refuse(`request header '${name}' is not allowed`, entry);
    }
    allowHeaders = policy.allowHeadersValue;
  }
  const allowed = isOriginAllowed(policy, req.origin, req.request);
  if (allowed === false) return refuse('origin not allowed', entry);
  if (allowed === true) return granted(group, entry, policy, method, req, allowHeaders);
  return allowed.then((ok) => (ok ? granted(group, entry, policy, method, req, allowHeaders) : refuse('origin not allowed', entry)));
}

/** The answer to a preflight whose origin, method and headers the policy allows. */
function granted(
  group: RouteGroup,
  entry: RouteEntry,
  policy: CompiledPolicy,
  method: string,
  req: PreflightRequest,
  allowHeaders: string | null,
): PreflightOutcome {
  const headers: HeaderList = [['Access-Control-Allow-Origin', policy.anyOrigin ? '*' : (req.origin as string)]];
  if (policy.credentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
  headers.push(['Access-Control-Allow-Methods', group.allowMethods(entry, method, req.hostname)]);
  if (allowHeaders !== null) headers.push(['Access-Control-Allow-Headers', allowHeaders]);
  if (policy.maxAgeValue !== null) headers.push(['Access-Control-Max-Age', policy.maxAgeValue]);
  return { ok: true, status: policy.successStatus, headers, entry };
}
