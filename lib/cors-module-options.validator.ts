import type { CorsModuleOptions } from './cors.interfaces.js';
import { CORS_REPORT_LEVELS, defaultPolicyOf } from './cors.interfaces.js';
import { compilePolicy, CorsProblem, describe } from './core/cors-compiler.js';
import { originCacheProblems } from './core/cors-origin-cache.js';

const NOT_AN_OBJECT = {
  field: '(policy)',
  reason: "the module defaults are an object such as CorsModule.forRoot({ origin: ['https://app.example.com'] })",
};

/** What the problems of the module defaults are reported under. */
export const DEFAULTS_ROUTE = 'CorsModule.forRoot';

/**
 * Every problem of the module options (the default policy and the module settings), each with its fix. Not thrown
 * here: `CorsPolicyService` reports them together with the routes' problems, in one `CorsConfigError`.
 */
export function moduleOptionsProblems(options: CorsModuleOptions | undefined | null): CorsProblem[] {
  if (options === undefined || options === null) return [];
  // forRoot('https://a.example') reaches us spread into { 0: 'h', 1: 't', … } by Nest's module builder.
  const keys = typeof options === 'object' ? Object.keys(options) : [];
  if (typeof options !== 'object' || Array.isArray(options) || (keys.length > 0 && keys.every((k) => /^\d+$/.test(k)))) {
    const value = typeof options === 'object' && !Array.isArray(options) ? Object.values(options).join('') : options;
    return [{ route: DEFAULTS_ROUTE, ...NOT_AN_OBJECT, value: typeof value === 'string' ? `'${value}'` : String(value) }];
  }
  // Resolver classes are checked when the routes are built (they must be providers); here only their shape matters.
  const { problems } = compilePolicy(defaultPolicyOf(options), DEFAULTS_ROUTE, { resolveClass: () => () => false });
  const all: CorsProblem[] = [...problems];
  for (const p of originCacheProblems(options.originCache)) all.push({ route: DEFAULTS_ROUTE, ...p });
  const transport = options.invalidation as unknown;
  if (
    transport !== undefined &&
    !(transport && ['subscribe', 'publish', 'close'].every((m) => typeof (transport as Record<string, unknown>)[m] === 'function'))
  ) {
    all.push({
      route: DEFAULTS_ROUTE,
      field: 'invalidation',
      value: String(transport),
      reason: "invalidation is a transport such as new PostgresCorsInvalidation({ connectionString }) from 'nestjs-route-cors/postgres'",
    });
  }
  if (options.report !== undefined && !CORS_REPORT_LEVELS.includes(options.report)) {
    all.push({
      route: DEFAULTS_ROUTE,
      field: 'report',
      value: describe(options.report),
      reason: "report is the log level of the startup table: 'log' (default), 'debug', 'verbose', or false for none",
    });
  }
  all.push(...gatewayOptionProblems(options.gateways));
  return all;
}

/** `gateways: { requireOrigin }` (WebSocket gateways, docs/websockets.md). */
function gatewayOptionProblems(gateways: unknown): CorsProblem[] {
  if (gateways === undefined) return [];
  const problem = (field: string, value: unknown, reason: string): CorsProblem => ({
    route: DEFAULTS_ROUTE,
    field,
    value: String(value),
    reason,
  });
  if (gateways === null || typeof gateways !== 'object' || Array.isArray(gateways)) {
    return [problem('gateways', gateways, 'gateways is an object such as { requireOrigin: true }')];
  }
  const found: CorsProblem[] = [];
  for (const [key, value] of Object.entries(gateways)) {
    if (key !== 'requireOrigin')
      found.push(problem(`gateways.${key}`, value, 'unknown option: the gateway settings are { requireOrigin }'));
    else if (value !== undefined && typeof value !== 'boolean') found.push(problem('gateways.requireOrigin', value, 'true or false'));
  }
  return found;
}
