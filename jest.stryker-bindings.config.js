/**
 * Jest for mutation testing of the HTTP bindings (`npm run mutation:bindings`): the binding code only runs inside a
 * real Nest app over HTTP, so its tests are the e2e behaviour specs, run on the binding's platform only
 * (TEST_ADAPTERS, set by the script). Transpile only, as for the engine (jest.stryker.config.js).
 */
import base from './jest.config.js';

/** Specs about one platform's hook only: a run for the other platform leaves them out (they would build apps on it). */
const ONLY_ON = {
  express: ['express-hook', 'express-fallback'],
  fastify: ['fastify-hook'],
};
const platform = process.env.TEST_ADAPTERS;
const elsewhere = Object.entries(ONLY_ON)
  .filter(([name]) => platform !== undefined && platform !== name)
  .flatMap(([, specs]) => specs);

export default {
  ...base,
  testMatch: [
    '<rootDir>/test/e2e/preflight.e2e.spec.ts',
    '<rootDir>/test/e2e/actual-requests.e2e.spec.ts',
    '<rootDir>/test/e2e/error-responses.e2e.spec.ts',
    '<rootDir>/test/e2e/bad-input.e2e.spec.ts',
    '<rootDir>/test/e2e/express-hook.e2e.spec.ts',
    '<rootDir>/test/e2e/fastify-hook.e2e.spec.ts',
    '<rootDir>/test/e2e/express-fallback.e2e.spec.ts',
    // Which route (and so which policy) a request reaches: the Fastify binding's own router reading, and paths
    // outside the controllers.
    '<rootDir>/test/e2e/routing-agreement.e2e.spec.ts',
    '<rootDir>/test/e2e/paths.e2e.spec.ts',
    '<rootDir>/test/e2e/beyond-controllers.e2e.spec.ts',
    // Origins decided asynchronously (a resolver, its cache, a flood, a store that fails or hangs): the bindings'
    // paths that wait for a decision. No database: the store is in memory.
    '<rootDir>/test/dynamic/resolver.e2e.spec.ts',
  ].filter((path) => !elsewhere.some((spec) => path.endsWith(`/${spec}.e2e.spec.ts`))),
  reporters: ['default'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.stryker.json' }],
  },
};
