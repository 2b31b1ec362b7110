import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, ModulesContainer } from '@nestjs/core';
import { CorsConfigError } from './cors-config.error.js';
import { CORS_MODULE_OPTIONS } from './cors.module-definition.js';
import { type CorsModuleOptions, defaultPolicyOf } from './cors.interfaces.js';
import { applicationConfigOf, loadNestInternals } from './cors-nest.internals.js';
import { moduleOptionsProblems } from './cors-module-options.validator.js';
import { buildRouteTable, CorsRouteInfo } from './cors-route-table.js';
import { CompileContext, ListingOriginDecider } from './core/cors-compiler.js';
import { actualHeaders, decidePreflight, isOriginAllowed } from './core/cors-engine.js';
import { OriginCacheLogger, OriginDecisionCache } from './core/cors-origin-cache.js';
import { OriginListCache } from './core/cors-origin-list.js';
import { formatCorsReport } from './core/cors-report.js';
import type { CorsPolicy, CorsResolverClass } from './core/cors-policy.js';
import type { CorsRouteIndex } from './core/cors-route-index.js';
import { SAFELISTED_METHODS } from './core/cors-tokens.js';
import { CorsGatewayRoute, evaluateGateway, findGateway } from './cors-gateway.table.js';

export interface CorsRouteDescription {
  /**
   * 'controller': a handler in Nest's route table; 'path': a pattern of `paths` in the module options; 'gateway': a
   * WebSocket gateway's handshake.
   */
  kind: 'controller' | 'path' | 'gateway';
  /** Upper-case method; 'ALL' for `@All()`, or a path policy that is false or grants `methods: '*'`. */
  method: string;
  /** The full path as routed (`/api/cats/:id`), or the path policy's pattern (`/static{/*path}`). */
  path: string;
  /** The controller class and handler method; null for a path policy. */
  controller: string | null;
  handler: string | null;
  /** The merged policy in force, or false when the route sends no CORS headers. */
  policy: Readonly<CorsPolicy> | false;
  /**
   * Set for a WebSocket gateway (`handler` is 'handshake', `method` GET): its transport, Socket.IO namespace, port
   * and how its handshake is checked (`policy`, `same-origin`: no origins configured, `off`: `@Cors(false)`).
   */
  gateway?: { transport: 'socket.io' | 'ws'; namespace: string | null; port: number; check: 'policy' | 'same-origin' | 'off' };
}

export interface CorsEvaluationInput {
  origin: string;
  method: string;
  path: string;
  /**
   * The request headers the page would set: names, or names with values. With names only, `Content-Type` counts as
   * not safelisted (a JSON body); give its value (`{ 'Content-Type': 'text/plain' }`) to have it judged as Fetch does.
   */
  requestHeaders?: readonly string[] | Readonly<Record<string, string>>;
  /** A WebSocket gateway's Socket.IO namespace (default '/'), when `path` is a gateway's (`/socket.io/`). */
  namespace?: string;
  /** The `Host` the handshake is sent to: decides same-origin-only gateways. */
  host?: string;
}

export interface CorsEvaluation {
  allowed: boolean;
  /** Why, in a sentence. */
  reason: string;
  /** The route (or path policy) that decides for the request, if any. */
  route: Pick<CorsRouteDescription, 'kind' | 'controller' | 'handler' | 'method' | 'path'> | null;
  /** Whether a browser sends a preflight first, and what the preflight gets. */
  preflight: { required: boolean; status?: number; headers?: Record<string, string> };
  /** CORS headers on the actual response. */
  headers: Record<string, string>;
  /** Set when a WebSocket gateway serves `path`: the handshake is what is decided. */
  gateway?: { transport: 'socket.io' | 'ws'; namespace: string | null; port: number };
}

// Fetch §CORS-safelisted request-header: names whose values need no preflight (value checks kept to the common ones).
const SAFELISTED_HEADERS = new Set(['accept', 'accept-language', 'content-language']);
const SAFELISTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** The names a browser would list in Access-Control-Request-Headers (Fetch §CORS-unsafe request-header names). */
function unsafeHeaderNames(headers: CorsEvaluationInput['requestHeaders']): string[] {
  const pairs: [string, string | undefined][] = Array.isArray(headers)
    ? headers.map((name) => [String(name), undefined])
    : Object.entries(headers ?? {}).map(([name, value]) => [name, String(value)]);
  const names = new Set<string>();
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (SAFELISTED_HEADERS.has(name)) continue;
    if (name === 'content-type' && value !== undefined && SAFELISTED_CONTENT_TYPES.has(value.split(';')[0].trim().toLowerCase())) continue;
    names.add(name);
  }
  return [...names].sort();
}

