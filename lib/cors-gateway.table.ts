/**
 * Gateways' origin policies: each `@WebSocketGateway` class's `@Cors` merged with the module defaults (as a
 * controller's), compiled once through the same context as HTTP routes (so a resolver shares their decision cache
 * and `invalidate()`), and explained by `CorsPolicyService.evaluate()`.
 */
import type { CorsGatewayBound } from './adapters/cors-gateway.binding.js';
import { CompileContext, compilePolicy, CorsProblem, describe } from './core/cors-compiler.js';
import { actualHeaders } from './core/cors-engine.js';
import { CompiledHandshakePolicy, decideHandshake, decideHandshakeAny, HandshakeMode } from './core/cors-handshake.js';
import { CorsPolicy, mergePolicies } from './core/cors-policy.js';
import { CORS_POLICY_METADATA } from './cors.constants.js';

/** Module-wide settings of the WebSocket gateway check (`CorsModule.forRoot({ gateways })`). */
export interface CorsGatewayOptions {
  /**
   * Refuse handshakes without an `Origin` header. Default false: browsers send `Origin` on every WebSocket
   * handshake and every cross-origin request, so a request without it is not a cross-site page (it is a server, a
   * CLI, a mobile app — or a same-origin long-polling GET, which some browsers send without `Origin`).
   */
  requireOrigin?: boolean;
}

export interface CompiledGateway {
  readonly gateway: string;
  readonly handshake: CompiledHandshakePolicy;
  /** The merged policy (false when the check is off). */
  readonly source: Readonly<CorsPolicy> | false;
}

/** `@Cors` of a gateway class, merged and compiled; `@Cors(false)` switches the check off. */
export function compileGateway(
  name: string,
  classPolicy: CorsPolicy | false | undefined,
  defaults: CorsPolicy,
  settings: CorsGatewayOptions,
  ctx: CompileContext,
): { gateway: CompiledGateway | null; problems: CorsProblem[] } {
  const requireOrigin = settings.requireOrigin === true;
  if (classPolicy === false)
    return { gateway: { gateway: name, handshake: { mode: 'off', policy: null, requireOrigin }, source: false }, problems: [] };
  const merged = mergePolicies(defaults, classPolicy || undefined);
  const { policy, problems } = compilePolicy(merged, name, ctx);
  if (!policy) return { gateway: null, problems };
  const mode: HandshakeMode = merged.origin === undefined ? 'same-origin' : 'policy';
  return {
    gateway: { gateway: name, handshake: { mode, policy: mode === 'policy' ? policy : null, requireOrigin }, source: merged },
    problems: [],
  };
}

/** `@Cors(false)`, `@Cors({ origin: 'https://app.example.com', credentials: true })`: a policy as written. */
function decoratorText(policy: unknown): string {
  if (policy === false) return '@Cors(false)';
  if (!policy || typeof policy !== 'object') return `@Cors(${describe(policy)})`;
  const fields = Object.entries(policy).map(([field, value]) => `${field}: ${describe(value)}`);
  return fields.length === 0 ? '@Cors()' : `@Cors({ ${fields.join(', ')} })`;
}

/**
 * `@Cors` on a gateway's methods (a `@SubscribeMessage` handler, `handleConnection`): never applied, since the origin
 * is checked once, at the handshake, for the whole gateway (a message carries no `Origin`). Reported instead of
 * ignored, so a policy someone meant to tighten one handler with does not silently leave it open.
 */
export function handlerPolicyProblems(name: string, metatype: Function): CorsProblem[] {
  const problems: CorsProblem[] = [];
  const seen = new Set<string>();
  for (let proto = metatype.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key); // an override hides the method it overrides, as at runtime
      // The descriptor, not proto[key]: no getter (the library's own server property is one) is called.
      const method = Object.getOwnPropertyDescriptor(proto, key)?.value as unknown;
      if (typeof method !== 'function') continue;
      const policy = Reflect.getMetadata(CORS_POLICY_METADATA, method) as unknown;
      if (policy === undefined) continue;
      problems.push({
        route: `${name}.${key}`,
        field: '@Cors',
        value: decoratorText(policy),
        reason:
          `@Cors on a gateway's method is not applied: the origin is checked once per connection, at the handshake, for every handler of the gateway (a message carries no Origin). ` +
          `Put the policy on the gateway class (@Cors next to @WebSocketGateway on ${name}), or move the handler to a gateway of its own with its own @Cors`,
      });
    }
  }
  return problems;
}

