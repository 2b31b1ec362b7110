/**
 * Jest for fast mutation runs of the gateway code: its unit specs only, no Nest app, no listening socket (a mutant in
 * ~2 s instead of the e2e specs' ~10 s): the pure pieces (cors-gateway.pin.ts, cors-gateway.binding.ts) and each
 * binding with stand-in servers. The e2e specs (jest.stryker-gateways.config.js, `npm run mutation:gateways`) cover
 * the same files through real handshakes; a mutant either run kills is killed. Transpile only.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: [
    '<rootDir>/test/gateways/cors-gateway.pin.spec.ts',
    '<rootDir>/test/gateways/ws.binding.spec.ts',
    '<rootDir>/test/gateways/socket-io.binding.spec.ts',
  ],
  reporters: ['default'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.stryker.json' }],
  },
};
