import type { CorsRouteInfo } from '../cors-route-table.js';
import type { CorsRouteIndex, RouteEntry, RouteIndexOptions } from '../core/cors-route-index.js';

/** What a binding reads per request: the compiled table (null until the app has initialized). */
export interface CorsRuntime {
  readonly index: CorsRouteIndex<CorsRouteInfo> | null;
}

/**
 * The one seam between the engine and an HTTP platform: a binding turns the runtime into the platform's
 * earliest request hook and installs it on the adapter, ahead of body parsers, middleware, guards and routes.
 */
export interface CorsHttpBinding {
  /** The adapter type this binding serves (`httpAdapter.getType()`). */
  readonly type: string;
  install(httpAdapter: unknown, runtime: CorsRuntime): void;
  /** How the platform's router matches a path (default: the adapter's `getRouteMatchingOptions()`). */
  routeMatching?(httpAdapter: unknown): RouteIndexOptions;
  /** The routes at one path in the order the platform's router prefers them (default: registration order). */
  orderRoutes?<T>(entries: RouteEntry<T>[]): RouteEntry<T>[];
}
