/** A gateway as the bindings get it from the gateway table, for the binding specs that call a binding directly. */
import type { CorsGatewayEntry } from '../../lib/adapters/cors-gateway.binding.js';
import { compilePolicy } from '../../lib/core/cors-compiler.js';
import type { CompiledHandshakePolicy } from '../../lib/core/cors-handshake.js';
import type { CorsPolicy } from '../../lib/core/cors-policy.js';

/** `@Cors({...})`, `@Cors(false)`, or no policy at all (same-origin only). */
export type GatewaySource = CorsPolicy | false | 'same-origin';

function handshakeOf(source: GatewaySource, gateway: string): CompiledHandshakePolicy {
  if (source === false) return { mode: 'off', policy: null, requireOrigin: false };
  if (source === 'same-origin') return { mode: 'same-origin', policy: null, requireOrigin: false };
  const compiled = compilePolicy(source, gateway);
  if (!compiled.policy) throw new Error(JSON.stringify(compiled.problems));
  return { mode: 'policy', policy: compiled.policy, requireOrigin: false };
}

/** Builds entries of the gateway class `gateway` on a server, with its policy compiled. */
export function gatewayEntries(gateway: string) {
  return (server: object, source: GatewaySource, more: Partial<CorsGatewayEntry> = {}): CorsGatewayEntry => ({
    gateway,
    label: gateway,
    handshake: handshakeOf(source, gateway),
    source: source === 'same-origin' ? {} : source,
    server,
    options: {},
    port: 0,
    ...more,
  });
}
