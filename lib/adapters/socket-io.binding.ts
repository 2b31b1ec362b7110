/**
 * Socket.IO (`@nestjs/platform-socket.io`, socket.io 4.6+ / engine.io 6.4+). engine.io takes every request under
 * its path before the HTTP framework sees it, so the check sits in engine.io itself:
 *
 * - `allowRequest` refuses a handshake (polling or a direct WebSocket upgrade) before any transport opens: 403 on
 *   polling, no 101 on an upgrade. It runs once per handshake, not per polling request with a session id. The
 *   user's own `allowRequest` runs after ours, only for admitted origins, whenever and wherever it was set (the
 *   hook is pinned: assigning `engine.opts.allowRequest` later chains behind the check instead of replacing it).
 * - a middleware first in `engine.middlewares` gives every long-polling response the CORS headers of the library's
 *   engine, exactly as on HTTP routes (Fetch §CORS protocol: one ACAO, `Vary: Origin`, credentials only for an
 *   allowed origin) and answers preflights per the policy (`extraHeaders` make the browser send one).
 * - several gateways behind one engine (namespaces on one path and port): the handshake admits the union of their
 *   policies, and each gateway's own policy is checked again when a socket joins its namespace (`connect_error`).
 *
 * engine.io's own `cors` option is refused at startup: it runs the `cors` package, which sets headers and refuses
 * nothing (a polling handshake from an unlisted origin still gets a session, a WebSocket upgrade still gets 101).
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { CompiledPolicy, CorsProblem } from '../core/cors-compiler.js';
import { decidePreflight, PREFLIGHT_REFUSED_STATUS, PREFLIGHT_VARY, type PreflightOutcome } from '../core/cors-engine.js';
import { CompiledHandshakePolicy, decideHandshake, decideHandshakeAny, HandshakeMatch } from '../core/cors-handshake.js';
import { samePolicy } from '../core/cors-policy.js';
import { RouteGroup } from '../core/cors-route-index.js';
import {
  checkHandshake,
  type CorsGatewayBinding,
  type CorsGatewayBound,
  type CorsGatewayEntry,
  type HandshakeDecision,
} from './cors-gateway.binding.js';
import { pinHook } from './cors-gateway.pin.js';

type Next = (err?: unknown) => void;
type AllowRequest = (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void) => void;

/** The parts of an engine.io server the binding uses. */
interface Engine {
  opts: { cors?: unknown; allowRequest?: AllowRequest; path?: string };
  middlewares?: ((req: IncomingMessage, res: ServerResponse, next: Next) => void)[];
  use?(fn: (req: IncomingMessage, res: ServerResponse, next: Next) => void): void;
}
interface IoServer {
  engine: Engine;
  of(nsp: unknown): unknown;
  path?(): string;
  sockets?: Namespace;
}
interface Socket {
  request: IncomingMessage;
  handshake: { headers: Record<string, string | string[] | undefined> };
}
interface Namespace {
  name: string;
  server: IoServer;
  use(fn: (socket: Socket, next: (err?: Error) => void) => void): unknown;
  _fns?: ((socket: Socket, next: (err?: Error) => void) => void)[];
}

function isIoServer(value: object): value is IoServer {
  const v = value as Partial<IoServer>;
  return typeof v.of === 'function' && typeof v.engine === 'object' && v.engine !== null;
}

function isNamespace(value: object): value is Namespace {
  const v = value as Partial<Namespace>;
  return (
    typeof v.use === 'function' && typeof v.name === 'string' && typeof v.server === 'object' && v.server !== null && isIoServer(v.server)
  );
}

function rootOf(server: object): IoServer {
  return isNamespace(server) ? server.server : (server as IoServer);
}

/** The namespace a socket of this gateway joins (a root Server's gateway serves the main namespace `/`). */
function namespaceOf(server: object): Namespace | null {
  if (isNamespace(server)) return server;
  const root = server as IoServer;
  return root.sockets ?? (root.of('/') as Namespace);
}

function enginePath(root: IoServer): string {
  const path = root.engine.opts.path ?? (typeof root.path === 'function' ? root.path() : '/socket.io');
  return path.endsWith('/') ? path : `${path}/`;
}

const VERDICT = Symbol('nestjs-route-cors.handshake');
type Req = IncomingMessage & { [VERDICT]?: HandshakeMatch | Promise<HandshakeMatch>; _query?: Record<string, string> };

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A preflight answered on its own (engine.io would answer OPTIONS with 400): the same decision as on HTTP routes. */
function answerPreflight(res: ServerResponse, outcome: PreflightOutcome): void {
  if (res.headersSent) return;
  res.statusCode = outcome.status;
  res.setHeader('Vary', PREFLIGHT_VARY);
  if (outcome.ok) for (const [name, value] of outcome.headers) res.setHeader(name, value);
  res.setHeader('Content-Length', '0');
  res.end();
}

