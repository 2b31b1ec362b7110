/**
 * Jest for a fast mutation run of the Fastify binding (lib/adapters/fastify.binding.ts): its binding spec only, a
 * real Fastify instance without a Nest app (a mutant in a few seconds instead of the e2e specs' 10-25 s). The e2e
 * specs (jest.stryker-bindings.config.js with TEST_ADAPTERS=fastify) cover the same file through Nest.
 * Transpile only.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/bindings/fastify.binding.spec.ts'],
  reporters: ['default'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.stryker.json' }],
  },
};
