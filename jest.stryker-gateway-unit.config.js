/**
 * Jest for a fast mutation run of the gateway bindings' pure pieces (cors-gateway.pin.ts, cors-gateway.binding.ts):
 * their unit spec only, no Nest app, no sockets (a mutant in ~2 s instead of the e2e specs' 10-25 s). The e2e specs
 * (jest.stryker-gateways.config.js, `npm run mutation:gateways`) cover the same files through real handshakes.
 * Transpile only.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/gateways/cors-gateway.pin.spec.ts'],
  reporters: ['default'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.stryker.json' }],
  },
};
