import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CorsModuleOptions } from './cors.interfaces.js';

export const {
  ConfigurableModuleClass: CorsConfigurableModule,
  MODULE_OPTIONS_TOKEN: CORS_MODULE_OPTIONS,
  OPTIONS_TYPE: CORS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CORS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CorsModuleOptions>({ moduleName: 'Cors' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
