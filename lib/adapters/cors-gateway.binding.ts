import type { CorsProblem } from '../core/cors-compiler.js';
import type { CompiledHandshakePolicy, HandshakeMatch } from '../core/cors-handshake.js';
import type { CorsPolicy } from '../core/cors-policy.js';

/** A gateway as the bindings see it: its compiled origin check and the server Nest gave it. */
export interface CorsGatewayEntry {
  /** The gateway class's name. */
  readonly gateway: string;
  /** `FeedGateway` as used in problems and logs. */
  readonly label: string;
  readonly handshake: CompiledHandshakePolicy;
  /** The merged policy (false when the check is off). */
  readonly source: Readonly<CorsPolicy> | false;
  /** What Nest assigned to the gateway's server property: a Socket.IO Server or Namespace, a `ws` server. */
  readonly server: object;
  /** The `@WebSocketGateway()` options (the user's `allowRequest`, `verifyClient`, `cors`). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly port: number;
}

/** What a binding reports of each gateway once bound (for `routes()`, `evaluate()` and the startup report). */
export interface CorsGatewayBound {
  readonly transport: 'socket.io' | 'ws';
  /** Where the handshake is served (`/socket.io/`, `/chat`). */
  readonly path: string;
  /** The Socket.IO namespace (`/`, `/feed`), null for `ws`. */
  readonly namespace: string | null;
}

export type CorsGatewayLog = (level: 'log' | 'warn', message: string) => void;

/**
 * The seam between the handshake check and a WebSocket platform. Gateways behind one listener (one Socket.IO
 * engine, one `ws` server) form a unit: the binding checks the handshake once for the unit, and, where the
 * platform has namespaces, each gateway's own policy again when a socket joins its namespace.
 */
export interface CorsGatewayBinding {
  readonly transport: 'socket.io' | 'ws';
  /** Whether `server` belongs to this platform. */
  owns(server: object): boolean;
  /** The object every gateway sharing a listener has in common. */
  unitOf(server: object): object;
  describe(server: object): CorsGatewayBound;
  /** Settings of the unit or its gateways that conflict with the library's check. */
  problems(unit: object, entries: readonly CorsGatewayEntry[]): CorsProblem[];
  /**
   * Guards the unit the moment Nest assigns its server, before any client can connect: every handshake waits for
   * `ready` and is then decided by the check `install` puts in place; refused when `ready` rejects (the policies
   * did not compile) or nothing was installed. Idempotent per unit.
   */
  guard(unit: object, ready: Promise<void>): void;
  /** Installs the check on the unit (once per unit), behind its guard. */
  install(unit: object, entries: readonly CorsGatewayEntry[], log: CorsGatewayLog): void;
}

/** The origin decision a binding installs on a guarded unit: null until `install` has run. */
export type HandshakeDecision<Input> = ((input: Input) => HandshakeMatch | Promise<HandshakeMatch>) | null;

/**
 * One guarded handshake: waits for `ready` while no decision is installed, then `admit()` for an allowed origin and
 * `refuse()` otherwise; a decision that throws or rejects, or none after `ready`, refuses. Both platforms' hooks run
 * it (engine.io's `allowRequest`, ws's `verifyClient`).
 */
export function checkHandshake<Input>(
  decision: () => HandshakeDecision<Input>,
  input: Input,
  ready: Promise<void>,
  admit: () => void,
  refuse: () => void,
): void {
  const check = (): void => {
    const decide = decision();
    if (decide === null) return refuse();
    let match: HandshakeMatch | Promise<HandshakeMatch>;
    try {
      match = decide(input);
    } catch {
      return refuse();
    }
    if ('then' in match) match.then((m) => (m.verdict.allowed ? admit() : refuse()), refuse);
    else if (match.verdict.allowed) admit();
    else refuse();
  };
  if (decision() !== null) return check();
  ready.then(check, refuse);
}
