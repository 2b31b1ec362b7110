import type { CorsHttpBinding } from './cors-http.binding.js';
import { expressBinding } from './express.binding.js';
import { fastifyBinding } from './fastify.binding.js';

/** Every platform the library supports, by `httpAdapter.getType()`. */
export const HTTP_BINDINGS: readonly CorsHttpBinding[] = [expressBinding, fastifyBinding];

export function bindingFor(type: string | undefined): CorsHttpBinding | undefined {
  return HTTP_BINDINGS.find((b) => b.type === type);
}
