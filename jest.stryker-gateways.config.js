/**
 * Jest for mutation testing of the WebSocket gateway bindings (`npm run mutation:gateways`): like the HTTP bindings
 * (jest.stryker-bindings.config.js), their code runs inside a real Nest app with real handshakes, so their tests are
 * the gateway e2e specs, on Express only (TEST_ADAPTERS=express, set by the script: the gateway code does not depend
 * on the HTTP platform), plus the fast specs of the pure pieces and of a binding with stand-in servers. Transpile only.
 *
 * GATEWAY_TRANSPORT=ws (or socket.io) leaves out the other transport's specs, for a run that mutates one binding
 * file only (its mutants cannot be reached from the other one's spec; each mutant runs every spec, ~10 s in all).
 */
import unit from './jest.stryker-gateway-unit.config.js';

const ONLY_FOR = { ws: ['ws.binding', 'ws.e2e'], 'socket.io': ['socket-io.binding', 'socket-io.e2e'] };
const transport = process.env.GATEWAY_TRANSPORT || undefined;
if (transport !== undefined && !(transport in ONLY_FOR)) throw new Error(`GATEWAY_TRANSPORT must be ws or socket.io, not ${transport}`);
const elsewhere = Object.entries(ONLY_FOR)
  .filter(([name]) => transport !== undefined && transport !== name)
  .flatMap(([, specs]) => specs);

export default {
  ...unit,
  testMatch: [
    // The unit specs (pinHook, checkHandshake, each binding with stand-in servers), then the real handshakes.
    ...unit.testMatch,
    '<rootDir>/test/gateways/socket-io.e2e.spec.ts',
    '<rootDir>/test/gateways/ws.e2e.spec.ts',
    '<rootDir>/test/gateways/startup.e2e.spec.ts',
    '<rootDir>/test/gateways/startup-window.e2e.spec.ts',
  ].filter((path) => !elsewhere.some((spec) => path.endsWith(`/${spec}.spec.ts`))),
};
