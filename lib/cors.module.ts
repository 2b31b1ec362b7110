import { DynamicModule, Module } from '@nestjs/common';
import { CorsGatewayInstaller } from './cors-gateway.installer.js';
import { CorsHttpInstaller } from './cors-http.installer.js';
import { CorsPolicyService } from './cors-policy.service.js';
import { CORS_OPTIONS_TYPE, CorsConfigurableModule } from './cors.module-definition.js';

/**
 * `CorsModule.forRoot(defaults)` / `CorsModule.forRootAsync({ imports, inject, useFactory | useClass | useExisting })`.
 * The defaults are validated with the routes when the module initializes (`CorsPolicyService.onModuleInit`), so a bad
 * `forRootAsync` factory fails bootstrap too, and its problems are reported in the same error as the routes'.
 */
@Module({
  providers: [CorsPolicyService, CorsHttpInstaller, CorsGatewayInstaller],
  exports: [CorsPolicyService],
})
export class CorsModule extends CorsConfigurableModule {
  /** `CorsModule.forRoot()` with no defaults: only routes with `@Cors({ origin })` send CORS headers. */
  static override forRoot(options: typeof CORS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