/** A bound gateway, as `routes()` lists it and `evaluate()` explains it. */
export interface CorsGatewayRoute extends CorsGatewayBound {
  readonly gateway: string;
  readonly port: number;
  readonly handshake: CompiledHandshakePolicy;
  /** Every gateway behind the same listener (this one included): the handshake admits their union. */
  readonly unit: readonly CompiledHandshakePolicy[];
  /** The merged policy (false when the check is off). */
  readonly policy: Readonly<CorsPolicy> | false;
}

/** One line for the startup report, and a warning when the gateway admits every site's pages. */
export function describeGateway(route: CorsGatewayRoute): { line: string; warning: string | null } {
  const where = `${route.gateway} (${route.transport} ${route.path}${route.namespace && route.namespace !== '/' ? ` namespace ${route.namespace}` : ''}${route.port ? ` port ${route.port}` : ''})`;
  const h = route.handshake;
  if (h.mode === 'off') {
    return {
      line: `${where}: origin check off (@Cors(false))`,
      warning: `${where} has no origin check (@Cors(false)): any site's pages can open it with your users' cookies (cross-site WebSocket hijacking); fine only if it authenticates by token, not by cookie`,
    };
  }
  if (h.mode === 'same-origin') {
    return { line: `${where}: same origin only (no origins configured: add @Cors({ origin }) to admit other sites)`, warning: null };
  }
  const policy = h.policy!;
  const line = `${where}: origins ${describe(policy.source.origin)}${policy.credentials ? ', credentials' : ''}${h.requireOrigin ? ', Origin required' : ''}`;
  if (policy.anyOrigin) {
    return {
      line,
      warning: `${where} admits any origin ('*'): browsers send cookies with every WebSocket handshake, so any site's pages can open it as your users; list the origins unless it authenticates by token`,
    };
  }
  return { line, warning: null };
}

export interface GatewayEvaluation {
  allowed: boolean;
  reason: string;
  route: { kind: 'gateway'; controller: string; handler: string; method: string; path: string };
  preflight: { required: boolean };
  headers: Record<string, string>;
  gateway: { transport: 'socket.io' | 'ws'; namespace: string | null; port: number };
}

/** Finds the gateway serving `path` (and `namespace` for Socket.IO), preferring the HTTP server's port. */
export function findGateway(routes: readonly CorsGatewayRoute[], path: string, namespace: string | undefined): CorsGatewayRoute | null {
  const serving = routes.filter((r) =>
    r.transport === 'socket.io'
      ? path === r.path || `${path}/` === r.path || path.startsWith(r.path)
      : path === r.path || path === `${r.path}/`,
  );
  if (serving.length === 0) return null;
  const ns = namespace === undefined || namespace === '' ? '/' : namespace.startsWith('/') ? namespace : `/${namespace}`;
  const sorted = [...serving].sort((a, b) => (a.port === 0 ? -1 : 0) - (b.port === 0 ? -1 : 0));
  return sorted.find((r) => r.namespace === null || r.namespace === ns) ?? sorted[0];
}

/** What a handshake from `origin` to the gateway gets: the union at the handshake, then the gateway's own policy. */
export async function evaluateGateway(
  route: CorsGatewayRoute,
  origin: string | undefined,
  host: string | undefined,
): Promise<GatewayEvaluation> {
  const result: GatewayEvaluation = {
    allowed: false,
    reason: '',
    route: { kind: 'gateway', controller: route.gateway, handler: 'handshake', method: 'GET', path: route.path },
    preflight: { required: false },
    headers: {},
    gateway: { transport: route.transport, namespace: route.namespace, port: route.port },
  };
  const atHandshake = await decideHandshakeAny(route.unit, origin, host, undefined);
  const own = await decideHandshake(route.handshake, origin, host, undefined);
  if (route.transport === 'socket.io') {
    // The long-polling responses' headers: from the first policy on the engine that admits the origin.
    const vary = route.unit.some((g) => g.mode === 'same-origin' || (g.mode === 'policy' && !g.policy?.anyOrigin));
    if (vary) result.headers['Vary'] = 'Origin';
    const policy = atHandshake.gateway?.mode === 'policy' ? atHandshake.gateway.policy : null;
    if (atHandshake.verdict.allowed && policy && origin !== undefined)
      Object.assign(result.headers, Object.fromEntries(actualHeaders(policy, origin)));
  }
  if (!atHandshake.verdict.allowed) {
    result.reason = `handshake refused (${route.transport === 'socket.io' ? '403 on polling, no 101 on a WebSocket upgrade' : '403, no 101'}): ${atHandshake.verdict.reason}`;
    return result;
  }
  if (!own.allowed) {
    result.reason = `the handshake is admitted (another gateway on the same server allows this origin) but joining namespace ${route.namespace} is refused (connect_error): ${own.reason}`;
    return result;
  }
  result.allowed = true;
  result.reason = own.reason;
  return result;
}
