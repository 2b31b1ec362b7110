/**
 * Jest for mutation testing of the WebSocket gateway bindings (`npm run mutation:gateways`): like the HTTP bindings
 * (jest.stryker-bindings.config.js), their code only runs inside a real Nest app with real handshakes, so their tests
 * are the gateway e2e specs, on Express only (TEST_ADAPTERS=express, set by the script: the gateway code does not
 * depend on the HTTP platform). Transpile only.
 */
import base from './jest.config.js';

export default {
  ...base,
  testMatch: [
    // pinHook and checkHandshake on their own (fast; jest.stryker-gateway-unit.config.js runs only this one).
    '<rootDir>/test/gateways/cors-gateway.pin.spec.ts',
    '<rootDir>/test/gateways/socket-io.e2e.spec.ts',
    '<rootDir>/test/gateways/ws.e2e.spec.ts',
    '<rootDir>/test/gateways/startup.e2e.spec.ts',
    '<rootDir>/test/gateways/startup-window.e2e.spec.ts',
  ],
  reporters: ['default'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.stryker.json' }],
  },
};
