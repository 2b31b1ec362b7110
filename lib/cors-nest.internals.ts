/**
 * Every read of Nest's internals, in one place: what the library needs to rebuild the route table the way Nest's
 * router registers it, and which is not part of Nest's public API. Each read names the versions it was checked on.
 * Nothing else in the library imports a deep `@nestjs/*` path or reaches into Nest's objects.
 *
 * The deep modules are loaded with `import()` when the module initializes, not at load time: an app on a Nest
 * version that moved one of them gets a CorsNestVersionError naming the supported versions, instead of a bare
 * "Cannot find module" while its imports are still being evaluated. Nest 11 is CommonJS (no `exports` map, deep
 * paths resolve as files); Nest 12 is ESM with an `exports` map that maps `./*.js` to its files. The same
 * specifiers work in both, from the ESM and from the CommonJS build of this package. Before any of them, the
 * installed `@nestjs/core` version is checked: another major stops bootstrap with a CorsNestVersionError naming it.
 */
import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { ApplicationConfig } from '@nestjs/core';
import type { PathsExplorer } from '@nestjs/core/router/paths-explorer.js';
import type { RoutePathFactory } from '@nestjs/core/router/route-path-factory.js';

/** The majors of `@nestjs/common` and `@nestjs/core` this package runs on (and its peer dependency ranges say). */
export const SUPPORTED_NEST_VERSIONS = '11 and 12';
const SUPPORTED_NEST_MAJORS: readonly number[] = [11, 12];

/**
 * Thrown at bootstrap when the app's Nest is another major, or lacks something the library reads. `problem` says
 * which, as a clause ("this app has @nestjs/core 10.4.15").
 */
export class CorsNestVersionError extends Error {
  constructor(problem: string, cause?: unknown) {
    super(
      `nestjs-route-cors supports NestJS ${SUPPORTED_NEST_VERSIONS} (@nestjs/common and @nestjs/core); ${problem}. ` +
        `Use @nestjs/core 11.x or 12.x, or a version of nestjs-route-cors that supports yours` +
        (cause instanceof Error ? ` (${cause.message})` : ''),
    );
    this.name = 'CorsNestVersionError';
  }
}

function notProvided(what: string, cause?: unknown): CorsNestVersionError {
  return new CorsNestVersionError(`this app's Nest does not provide ${what}`, cause);
}

/**
 * Whether this package runs on `@nestjs/core` `version`: null when it does, else the problem for the
 * CorsNestVersionError. The major decides; a prerelease counts as its major (`12.0.0-beta.1` is Nest 12).
 */
export function nestVersionProblem(version: string): string | null {
  const major = /^(\d+)\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(version)?.[1];
  if (major === undefined) return `this app's @nestjs/core has the version '${version}', which names no major`;
  return SUPPORTED_NEST_MAJORS.includes(Number(major)) ? null : `this app has @nestjs/core ${version}`;
}

// A variable, so TypeScript neither resolves nor types the JSON.
const NEST_CORE_PACKAGE_JSON = '@nestjs/core/package.json';

/**
 * The `version` of the `@nestjs/core` this package resolves, from its package.json; null when it cannot be read.
 * The one `import()` works in both builds: the ESM build imports the JSON (with `type: 'json'`), the CommonJS build
 * compiles it to `require()`. The path resolves in 11.x (no `exports` map; 11.2.10 checked) and in 12.2.0 and later
 * (`exports` lists `./package.json`; 12.5.1 checked). 12.0.x and 12.1.x have an `exports` map without it, so there
 * the version is not read and the check is skipped; they are supported, and the reads below still fail with a
 * CorsNestVersionError on a Nest that lacks what they need.
 */