/**
 * The policies in force: the compiled route table, `routes()` to list it, `evaluate()` to explain a decision.
 * Builds and validates everything when the module initializes; a bad policy stops bootstrap with `CorsConfigError`.
 */
@Injectable()
export class CorsPolicyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CorsModule');
  /** @internal the compiled table read by the request hook; null until the module has initialized. */
  index: CorsRouteIndex<CorsRouteInfo> | null = null;
  /** One decision cache per function or resolver class, shared by every policy that names it. */
  private readonly caches = new Map<unknown, OriginDecisionCache | OriginListCache>();
  private transportStarted = false;
  /** @internal the WebSocket gateways, set by CorsGatewayInstaller once their servers are bound. */
  gatewayRoutes: readonly CorsGatewayRoute[] = [];

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onModuleInit(): Promise<void> {
    const nest = await loadNestInternals(); // first: checks the Nest version before anything else is read
    const config = applicationConfigOf(this.moduleRef);
    // The module's own problems and every route's, in one error: a bad default must not hide a bad @Cors until the
    // next restart. Routes are still built on bad defaults; a problem they only inherit is reported once, here.
    const defaultProblems = moduleOptionsProblems(this.options);
    const defaults = defaultPolicyOf(this.options);
    const { index, problems } = buildRouteTable({
      nest,
      modules: this.modules,
      config,
      adapterHost: this.adapterHost,
      defaults: defaultProblems.some((p) => p.field === '(policy)') ? {} : defaults,
      paths: this.options?.paths,
      ctx: this.compileContext(),
      inheritedProblems: defaultProblems,
    });
    const all = [...defaultProblems, ...problems];
    if (all.length > 0) throw new CorsConfigError(all);
    this.index = index;
    this.logReport();
    const transport = this.options?.invalidation;
    if (transport) {
      // Another replica changed an origin: forget it here, without telling anyone else.
      await transport.subscribe((origin) => this.invalidateLocal(origin));
      this.transportStarted = true;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.transportStarted) {
      this.transportStarted = false;
      await this.options.invalidation?.close();
    }
  }

  /**
   * Drops cached decisions of function and resolver origins: for `origin`, or for every origin. Call it after
   * adding or removing an allowed origin in your store; with an `invalidation` transport the other replicas drop
   * theirs too. Resolves once the message is handed to the transport (a transport failure is logged, not thrown:
   * this replica is already up to date, the others catch up when their cached answers expire).
   */
  async invalidate(origin?: string): Promise<void> {
    this.invalidateLocal(origin);
    const transport = this.options?.invalidation;
    if (!transport) return;
    try {
      await transport.publish(origin);
    } catch (error) {
      this.logger.warn(
        `could not tell the other replicas to forget ${origin ?? 'every origin'}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private invalidateLocal(origin: string | undefined): void {
    for (const cache of this.caches.values()) cache.invalidate(origin);
  }

  /** @internal how policies reach DI and how dynamic deciders are wrapped. */
  compileContext(): CompileContext {
    return {
      resolveClass: (cls: CorsResolverClass): ListingOriginDecider => {
        let instance: InstanceType<CorsResolverClass>;
        try {
          instance = this.moduleRef.get(cls, { strict: false });
        } catch {
          throw new Error(`${cls.name} is not a provider: add it to the providers of a module (it can inject repositories there)`);
        }
        const decider: ListingOriginDecider = (origin, request) => instance.isOriginAllowed(origin, request);
        if (typeof instance.allOrigins === 'function') decider.allOrigins = () => instance.allOrigins!();
        return decider;
      },
      wrapDecider: (decider, source) => {
        let cache = this.caches.get(source);
        if (!cache) {
          const settings = this.options?.originCache;
          // originCache: false keeps the timeout and the fail-closed handling, and caches nothing.
          const options = settings === false ? { ttl: 0, negativeTtl: 0, errorTtl: 0 } : (settings ?? {});
          const name = typeof source === 'function' && source.name ? source.name : 'origin function';
          const log: OriginCacheLogger = (level, message) => this.logger[level](message);
          // A resolver that lists its origins is answered from the list in memory: no query per origin.
          cache =
            decider.allOrigins && settings !== false
              ? new OriginListCache(decider.allOrigins, options, log, name)
              : new OriginDecisionCache(decider, options, log, name);
          this.caches.set(source, cache);
        }
        return cache.decide;
      },
    };
  }

  /** The startup table, at the level of the `report` option (`'log'` by default). */
  private logReport(): void {
    const level = this.options?.report ?? 'log';
    if (level === false) return;
    const rows = this.requireIndex().entries.map((e) => ({
      method: e.method,
      path: e.path,
      policy: e.policy ? e.policy.source : e.info.cors === 'off' ? ('off' as const) : ('none' as const),
    }));
    this.logger[level](formatCorsReport(rows));
  }

  /** @internal */
  registerGateways(routes: readonly CorsGatewayRoute[]): void {
    this.gatewayRoutes = routes;
  }

  /**
   * Every route with its method, full path and the policy in force; then every path policy, one row per method it
   * grants, in the order they are consulted; then every WebSocket gateway.
   */
  routes(): CorsRouteDescription[] {
    const routes: CorsRouteDescription[] = this.requireIndex().entries.map((e) => ({
      kind: e.pathPolicy ? ('path' as const) : ('controller' as const),
      method: e.method,
      path: e.path,
      controller: e.info.controller,
      handler: e.info.handler,
      policy: e.policy ? e.policy.source : false,
    }));
    for (const g of this.gatewayRoutes) {
      routes.push({
        kind: 'gateway',
        method: 'GET',
        path: g.path,
        controller: g.gateway,
        handler: 'handshake',
        policy: g.policy,
        gateway: { transport: g.transport, namespace: g.namespace, port: g.port, check: g.handshake.mode },
      });
    }
    return routes;
  }

  /** What a browser at `origin` would be allowed to do, with the headers it would get and why. */
  async evaluate(input: CorsEvaluationInput): Promise<CorsEvaluation> {
    const method = String(input.method ?? '').toUpperCase();
    const path = String(input.path ?? '').split('?')[0];
    const origin = input.origin;
    // A gateway's path is never the app's: engine.io and ws take those requests before the HTTP framework.
    const gateway = this.gatewayRoutes.length > 0 ? findGateway(this.gatewayRoutes, path, input.namespace) : null;
    if (gateway) return evaluateGateway(gateway, origin, input.host);
    const names = unsafeHeaderNames(input.requestHeaders);
    const required = !SAFELISTED_METHODS.has(method) || names.length > 0;
    const group = this.requireIndex().lookup(path);
    const result: CorsEvaluation = { allowed: false, reason: '', route: null, preflight: { required }, headers: {} };
    const entry = group?.forMethod(method);
    if (!group || !entry) {
      if (!group) result.reason = `no route serves ${path}`;
      else if (group.hasPathPolicy) result.reason = `${method} is not in the methods of the path policy at ${path}`;
      else result.reason = `no route serves ${method} ${path}`;
      return result;
    }
    const kind = entry.pathPolicy ? ('path' as const) : ('controller' as const);
    const where = entry.pathPolicy ? `the path policy '${entry.path}'` : "the route's policy";
    result.route = { kind, controller: entry.info.controller, handler: entry.info.handler, method: entry.method, path: entry.path };
    if (required) {
      const outcome = await decidePreflight(group, { origin, method, requestHeaders: names.join(',') });
      result.preflight = { required, status: outcome.status, headers: outcome.ok ? Object.fromEntries(outcome.headers) : {} };
      if (!outcome.ok) {
        result.reason = `preflight refused: ${outcome.reason}`;
        return result;
      }
    }
    const policy = entry.policy;
    if (!policy) {
      result.reason = entry.pathPolicy
        ? `CORS is off for ${path} (the path policy '${entry.path}' is false)`
        : 'CORS is off for this route';
      return result;
    }
    if (policy.varyOrigin) result.headers['Vary'] = 'Origin';
    if (!(await isOriginAllowed(policy, origin, undefined))) {
      result.reason = `origin ${JSON.stringify(origin)} is not allowed`;
      return result;
    }
    Object.assign(result.headers, Object.fromEntries(actualHeaders(policy, origin)));
    result.allowed = true;
    result.reason = policy.anyOrigin
      ? `allowed: ${entry.pathPolicy ? `the path policy '${entry.path}'` : 'the route'} is open to '*'`
      : `allowed: the origin matches ${where}`;
    return result;
  }

  private requireIndex(): CorsRouteIndex<CorsRouteInfo> {
    if (!this.index) throw new Error('CorsPolicyService is ready once the application has initialized (app.init())');
    return this.index;
  }
}
