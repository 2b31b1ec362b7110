import { DynamicModule, Inject, Module } from '@nestjs/common';
import { CorsConfigError } from './cors-config.error.js';
import { CorsHttpInstaller } from './cors-http.installer.js';
import { CorsPolicyService } from './cors-policy.service.js';
import { CORS_MODULE_OPTIONS, CORS_OPTIONS_TYPE, CorsConfigurableModule } from './cors.module-definition.js';
import { CorsModuleOptions, defaultPolicyOf } from './cors.interfaces.js';
import { compilePolicy, CorsProblem } from './core/cors-compiler.js';
import { originCacheProblems } from './core/cors-origin-cache.js';

/**
 * `CorsModule.forRoot(defaults)` / `CorsModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * The defaults are validated as soon as they exist, so a bad `forRootAsync` factory fails bootstrap too.
 */
@Module({
  providers: [CorsPolicyService, CorsHttpInstaller],
  exports: [CorsPolicyService],
})
export class CorsModule extends CorsConfigurableModule {
  constructor(@Inject(CORS_MODULE_OPTIONS) options: CorsModuleOptions) {
    super();
    validateDefaults(options);
  }

  /** `CorsModule.forRoot()` with no defaults: only routes with `@Cors({ origin })` send CORS headers. */
  static override forRoot(options: typeof CORS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}

function validateDefaults(options: CorsModuleOptions | undefined): void {
  if (options === undefined || options === null) return;
  // Resolver classes are checked when the routes are built; here only their shape matters.
  const { problems } = compilePolicy(defaultPolicyOf(options), 'CorsModule.forRoot', { resolveClass: () => () => false });
  const all: CorsProblem[] = [...problems];
  if (typeof options === 'object') {
    for (const p of originCacheProblems(options.originCache)) all.push({ route: 'CorsModule.forRoot', ...p });
    const transport = options.invalidation as unknown;
    if (
      transport !== undefined &&
      !(transport && ['subscribe', 'publish', 'close'].every((m) => typeof (transport as Record<string, unknown>)[m] === 'function'))
    ) {
      all.push({
        route: 'CorsModule.forRoot',
        field: 'invalidation',
        value: String(transport),
        reason: "invalidation is a transport such as new PostgresCorsInvalidation({ connectionString }) from 'nestjs-route-cors/postgres'",
      });
    }
  }
  if (all.length > 0) throw new CorsConfigError(all);
}