export async function readNestCoreVersion(): Promise<string | null> {
  try {
    // eslint-disable-next-line @typescript-eslint/ban-ts-comment -- an error only in the CommonJS build, so not @ts-expect-error
    // @ts-ignore TS1324: module commonjs has no import attributes; that build emits require(), which needs none
    const json = (await import(NEST_CORE_PACKAGE_JSON, { with: { type: 'json' } })) as { default?: { version?: unknown } };
    const version = json.default?.version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

/** Stops bootstrap with a CorsNestVersionError when `@nestjs/core` is a major this package does not support. */
export async function checkNestVersion(readVersion: () => Promise<string | null> = readNestCoreVersion): Promise<void> {
  const version = await readVersion();
  const problem = version === null ? null : nestVersionProblem(version);
  if (problem !== null) throw new CorsNestVersionError(problem);
}

type Sortable = { path: string; requestMethod?: unknown };

export interface NestInternals {
  /** `HOST_METADATA`, `MODULE_PATH`, `VERSION_METADATA` of `@nestjs/common/constants.js` ('host', '__module_path__', '__version__' in 11.2.10 and 12.5.1). */
  readonly HOST_METADATA: string;
  readonly MODULE_PATH: string;
  readonly VERSION_METADATA: string;
  /** `addLeadingSlash` of `@nestjs/common/utils/shared.utils.js`: keeps `{/` optional leading segments (same code in 11.2.10 and 12.5.1). */
  readonly addLeadingSlash: (path: string | undefined) => string;
  /** `RoutePathFactory(config).create(metadata, method)`: the full paths of a handler (same signature in 11.2.10 and 12.5.1). */
  readonly RoutePathFactory: new (config: ApplicationConfig) => RoutePathFactory;
  /** `PathsExplorer(scanner).scanForPaths(instance)`: a controller's handlers with method, paths and version (11.2.10, 12.5.1). */
  readonly PathsExplorer: new (scanner: unknown) => PathsExplorer;
  /**
   * `RouteSpecificitySorter.sort(routes)` when the app asked for `routeResolution: 'specificity'`: new in Nest 12
   * (12.5.1 checked); Nest 11 has neither the option nor the sorter, so routes keep declaration order there.
   */
  readonly sortBySpecificity: (<T extends Sortable>(routes: T[]) => T[]) | null;
}

let loading: Promise<NestInternals> | null = null;

/** Loads and checks the internals once per process. */
export function loadNestInternals(): Promise<NestInternals> {
  return (loading ??= load());
}

async function need<T>(specifier: string, pick: (module: Record<string, unknown>) => T | undefined, what: string): Promise<T> {
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (error) {
    throw notProvided(specifier, error);
  }
  const value = pick(module);
  if (value === undefined || value === null) throw notProvided(`${what} in ${specifier}`);
  return value;
}

async function load(): Promise<NestInternals> {
  await checkNestVersion();
  const [constants, addLeadingSlash, RoutePathFactory, PathsExplorer] = await Promise.all([
    need(
      '@nestjs/common/constants.js',
      (m) =>
        typeof m.HOST_METADATA === 'string' && typeof m.MODULE_PATH === 'string' && typeof m.VERSION_METADATA === 'string' ? m : undefined,
      'HOST_METADATA, MODULE_PATH and VERSION_METADATA',
    ),
    need('@nestjs/common/utils/shared.utils.js', (m) => fn(m.addLeadingSlash), 'addLeadingSlash'),
    need('@nestjs/core/router/route-path-factory.js', (m) => fn(m.RoutePathFactory), 'RoutePathFactory'),
    need('@nestjs/core/router/paths-explorer.js', (m) => fn(m.PathsExplorer), 'PathsExplorer'),
  ]);
  let sortBySpecificity: NestInternals['sortBySpecificity'] = null;
  try {
    const m = (await import('@nestjs/core/router/route-specificity-sorter.js')) as { RouteSpecificitySorter?: { sort?: unknown } };
    const sorter = m.RouteSpecificitySorter;
    if (sorter && typeof sorter.sort === 'function') sortBySpecificity = (routes) => (sorter.sort as (r: unknown[]) => never)(routes);
  } catch {
    // Nest 11: no specificity resolution (checked 11.2.10).
  }
  return {
    HOST_METADATA: constants.HOST_METADATA as string,
    MODULE_PATH: constants.MODULE_PATH as string,
    VERSION_METADATA: constants.VERSION_METADATA as string,
    addLeadingSlash: addLeadingSlash as NestInternals['addLeadingSlash'],
    RoutePathFactory: RoutePathFactory as NestInternals['RoutePathFactory'],
    PathsExplorer: PathsExplorer as NestInternals['PathsExplorer'],
    sortBySpecificity,
  };
}

function fn(value: unknown): unknown {
  return typeof value === 'function' ? value : undefined;
}

/**
 * The application config (global prefix and its exclusions, versioning): `ModuleRef` holds the container
 * (`moduleRef.container`, a protected field), whose `applicationConfig` getter returns it. Same in 11.2.10 and 12.5.1.
 */
export function applicationConfigOf(moduleRef: ModuleRef): ApplicationConfig {
  const config = (moduleRef as unknown as { container?: { applicationConfig?: ApplicationConfig } }).container?.applicationConfig;
  if (!config || typeof config.getGlobalPrefix !== 'function' || typeof config.getVersioning !== 'function') {
    throw notProvided('the application config (ModuleRef.container.applicationConfig)');
  }
  return config;
}

/**
 * `routeResolution: 'specificity'` (`ApplicationConfig.getRouteResolutionStrategy()`, Nest 12.5.1); absent in Nest
 * 11.2.10, where routes always match in declaration order.
 */
export function resolvesBySpecificity(config: ApplicationConfig): boolean {
  const read = (config as unknown as { getRouteResolutionStrategy?: () => string | undefined }).getRouteResolutionStrategy;
  return typeof read === 'function' && read.call(config) === 'specificity';
}

/**
 * The hook in `FastifyAdapter`'s request-hook slot (`setOnRequestHook()`, public) before the library takes it: the
 * field `onRequestHook` (TypeScript-private, a plain property) that `setOnRequestHook()` sets and the adapter's first
 * root `onRequest` hook calls. Checked on @nestjs/platform-fastify 11.1.4 (where the slot appeared), 11.2.8 and
 * 12.5.0; 11.0.0 to 11.1.3 have no slot (the Fastify binding falls back to a root hook there). Undefined when unset.
 */
export function fastifyOnRequestHookOf<Hook extends Function>(adapter: object): Hook | undefined {
  const hook = (adapter as { onRequestHook?: unknown }).onRequestHook;
  return typeof hook === 'function' ? (hook as Hook) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket gateways. Read without importing @nestjs/websockets (an optional peer: apps without gateways never load
// it). The metadata keys are the values of `@nestjs/websockets/constants`: the same four strings in 12.1.1 and 11.2.6;
// `npm run test:packaging` runs a Socket.IO gateway in its Nest 11 and Nest 12 apps, on Express and Fastify.

/** `GATEWAY_METADATA`: set by `@WebSocketGateway()` on the class. */
const GATEWAY_METADATA = 'websockets:is_gateway';
/** `GATEWAY_OPTIONS`: the decorator's options object (`namespace`, `path`, `cors`, `allowRequest`, `verifyClient`…). */
const GATEWAY_OPTIONS = 'websockets:gateway_options';
/** `PORT_METADATA`: the decorator's port (0: the HTTP server's). */
const PORT_METADATA = 'port';
/** `GATEWAY_SERVER_METADATA`: marks a `@WebSocketServer()` property. */
const GATEWAY_SERVER_METADATA = 'websockets:is_socket';

/**
 * The property Nest fills with the gateway's server. Nest assigns the server to every enumerable property marked
 * with `GATEWAY_SERVER_METADATA` (`GatewayMetadataExplorer.scanForServerHooks` walks `for…in` the instance, and
 * `WebSocketsController` does `Reflect.set(instance, key, server)`, which runs a setter; checked on 12.1.1 and 11.2.6,
 * where `NestApplication.init()` runs `registerModules()` before `callInitHook()` too). So the library gets every
 * gateway's server, even where the gateway declares no `@WebSocketServer()` of its own.
 */
export const GATEWAY_SERVER_HOOK = 'nestjsRouteCorsServer';

export interface GatewayMetadata {
  options: Record<string, unknown>;
  port: number;
}

/** The `@WebSocketGateway()` options and port of `metatype`, or null when it is not a gateway. */
export function gatewayMetadataOf(metatype: Type | Function | null | undefined): GatewayMetadata | null {
  if (typeof metatype !== 'function' || !Reflect.getMetadata(GATEWAY_METADATA, metatype)) return null;
  const options = (Reflect.getMetadata(GATEWAY_OPTIONS, metatype) ?? {}) as Record<string, unknown>;
  const port = Number(Reflect.getMetadata(PORT_METADATA, metatype) ?? 0) || 0;
  return { options, port };
}

type ServerListener = (instance: object, server: unknown) => void;
// Shared by every copy of this module in the process (the ESM and CJS builds both loaded hook the same prototypes).
const HOOK_STATE = Symbol.for('nestjs-route-cors.gateway-server-hook');
const hookState = ((globalThis as Record<symbol, unknown>)[HOOK_STATE] ??= {
  listeners: new Set<ServerListener>(),
  servers: new WeakMap<object, unknown>(),
}) as { listeners: Set<ServerListener>; servers: WeakMap<object, unknown> };
const serverListeners = hookState.listeners;
const assignedServers = hookState.servers;

/**
 * Marks `GATEWAY_SERVER_HOOK` on the gateway's prototype as a server property, so Nest fills it when it connects
 * the gateway. The property is a setter: Nest connects gateways (and a gateway on its own port starts listening)
 * in `registerModules()`, before any `onModuleInit` runs, so whoever listens through `onServerAssigned` can guard
 * the server the moment it exists, before a client can connect. Idempotent.
 */
export function addServerHook(metatype: Function): void {
  const proto = metatype.prototype as object;
  if (Object.prototype.hasOwnProperty.call(proto, GATEWAY_SERVER_HOOK)) return;
  Object.defineProperty(proto, GATEWAY_SERVER_HOOK, {
    get(this: object): unknown {
      return assignedServers.get(this) ?? null;
    },
    set(this: object, server: unknown) {
      assignedServers.set(this, server);
      for (const listener of serverListeners) listener(this, server);
    },
    enumerable: true,
    configurable: true,
  });
  Reflect.defineMetadata(GATEWAY_SERVER_METADATA, true, proto, GATEWAY_SERVER_HOOK);
}

/**
 * Calls `listener(instance, server)` each time Nest assigns a server to a hooked gateway instance (of any app in
 * the process: the listener picks its own instances). Returns the function that stops listening.
 */
export function onServerAssigned(listener: ServerListener): () => void {
  serverListeners.add(listener);
  return () => serverListeners.delete(listener);
}

/** The server Nest assigned to the hook: a Socket.IO `Server` or `Namespace`, a `ws` server, or null. */
export function serverOf(instance: unknown): unknown {
  return instance && typeof instance === 'object' ? ((instance as Record<string, unknown>)[GATEWAY_SERVER_HOOK] ?? null) : null;
}
