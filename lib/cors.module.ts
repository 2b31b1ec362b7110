import { Inject, Module } from '@nestjs/common';
import { CorsConfigError } from './cors-config.error.js';
import { CorsHttpInstaller } from './cors-http.installer.js';
import { CorsPolicyService } from './cors-policy.service.js';
import { CORS_MODULE_OPTIONS, CorsConfigurableModule } from './cors.module-definition.js';
import type { CorsModuleOptions } from './cors.interfaces.js';
import { compilePolicy } from './core/cors-compiler.js';

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
}

function validateDefaults(options: CorsModuleOptions | undefined): void {
  if (options === undefined || options === null) return;
  // Resolver classes are checked when the routes are built; here only their shape matters.
  const { problems } = compilePolicy(options, 'CorsModule.forRoot', { resolveClass: () => () => false });
  if (problems.length > 0) throw new CorsConfigError(problems);
}
