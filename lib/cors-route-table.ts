/**
 * Builds the app's route table the way Nest registers it (global prefix and its exclusions, URI versioning,
 * RouterModule paths, controller and method paths, Nest's own RoutePathFactory), merges each handler's
 * `@Cors` with its controller's and the module defaults, and compiles every policy once.
 */
import { RequestMethod, Type, VersioningType } from '@nestjs/common';
import { HttpAdapterHost, MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { ApplicationConfig } from '@nestjs/core';
import { pathToRegexp } from 'path-to-regexp';
import { bindingFor } from './adapters/cors-http.bindings.js';
import { CORS_POLICY_METADATA } from './cors.constants.js';
import { type CorsModuleOptions, defaultPolicyOf } from './cors.interfaces.js';
import { NestInternals, resolvesBySpecificity } from './cors-nest.internals.js';
import { CompileContext, CompiledPolicy, compilePolicy, CorsProblem } from './core/cors-compiler.js';
import { CorsPolicy, mergePolicies } from './core/cors-policy.js';
import { compilePathPolicies, pathLabel } from './core/cors-paths.js';
import { CorsRouteIndex, RouteEntry } from './core/cors-route-index.js';

/** What the route table knows about each route (returned by `CorsPolicyService.routes()`). */
export interface CorsRouteInfo {
  /** The controller class's name; null for a path policy (`paths` in the module options). */
  controller: string | null;
  handler: string | null;
  /** `AccountController.update PUT /account`, or `paths['/graphql'] POST` */
  label: string;
  /** Why a route without a policy has none: `@Cors(false)` (`'off'`) or no origin at any level (`'none'`). */
  cors: 'on' | 'off' | 'none';
}

export interface CorsRouteTableInput {
  modules: ModulesContainer;
  config: ApplicationConfig;
  adapterHost: HttpAdapterHost;
  defaults: CorsModuleOptions;
  /** `paths` of the module options: policies for paths outside the controllers. */
  paths?: unknown;
  ctx: CompileContext;
  /** What the table reads of Nest's internals (`loadNestInternals()`). */
  nest: NestInternals;
  /**
   * Problems already reported for the module defaults: a route that only inherits the faulty field (its decorators
   * do not set it) is not reported again for it.
   */
  inheritedProblems?: readonly CorsProblem[];
}

export interface CorsRouteTableResult {
  index: CorsRouteIndex<CorsRouteInfo>;
  problems: CorsProblem[];
}

export function buildRouteTable({
  modules,
  config,
  adapterHost,
  defaults: options,
  paths,
  ctx,
  nest,
  inheritedProblems = [],
}: CorsRouteTableInput): CorsRouteTableResult {
  // Module settings (originCache, invalidation) are not policy fields: only the default policy is merged.
  const defaults = defaultPolicyOf(options);
  const adapter = adapterHost.httpAdapter as any;
  const { HOST_METADATA, MODULE_PATH, VERSION_METADATA, addLeadingSlash } = nest;
  const pathFactory = new nest.RoutePathFactory(config);
  const pathsExplorer = new nest.PathsExplorer(new MetadataScanner());
  const globalPrefix = addLeadingSlash(config.getGlobalPrefix());
  const versioning = config.getVersioning();
  const problems: CorsProblem[] = [];
  const compiled = new Map<string, { policy: CompiledPolicy | null; problems: CorsProblem[]; routes: string[]; ownFields: Set<string> }>();
  const signatures = new Signatures();
  let entries: RouteEntry<CorsRouteInfo>[] = [];

  for (const moduleRef of modules.values()) {
    const modulePath =
      Reflect.getMetadata(MODULE_PATH + modules.applicationId, moduleRef.metatype) ?? Reflect.getMetadata(MODULE_PATH, moduleRef.metatype);
    for (const wrapper of moduleRef.controllers.values()) {
      const metatype = wrapper.metatype as Type | null;
      if (!metatype || !wrapper.instance) continue;
      const classPolicy = Reflect.getMetadata(CORS_POLICY_METADATA, metatype) as CorsPolicy | false | undefined;
      const hosts = compileHosts(Reflect.getMetadata(HOST_METADATA, metatype));
      const controllerVersion = versioning ? (Reflect.getMetadata(VERSION_METADATA, metatype) ?? versioning.defaultVersion) : undefined;
      const ctrlPaths = toPaths(Reflect.getMetadata('path', metatype), addLeadingSlash);
      for (const ctrlPath of ctrlPaths) {
        for (const route of pathsExplorer.scanForPaths(wrapper.instance as object)) {
          const handlerPolicy = Reflect.getMetadata(CORS_POLICY_METADATA, route.targetCallback) as CorsPolicy | false | undefined;
          const method = RequestMethod[route.requestMethod] as string;
          for (const methodPath of route.path) {
            const paths = pathFactory.create(
              {
                ctrlPath,
                modulePath,
                globalPrefix,
                controllerVersion,
                versioningOptions: versioning,
                methodPath,
                methodVersion: route.version,
              },
              route.requestMethod,
            );
            for (const rawPath of paths) {
              const path = typeof adapter?.normalizePath === 'function' ? adapter.normalizePath(rawPath) : rawPath;
              const label = `${metatype.name}.${route.methodName} ${method} ${path}`;
              // handler > controller > module defaults, field by field; false switches CORS off at that level.
              let policy: CompiledPolicy | null = null;
              let cors: CorsRouteInfo['cors'] = 'off';
              if (handlerPolicy !== false && !(classPolicy === false && handlerPolicy === undefined)) {
                cors = 'none';
                const merged = mergePolicies(defaults, classPolicy || undefined, handlerPolicy);
                if (merged.origin !== undefined) {
                  const key = signatures.of(merged);
                  let result = compiled.get(key);
                  if (!result) compiled.set(key, (result = { ...compilePolicy(merged, label, ctx), routes: [], ownFields: new Set() }));
                  result.routes.push(label);
                  for (const layer of [classPolicy, handlerPolicy]) if (layer) for (const f of Object.keys(layer)) result.ownFields.add(f);
                  policy = result.policy;
                  cors = 'on';
                }
              }
              entries.push({
                method,
                path,
                hosts,
                policy,
                info: { controller: metatype.name, handler: route.methodName, label, cors },
              });
            }
          }
        }
      }
    }
  }

  // One policy used by many routes is reported once, naming its routes.
  for (const { problems: found, routes, ownFields } of compiled.values()) {
    const where = routes.length > 1 ? `${routes[0]} (and ${routes.length - 1} more route${routes.length > 2 ? 's' : ''})` : routes[0];
    for (const problem of found) {
      const inherited =
        !ownFields.has(problem.field) &&
        inheritedProblems.some((p) => p.field === problem.field && p.value === problem.value && p.reason === problem.reason);
      if (!inherited) problems.push({ ...problem, route: where });
    }
  }

  // Header, media-type and custom versioning put several handlers on one method and path: the browser's
  // preflight carries no version, so they must share one policy.
  const byRoute = new Map<string, RouteEntry<CorsRouteInfo>>();
  for (const entry of entries) {
    const key = `${entry.method} ${entry.path} ${entry.hosts?.map(String).join('|') ?? ''}`;
    const first = byRoute.get(key);
    if (!first) byRoute.set(key, entry);
    else if (first.policy !== entry.policy && versioning && versioning.type !== VersioningType.URI) {
      problems.push({
        route: entry.info.label,
        field: '@Cors',
        value: `differs from ${first.info.controller}.${first.info.handler}`,
        reason: `both serve ${entry.method} ${entry.path} (by version): a preflight carries no version header, so give them the same @Cors`,
      });
    }
  }

  const binding = bindingFor(adapter?.getType?.());
  const adapterIsOrderSensitive = adapter?.isRouteOrderSensitive?.() ?? true;
  if (binding?.orderRoutes) {
    entries = binding.orderRoutes(entries); // a router with its own precedence (Fastify's)
  } else if (nest.sortBySpecificity !== null && resolvesBySpecificity(config) && adapterIsOrderSensitive) {
    entries = nest.sortBySpecificity(entries);
  }

  // Path policies come after every controller route: where a controller serves the method at that path, its
  // policy decides (the route table knows it serves it; a pattern only guesses). Among patterns, the order written.
  const pathPolicies = compilePathPolicies(paths, defaults, ctx);
  for (const problem of pathPolicies.problems) {
    // As for routes: a problem the path only inherits from the defaults is reported once, for the defaults.
    const own = pathPolicies.ownFields.get(problem.route);
    const inherited =
      own !== undefined &&
      !own.has(problem.field) &&
      inheritedProblems.some((p) => p.field === problem.field && p.value === problem.value && p.reason === problem.reason);
    if (!inherited) problems.push(problem);
  }
  for (const { pattern, methods, policy } of pathPolicies.paths) {
    for (const method of methods) {
      entries.push({
        method,
        path: pattern,
        policy,
        pathPolicy: true,
        info: { controller: null, handler: null, label: `${pathLabel(pattern)} ${method}`, cors: policy ? 'on' : 'off' },
      });
    }
  }
  if (binding?.routeMatching) return { index: new CorsRouteIndex(entries, binding.routeMatching(adapter)), problems };
  const matching = adapter?.getRouteMatchingOptions?.() ?? { caseSensitive: false, ignoreTrailingSlash: true };
  return {
    index: new CorsRouteIndex(entries, {
      caseSensitive: !!matching.caseSensitive,
      ignoreTrailingSlash: matching.ignoreTrailingSlash !== false,
    }),
    problems,
  };
}

/** The controller's paths as Nest's router reads them (`{/` optional segments keep their form). */
function toPaths(value: string | string[] | undefined, addLeadingSlash: NestInternals['addLeadingSlash']): string[] {
  const list = value === undefined ? ['/'] : Array.isArray(value) ? value : [value];
  return list.map((p) => addLeadingSlash(p));
}

function compileHosts(host: string | RegExp | (string | RegExp)[] | undefined): RegExp[] | undefined {
  if (host === undefined) return undefined;
  return (Array.isArray(host) ? host : [host]).map((h) => (typeof h === 'string' ? pathToRegexp(h).regexp : h));
}

/** Structural identity of a merged policy, so equal policies compile once and share one compiled object. */
class Signatures {
  private readonly ids = new WeakMap<object, string>();
  private next = 0;

  of(policy: CorsPolicy): string {
    return Object.keys(policy)
      .sort()
      .map((k) => `${k}=${this.value((policy as Record<string, unknown>)[k])}`)
      .join(';');
  }

  private value(v: unknown): string {
    if (typeof v === 'function' || (typeof v === 'object' && v !== null && !(v instanceof RegExp))) {
      if (Array.isArray(v) && v.length <= 16) return `[${v.map((x) => this.value(x)).join(',')}]`;
      let id = this.ids.get(v as object);
      if (id === undefined) this.ids.set(v as object, (id = `#${this.next++}`));
      return id;
    }
    return v instanceof RegExp ? `/${v.source}/${v.flags}` : JSON.stringify(v);
  }
}
