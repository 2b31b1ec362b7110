/** `nestjs-route-cors/postgres`: cache invalidation across replicas over PostgreSQL LISTEN/NOTIFY (needs `pg`). */
export { PostgresCorsInvalidation } from './cors-postgres.invalidation.js';
export type { PostgresCorsInvalidationOptions } from './cors-postgres.invalidation.js';
