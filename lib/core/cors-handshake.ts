/**
 * WebSocket handshakes. Browsers apply no CORS to a WebSocket: any page on any site may open one to any server,
 * and the browser sends the user's cookies with it. What the browser does send is the page's `Origin` (RFC 6455
 * §4.1, §10.2: "servers that are not intended to process input from any web page … SHOULD verify the Origin
 * field"). So a gateway's policy is an admission check on that header, decided here; no CORS headers are involved
 * except on Socket.IO's long-polling requests, which are ordinary cross-origin XHRs (see `actualHeaders`).
 */
import type { CompiledPolicy } from './cors-compiler.js';
import { isOriginAllowed } from './cors-engine.js';
import { MAX_ORIGIN_LENGTH } from './cors-origin.js';

/**
 * How a gateway decides:
 * - `policy`: its merged `@Cors` policy (the same origins, matcher and decision cache as HTTP routes);
 * - `same-origin`: no origin configured anywhere: only pages on the server's own host (`Origin` host = `Host`);
 * - `off`: `@Cors(false)`: every origin is admitted (flagged at startup).
 */
export type HandshakeMode = 'policy' | 'same-origin' | 'off';

export interface CompiledHandshakePolicy {
  readonly mode: HandshakeMode;
  /** The compiled policy when `mode` is `policy`. */
  readonly policy: CompiledPolicy | null;
  /** Refuse a handshake without `Origin` (non-browser clients), instead of admitting it. */
  readonly requireOrigin: boolean;
}

export interface HandshakeVerdict {
  readonly allowed: boolean;
  /** Why, in a sentence (for `evaluate()` and logs). */
  readonly reason: string;
}

const NO_ORIGIN_ADMITTED: HandshakeVerdict = {
  allowed: true,
  reason:
    'no Origin header: not a page in a browser (browsers send Origin on every WebSocket handshake and cross-origin request), admitted',
};
const NO_ORIGIN_REFUSED: HandshakeVerdict = { allowed: false, reason: 'no Origin header, and requireOrigin is set' };
const CHECK_OFF: HandshakeVerdict = { allowed: true, reason: 'the origin check is off for this gateway (@Cors(false))' };
const ANY_ORIGIN: HandshakeVerdict = { allowed: true, reason: "allowed: the gateway is open to '*'" };
const MATCHES: HandshakeVerdict = { allowed: true, reason: "allowed: the origin matches the gateway's policy" };
const SAME_ORIGIN: HandshakeVerdict = {
  allowed: true,
  reason: 'allowed: same origin (the gateway has no origins configured: same-origin only)',
};
const NOT_SAME_ORIGIN: HandshakeVerdict = {
  allowed: false,
  reason: "not the server's own origin, and the gateway has no origins configured (same-origin only): add @Cors({ origin })",
};
const NOT_ALLOWED: HandshakeVerdict = { allowed: false, reason: "the origin is not in the gateway's policy" };

/** The host (with port, if any) of a serialized origin, lower-case; null when `origin` is not one. */
function hostOfOrigin(origin: string): string | null {
  const i = origin.indexOf('://');
  if (i === -1) return null;
  const host = origin.slice(i + 3);
  return host === '' || host.includes('/') ? null : host.toLowerCase();
}

/** Host without a default port (`example.com:443` and `example.com` are the same host for this check). */
function withoutDefaultPort(host: string, scheme: string): string {
  if ((scheme === 'https' || scheme === 'wss') && host.endsWith(':443')) return host.slice(0, -4);
  if ((scheme === 'http' || scheme === 'ws') && host.endsWith(':80')) return host.slice(0, -3);
  return host;
}

/**
 * Whether `origin` names the host the request was sent to. The scheme is not compared: behind a TLS-terminating
 * proxy the server cannot know it, and a page on the same host over the other scheme is the same site's.
 */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  const originHost = hostOfOrigin(origin);
  if (originHost === null) return false;
  const scheme = origin.slice(0, origin.indexOf(':')).toLowerCase();
  return withoutDefaultPort(originHost, scheme) === withoutDefaultPort(host.toLowerCase(), scheme);
}

/**
 * Admits or refuses a handshake from `origin` (the request's `Origin` header) sent to `host` (its `Host` header).
 * `request` reaches function and resolver origins (Node's `IncomingMessage`). Never throws: a failing resolver
 * is a refusal, as on HTTP routes.
 */
export function decideHandshake(
  gateway: CompiledHandshakePolicy,
  origin: string | undefined,
  host: string | undefined,
  request: unknown,
): HandshakeVerdict | Promise<HandshakeVerdict> {
  if (gateway.mode === 'off') return CHECK_OFF;
  if (origin === undefined) return gateway.requireOrigin ? NO_ORIGIN_REFUSED : NO_ORIGIN_ADMITTED;
  if (origin.length > MAX_ORIGIN_LENGTH) return NOT_ALLOWED;
  if (gateway.mode === 'same-origin') return isSameOrigin(origin, host) ? SAME_ORIGIN : NOT_SAME_ORIGIN;
  const policy = gateway.policy as CompiledPolicy;
  if (policy.anyOrigin) return ANY_ORIGIN;
  let allowed: boolean | Promise<boolean>;
  try {
    allowed = isOriginAllowed(policy, origin, request);
  } catch {
    return NOT_ALLOWED;
  }
  if (allowed === true) return MATCHES;
  if (allowed === false) return NOT_ALLOWED;
  return allowed.then(
    (ok) => (ok ? MATCHES : NOT_ALLOWED),
    () => NOT_ALLOWED,
  );
}

export interface HandshakeMatch {
  readonly verdict: HandshakeVerdict;
  /** The first gateway (in the order given) that admits, or null. */
  readonly gateway: CompiledHandshakePolicy | null;
}

/**
 * Admits when any of `gateways` admits, naming the first that does (several gateways behind one Socket.IO engine:
 * the union at the handshake, each gateway's own policy again when a socket joins its namespace). Asks them in
 * order and stops at the first that admits: a later gateway's resolver is not called for an origin already admitted.
 * When none admits, the verdict is the first gateway's refusal.
 */
export function decideHandshakeAny(
  gateways: readonly CompiledHandshakePolicy[],
  origin: string | undefined,
  host: string | undefined,
  request: unknown,
): HandshakeMatch | Promise<HandshakeMatch> {
  const from = (start: number, refusal: HandshakeVerdict | null): HandshakeMatch | Promise<HandshakeMatch> => {
    for (let i = start; i < gateways.length; i++) {
      const gateway = gateways[i];
      const verdict = decideHandshake(gateway, origin, host, request);
      // decideHandshake never rejects (a failing resolver is a refusal).
      if ('then' in verdict) return verdict.then((v) => (v.allowed ? { verdict: v, gateway } : from(i + 1, refusal ?? v)));
      if (verdict.allowed) return { verdict, gateway };
      refusal ??= verdict;
    }
    return { verdict: refusal ?? NOT_ALLOWED, gateway: null };
  };
  return from(0, null);
}
