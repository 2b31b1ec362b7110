/**
 * Jest for mutation testing (`npm run mutation`): the engine's own tests only (lib/core has no Nest imports, so its
 * table-driven, cache and property tests are what must catch a change in it), without the summary reporter.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/engine/**/*.spec.ts', '<rootDir>/test/property/**/*.spec.ts', '<rootDir>/test/origin-*.spec.ts'],
  reporters: ['default'],
  // Transpile only (isolatedModules): ts-jest's type-checking language service is rebuilt for every mutant run and
  // cost ~20 s each on this machine; `npm run typecheck` checks the types, the mutants only need to run.
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.stryker.json' }],
  },
};
