/**
 * The package's one entry point, built twice: ESM for `import` (Nest 12 apps, ESM test runners) and CommonJS for
 * `require` (Nest 11 apps). A process that loads both (an ESM app next to a CommonJS library that requires this
 * package, or the reverse) would otherwise hold two CorsPolicyService classes, two CorsModule option tokens and two
 * CorsOriginResolver classes, and Nest's DI would tell them apart. So the copy loaded first registers its exports
 * under a process-wide symbol for this exact version, and a copy loaded later hands out those instead of its own:
 * one token for each, whichever way the package is loaded (test/packaging proves it on the packed tarball).
 *
 * Values are exported as constants read from that registry, each next to a type of the same name, so
 * `constructor(private cors: CorsPolicyService)`, `extends CorsOriginResolver` and `catch (e) { e instanceof
 * CorsConfigError }` work as with plain class exports. A new value export goes in cors.api.ts and here.
 */
import * as own from './cors.api.js';
import { VERSION } from './cors.version.js';

const KEY = Symbol.for(`nestjs-route-cors@${VERSION}`);
const registry = globalThis as unknown as Record<symbol, typeof own | undefined>;
if (registry[KEY] === undefined) Object.defineProperty(registry, KEY, { value: own, enumerable: false });
const api = registry[KEY] as typeof own;

export const CorsModule = api.CorsModule;
export type CorsModule = own.CorsModule;
export const CorsPolicyService = api.CorsPolicyService;
export type CorsPolicyService = own.CorsPolicyService;
export const CorsOriginResolver = api.CorsOriginResolver;
export type CorsOriginResolver = own.CorsOriginResolver;
export const CorsConfigError = api.CorsConfigError;
export type CorsConfigError = own.CorsConfigError;
export const CorsNestVersionError = api.CorsNestVersionError;
export type CorsNestVersionError = own.CorsNestVersionError;
export const OriginDecisionCache = api.OriginDecisionCache;
export type OriginDecisionCache = own.OriginDecisionCache;
export const Cors = api.Cors;
export const CORS_MODULE_OPTIONS = api.CORS_MODULE_OPTIONS;
export const CORS_POLICY_METADATA = api.CORS_POLICY_METADATA;
export const ORIGIN_CACHE_DEFAULTS = api.ORIGIN_CACHE_DEFAULTS;
export const SUPPORTED_NEST_VERSIONS = api.SUPPORTED_NEST_VERSIONS;
export const parseOriginPattern = api.parseOriginPattern;
export const isLocalHost = api.isLocalHost;
export const isSerializedOrigin = api.isSerializedOrigin;

export type {
  CorsEvaluation,
  CorsEvaluationInput,
  CorsRouteDescription,
  CorsModuleOptions,
  CorsDecoratorPolicy,
  CorsPolicy,
  CorsOriginOption,
  CorsOriginFunction,
  CorsStaticOrigin,
  CorsProblem,
  CorsInvalidationTransport,
  OriginCacheOptions,
  OriginCacheLogger,
  OriginParse,
  OriginPattern,
} from './cors.api.js';
