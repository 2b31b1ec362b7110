/**
 * Jest for mutation testing (`npm run mutation`): the engine's own tests only (lib/core has no Nest imports, so its
 * table-driven, cache and property tests are what must catch a change in it), without the summary reporter.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/engine/**/*.spec.ts', '<rootDir>/test/property/**/*.spec.ts', '<rootDir>/test/origin-*.spec.ts'],
  reporters: ['default'],
};
