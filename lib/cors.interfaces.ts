import type { CorsPolicy } from './core/cors-policy.js';
import type { OriginCacheOptions } from './core/cors-origin-cache.js';
import type { CorsPathPolicies } from './core/cors-paths.js';
import type { CorsGatewayOptions } from './cors-gateway.table.js';

/**
 * Carries cache invalidations between replicas (`nestjs-route-cors/postgres`, `nestjs-route-cors/redis`, or your
 * own). `CorsPolicyService` starts it when the module initializes and closes it on shutdown.
 */
export interface CorsInvalidationTransport {
  /**
   * Starts listening. `onInvalidate(origin)` must be called for every invalidation another replica publishes
   * (`undefined`: every origin), and with `undefined` after a reconnect, since messages may have been missed.
   */
  subscribe(onInvalidate: (origin: string | undefined) => void): Promise<void>;
  /** Tells the other replicas; resolves once the message is handed to the broker. */
  publish(origin: string | undefined): Promise<void>;
  close(): Promise<void>;
}

/** `CorsModule.forRoot()` options: the default policy of every route, plus module-wide settings. */
export interface CorsModuleOptions extends CorsPolicy {
  /**
   * The decision cache in front of function and resolver origins, one per function or resolver class.
   * Default on: `{ ttl: 60000, negativeTtl: 10000, max: 10000, timeout: 250, staleIfError: 0, errorTtl: 1000 }`
   * (milliseconds). `false` switches caching off; the timeout still applies.
   */
  originCache?: OriginCacheOptions | false;
  /** Spreads `CorsPolicyService.invalidate()` to the other replicas. */
  invalidation?: CorsInvalidationTransport;
  /**
   * Policies for paths the controllers do not serve: GraphQL, Swagger, static files, `app.use()` mounts
   * (docs/beyond-controllers.md). Keys are path patterns in Nest 12's syntax (`'/graphql'`, `'/static{/*path}'`),
   * matched against the path the browser requests: the global prefix is not added. Values are `@Cors()` fields
   * merged over these defaults, or false. Methods default to GET, HEAD and POST. A controller route at the same
   * path and method keeps its own policy; among patterns, the first listed that grants the method decides.
   */
  paths?: CorsPathPolicies;
  /** WebSocket gateways (docs/websockets.md): `{ requireOrigin: true }` refuses handshakes without `Origin`. */
  gateways?: CorsGatewayOptions;
  /**
   * The startup report: one table of every route's policy (method, path, origins, credentials, methods), logged
   * once at bootstrap through Nest's `Logger` (context `CorsModule`) at this level. Default `'log'`; `false` logs
   * nothing.
   */
  report?: CorsReportLevel;
}

/** The Nest log level of the startup report, or false for none. */
export type CorsReportLevel = 'log' | 'debug' | 'verbose' | false;
export const CORS_REPORT_LEVELS: readonly CorsReportLevel[] = ['log', 'debug', 'verbose', false];

/** Options of `CorsModuleOptions` that are module settings, not part of the default policy. */
export const CORS_MODULE_ONLY_FIELDS: readonly string[] = ['originCache', 'invalidation', 'paths', 'gateways', 'report'];

/** The default policy in `options`, without the module-only settings. */
export function defaultPolicyOf(options: CorsModuleOptions | undefined | null): CorsPolicy {
  if (options === undefined || options === null || typeof options !== 'object') return (options ?? {}) as CorsPolicy;
  const policy: Record<string, unknown> = { ...options };
  for (const key of CORS_MODULE_ONLY_FIELDS) delete policy[key];
  return policy as CorsPolicy;
}

/** What `@Cors()` takes: a policy merged over the controller's and the module's, or false for "no CORS here". */
export type CorsDecoratorPolicy = CorsPolicy | false;
