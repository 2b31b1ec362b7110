/**
 * `ws` (`@nestjs/platform-ws`, ws 8): the check is the server's `verifyClient`, read by ws at every upgrade, in its
 * two-argument `(info, callback)` form, the only one ws waits for (a one-argument function is taken as synchronous,
 * so an `async (info) => …` returns a promise that ws reads as "accept"). A refused origin gets 403 and never 101.
 * The user's own `verifyClient` runs after ours, only for admitted origins, in whichever form it was written; a
 * promise it returns is awaited. The hook is pinned: assigning `server.options.verifyClient` later (in `afterInit`,
 * say) chains behind the check instead of replacing it.
 */
import type { IncomingMessage } from 'node:http';
import type { CorsProblem } from '../core/cors-compiler.js';
import { samePolicy } from '../core/cors-policy.js';
import { decideHandshakeAny } from '../core/cors-handshake.js';
import {
  checkHandshake,
  type CorsGatewayBinding,
  type CorsGatewayEntry,
  type CorsGatewayLog,
  type HandshakeDecision,
} from './cors-gateway.binding.js';
import { pinHook } from './cors-gateway.pin.js';

interface VerifyInfo {
  origin?: string;
  secure: boolean;
  req: IncomingMessage;
}
type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;
type VerifyClient = ((info: VerifyInfo) => unknown) | ((info: VerifyInfo, callback: VerifyCallback) => void);

interface WsServer {
  options: { verifyClient?: VerifyClient | null; path?: string; cors?: unknown };
  path?: string;
  handleUpgrade: unknown;
  shouldHandle: unknown;
}

function isWsServer(value: object): value is WsServer {
  const v = value as Partial<WsServer>;
  return typeof v.handleUpgrade === 'function' && typeof v.shouldHandle === 'function' && typeof v.options === 'object';
}

/** A unit's guard: the origin decision (null until installed) and the app's current verifyClient. */
interface Guard {
  decide: HandshakeDecision<VerifyInfo>;
  user: () => VerifyClient | undefined;
}
const GUARDS = new WeakMap<object, Guard>();

function refuse(callback: VerifyCallback): void {
  callback(false, 403, 'Origin not allowed');
}

/** The app's own verifyClient, after an admitted origin, in whichever form it was written; a promise is awaited. */
function runUser(self: unknown, user: VerifyClient | undefined, info: VerifyInfo, callback: VerifyCallback): void {
  if (typeof user !== 'function') return callback(true);
  if (user.length >= 2) return (user as (i: VerifyInfo, cb: VerifyCallback) => void).call(self, info, callback);
  let answer: unknown;
  try {
    answer = (user as (i: VerifyInfo) => unknown).call(self, info);
  } catch {
    return callback(false, 401);
  }
  // ws's own sync refusal is 401 Unauthorized: kept.
  if (answer && typeof (answer as Promise<unknown>).then === 'function') {
    (answer as Promise<unknown>).then(
      (ok) => (ok ? callback(true) : callback(false, 401)),
      () => callback(false, 401),
    );
  } else if (answer) callback(true);
  else callback(false, 401);
}

/**
 * `verifyClient` is pinned (see cors-gateway.pin.ts): an app's own function, from `@WebSocketGateway({
 * verifyClient })` or assigned to `server.options.verifyClient` in `afterInit` or later, runs after the origin
 * check and only for admitted origins; it never replaces the check. Until the policies are compiled, a handshake
 * waits for them.
 */
function guard(server: WsServer, ready: Promise<void>): Guard {
  let state = GUARDS.get(server);
  if (state) return state;
  const guarded: Guard = (state = { decide: null, user: () => undefined });
  GUARDS.set(server, state);
  guarded.user = pinHook<VerifyClient>(
    server,
    'options',
    'verifyClient',
    (inner) =>
      // Two parameters: ws waits for the callback.
      function nestjsRouteCors(this: unknown, info: VerifyInfo, callback: VerifyCallback): void {
        checkHandshake(
          () => guarded.decide,
          info,
          ready,
          () => runUser(this, inner, info, callback),
          () => refuse(callback),
        );
      },
  );
  return state;
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && fn.constructor?.name === 'AsyncFunction';
}

export const wsBinding: CorsGatewayBinding = {
  transport: 'ws',
  owns: (server) => isWsServer(server),
  unitOf: (server) => server,
  describe(server) {
    const ws = server as WsServer;
    // @nestjs/platform-ws sets `path` on servers it routes by path itself (noServer); ws's own option otherwise.
    const path = ws.path ?? ws.options.path ?? '/';
    return { transport: 'ws', path: path.startsWith('/') ? path : `/${path}`, namespace: null };
  },
  problems(unit, entries) {
    const problems: CorsProblem[] = [];
    for (const entry of entries) {
      if (entry.options.cors !== undefined && entry.options.cors !== false) {
        problems.push({
          route: entry.label,
          field: 'cors',
          value: JSON.stringify(entry.options.cors) ?? String(entry.options.cors),
          reason:
            'ws has no cors option (it is ignored: every origin connects): remove it and put the origins in @Cors({ origin }) on the gateway',
        });
      }
    }
    // Nest gives gateways on the same port and path one ws server: every client that connects reaches every one
    // of their message handlers, so one origin check has to stand for all of them.
    if (entries.length > 1 && entries.some((e) => !samePolicy(e.source, entries[0].source))) {
      const path = wsBinding.describe(unit).path;
      problems.push({
        route: entries.map((e) => e.label).join(', '),
        field: '@Cors',
        value: `one ws server (port ${entries[0].port || 'of the HTTP server'}, path ${path})`,
        reason:
          'these gateways share one ws server, so a client any of them admits reaches the handlers of all of them: ' +
          'give them the same @Cors policy, or give each its own path (@WebSocketGateway({ path }))',
      });
    }
    return problems;
  },
  guard(unit, ready) {
    guard(unit as WsServer, ready);
  },
  install(unit, entries: readonly CorsGatewayEntry[], log: CorsGatewayLog) {
    const state = guard(unit as WsServer, Promise.resolve());
    const gateways = entries.map((e) => e.handshake);
    const user = state.user();
    if (user !== undefined && user.length < 2 && isAsyncFunction(user)) {
      log(
        'warn',
        `${entries.map((e) => e.label).join(', ')}: verifyClient is an async function with one parameter: ws alone would take its promise as "accept" ` +
          'whatever it resolves to; the library awaits it, but write it as (info, callback) to be safe without the library',
      );
    }
    // info.origin is the Origin header (Sec-WebSocket-Origin for protocol version 8).
    state.decide = (info) => decideHandshakeAny(gateways, info.origin, info.req.headers.host, info.req);
  },
};