const REFUSED_PREFLIGHT: PreflightOutcome = { ok: false, status: PREFLIGHT_REFUSED_STATUS, reason: 'origin not allowed' };

type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** An engine's guard: the origin decision and the CORS middleware, both null until installed. */
interface Guard {
  decide: HandshakeDecision<Req>;
  middleware: Middleware | null;
}
const GUARDS = new WeakMap<object, Guard>();

/**
 * Puts the engine under the library's hooks the moment Nest assigns its server. Until `ready`, a handshake (and a
 * polling request or preflight) waits; then the installed check decides it. Refused if `ready` rejects.
 * `allowRequest` is pinned (see cors-gateway.pin.ts): an app's own function, from `@WebSocketGateway({
 * allowRequest })`, a custom adapter, or assigned to `engine.opts.allowRequest` in `afterInit` or later, runs after
 * the origin check and only for admitted origins; it never replaces the check.
 */
function guard(engine: Engine, ready: Promise<void>): Guard {
  let state = GUARDS.get(engine);
  if (state) return state;
  const guarded: Guard = (state = { decide: null, middleware: null });
  GUARDS.set(engine, state);
  pinHook<AllowRequest>(
    engine,
    'opts',
    'allowRequest',
    (inner) =>
      function nestjsRouteCors(this: unknown, req, callback) {
        checkHandshake(
          () => guarded.decide,
          req as Req,
          ready,
          () => (typeof inner === 'function' ? inner.call(this, req, callback) : callback(null, true)),
          () => callback('Origin not allowed', false),
        );
      },
  );
  const middleware: Middleware = (req, res, next) => {
    if (guarded.middleware !== null) return guarded.middleware(req, res, next);
    // Refused (ready rejected): allowRequest refuses the handshake; no CORS headers.
    ready.then(
      () => (guarded.middleware !== null ? guarded.middleware(req, res, next) : next()),
      () => next(),
    );
  };
  // First, so the app's own engine middleware never runs before the origin is decided.
  if (Array.isArray(engine.middlewares)) engine.middlewares.unshift(middleware);
  else if (typeof engine.use === 'function') engine.use(middleware);
  return state;
}

/** `entries` by the namespace their sockets join, in order. */
function byNamespace(entries: readonly CorsGatewayEntry[]): Map<Namespace, CorsGatewayEntry[]> {
  const map = new Map<Namespace, CorsGatewayEntry[]>();
  for (const entry of entries) {
    const nsp = namespaceOf(entry.server);
    if (nsp === null) continue;
    const list = map.get(nsp);
    if (list) list.push(entry);
    else map.set(nsp, [entry]);
  }
  return map;
}

