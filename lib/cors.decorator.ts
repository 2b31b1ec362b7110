import { SetMetadata } from '@nestjs/common';
import { CORS_POLICY_METADATA } from './cors.constants.js';
import type { CorsDecoratorPolicy } from './cors.interfaces.js';

/**
 * CORS for a controller or a handler. Fields merge one by one: handler over controller over
 * `CorsModule.forRoot()` defaults. `@Cors()` uses the defaults; `@Cors(false)` switches CORS off there.
 */
export const Cors = (policy: CorsDecoratorPolicy = {}): ClassDecorator & MethodDecorator => SetMetadata(CORS_POLICY_METADATA, policy);
