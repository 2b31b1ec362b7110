import type { CorsPolicy } from './core/cors-policy.js';

/** `CorsModule.forRoot()` options: the default policy of every route, plus module-wide settings. */
export interface CorsModuleOptions extends CorsPolicy {}

/** What `@Cors()` takes: a policy merged over the controller's and the module's, or false for "no CORS here". */
export type CorsDecoratorPolicy = CorsPolicy | false;