/** Installs the check on one engine, shared by `entries`. */
function install(root: IoServer, entries: readonly CorsGatewayEntry[]): void {
  const engine = root.engine;
  const state = guard(engine, Promise.resolve());
  const gateways: CompiledHandshakePolicy[] = entries.map((e) => e.handshake);
  const decide = (req: Req): HandshakeMatch | Promise<HandshakeMatch> =>
    (req[VERDICT] ??= decideHandshakeAny(gateways, header(req.headers.origin), header(req.headers.host), req));
  // Polling requests are GET (long poll) and POST (sends): a preflight is granted for those, per each policy.
  const groups = entries.map(
    (e) =>
      new RouteGroup(['GET', 'POST'].map((method) => ({ method, path: enginePath(root), policy: e.handshake.policy, info: e.gateway }))),
  );
  // Vary: Origin whenever an answer depends on the origin (every mode but '*' and the check switched off).
  const vary = gateways.some((g) => g.mode === 'same-origin' || (g.mode === 'policy' && !g.policy?.anyOrigin));

  const middleware = (req: Req, res: ServerResponse, next: Next): void => {
    if (!(res instanceof ServerResponse)) return next(); // an upgrade: allowRequest decides, no CORS headers
    if (vary) res.setHeader('Vary', 'Origin');
    const origin = header(req.headers.origin);
    if (origin === undefined) return next();
    // Fetch §CORS-preflight request: OPTIONS with Origin and Access-Control-Request-Method.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      const ask = {
        origin,
        method: String(req.headers['access-control-request-method']),
        requestHeaders: header(req.headers['access-control-request-headers']),
        request: req,
      };
      const tryFrom = (i: number): void => {
        if (i === groups.length) return answerPreflight(res, REFUSED_PREFLIGHT);
        let outcome: PreflightOutcome | Promise<PreflightOutcome>;
        try {
          outcome = decidePreflight(groups[i], ask);
        } catch {
          outcome = REFUSED_PREFLIGHT;
        }
        const settle = (o: PreflightOutcome) => (o.ok ? answerPreflight(res, o) : tryFrom(i + 1));
        if ('then' in outcome) outcome.then(settle, () => tryFrom(i + 1));
        else settle(outcome);
      };
      return tryFrom(0);
    }
    const grant = (match: HandshakeMatch): void => {
      const policy: CompiledPolicy | null = match.gateway?.policy ?? null;
      // Headers only from a policy that admits the origin; same-origin and check-off gateways send none.
      if (match.verdict.allowed && policy !== null && match.gateway?.mode === 'policy' && !res.headersSent) {
        res.setHeader('Access-Control-Allow-Origin', policy.anyOrigin ? '*' : origin);
        for (const [name, value] of policy.actualTail) res.setHeader(name, value);
      }
      next();
    };
    const match = decide(req);
    if ('then' in match) match.then(grant, () => next());
    else grant(match);
  };
  state.middleware = middleware;

  // The handshake: ours first, then the app's own allowRequest (see guard).
  state.decide = decide;

  // Several gateways on one engine: each namespace's own policy when a socket joins it (gateways sharing a
  // namespace have the same policy, or startup failed: one check per namespace).
  const namespaces = byNamespace(entries);
  if (namespaces.size > 1) {
    for (const [nsp, [entry]] of namespaces) {
      const own = entry.handshake;
      const check = (socket: Socket, next: (err?: Error) => void): void => {
        const headers = socket.handshake.headers;
        const settle = (v: { allowed: boolean }) => (v.allowed ? next() : next(new Error('Origin not allowed')));
        const verdict = decideHandshake(own, header(headers.origin), header(headers.host), socket.request);
        if ('then' in verdict) verdict.then(settle, () => next(new Error('Origin not allowed')));
        else settle(verdict);
      };
      // First, so the app's own namespace middleware (auth, lookups) never runs for a refused origin.
      if (Array.isArray(nsp._fns)) nsp._fns.unshift(check);
      else nsp.use(check);
    }
  }
}

export const socketIoBinding: CorsGatewayBinding = {
  transport: 'socket.io',
  owns: (server) => isIoServer(server) || isNamespace(server),
  unitOf: (server) => rootOf(server).engine,
  describe(server): CorsGatewayBound {
    return { transport: 'socket.io', path: enginePath(rootOf(server)), namespace: namespaceOf(server)?.name ?? '/' };
  },
  problems(unit, entries) {
    const engine = unit as Engine;
    const problems: CorsProblem[] = [];
    const where = entries.map((e) => e.label).join(', ');
    if (engine.opts.cors) {
      problems.push({
        route: where,
        field: 'cors',
        value: JSON.stringify(engine.opts.cors) ?? String(engine.opts.cors),
        reason:
          "Socket.IO's cors option only sets headers (it refuses no origin, and a WebSocket upgrade ignores it) and would send a second set next to the library's: remove it from @WebSocketGateway (or your IoAdapter) and put the origins in @Cors({ origin, credentials }) on the gateway",
      });
    }
    // Gateways on one namespace get every socket of it: one origin check has to stand for all of them.
    for (const same of byNamespace(entries).values()) {
      if (same.length > 1 && same.some((e) => !samePolicy(e.source, same[0].source))) {
        problems.push({
          route: same.map((e) => e.label).join(', '),
          field: '@Cors',
          value: `one Socket.IO namespace (${namespaceOf(same[0].server)?.name ?? '/'} on ${enginePath(rootOf(same[0].server))})`,
          reason:
            'these gateways share one namespace, so a socket any of them admits reaches the handlers of all of them: ' +
            'give them the same @Cors policy, or give each its own namespace (@WebSocketGateway({ namespace }))',
        });
      }
    }
    if (!Array.isArray(engine.middlewares) && typeof engine.use !== 'function') {
      problems.push({
        route: where,
        field: 'socket.io',
        value: 'engine.use',
        reason: 'the origin check needs socket.io 4.6 or newer (engine.io 6.4)',
      });
    }
    return problems;
  },
  guard(unit, ready) {
    guard(unit as Engine, ready);
  },
  install(unit, entries) {
    install(rootOf(entries[0].server), entries);
    void unit;
  },
};
