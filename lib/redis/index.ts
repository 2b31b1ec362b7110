/** `nestjs-route-cors/redis`: cache invalidation across replicas over Redis pub/sub (needs `ioredis`). */
export { RedisCorsInvalidation } from './cors-redis.invalidation.js';
export type { RedisCorsInvalidationOptions } from './cors-redis.invalidation.js';
