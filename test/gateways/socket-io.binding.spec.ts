/**
 * The Socket.IO binding on its own, without Nest or a listening socket: a real Socket.IO server attached to an HTTP
 * server that never listens (so a real engine.io with its options and middlewares, real namespaces), or a stand-in,
 * and the hooks called as engine.io and Socket.IO call them: `allowRequest(req, callback)`, the engine middleware
 * `(req, res, next)` with a real ServerResponse, the namespace middleware `(socket, next)`. What socket-io.e2e.spec.ts
 * shows through real handshakes, here with the exact callback arguments and headers.
 */
import { jest } from '@jest/globals';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Server } from 'socket.io';
import { socketIoBinding } from '../../lib/adapters/socket-io.binding.js';
import { flush } from '../held.js';
import { gatewayEntries, type GatewaySource as Source } from './gateway-entry.js';

const GOOD = 'https://app.example.com';
const OTHER = 'https://other.example.com';
const EVIL = 'https://evil.example';
const HOST = 'chat.example';

type AllowRequest = (req: IncomingMessage, cb: (...args: unknown[]) => void) => void;
type Middleware = (req: IncomingMessage, res: unknown, next: (...args: unknown[]) => void) => void;
type NspCheck = (socket: unknown, next: (err?: Error) => void) => void;
interface Engine {
  opts: { allowRequest?: unknown; cors?: unknown; path?: string };
  middlewares: Middleware[];
}

function io(options: Record<string, unknown> = {}): Server {
  const server = new Server(options);
  server.attach(createServer());
  return server;
}
const engineOf = (server: Server) => server.engine as unknown as Engine;

const entry = gatewayEntries('FeedGateway');

function request(origin: string | undefined, method = 'GET', headers: Record<string, string> = {}): IncomingMessage {
  return {
    method,
    url: '/socket.io/?EIO=4&transport=polling',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    headers: { host: HOST, ...(origin === undefined ? {} : { origin }), ...headers },
  } as unknown as IncomingMessage;
}

/** engine.io's allowRequest, called as engine.io does: the callback's arguments once they have landed. */
async function allow(engine: Engine, req: IncomingMessage) {
  const calls: unknown[][] = [];
  (engine.opts.allowRequest as AllowRequest)(req, (...args) => calls.push(args));
  await flush();
  return calls;
}

/** The first engine middleware (the library's), with a real ServerResponse: what it set and whether it passed on. */
async function throughMiddleware(engine: Engine, req: IncomingMessage) {
  const res = new ServerResponse(req);
  const next = jest.fn();
  engine.middlewares[0](req, res, next);
  await flush();
  return { res, headers: { ...res.getHeaders() }, next, ended: res.writableEnded };
}

function installed(source: Source | Source[], options: Record<string, unknown> = {}) {
  const server = io(options);
  const sources = Array.isArray(source) ? source : [source];
  const engine = engineOf(server);
  socketIoBinding.install(
    engine,
    sources.map((s) => entry(server, s)),
    () => undefined,
  );
  return { server, engine };
}

describe('socketIoBinding: which servers, where', () => {
  it('owns a Socket.IO server and a namespace of one, and nothing else', () => {
    const server = io();
    const of = () => undefined;
    const use = () => undefined;
    expect(socketIoBinding.owns(server)).toBe(true);
    expect(socketIoBinding.owns(server.of('/feed'))).toBe(true);
    expect(socketIoBinding.owns({ of, engine: {} })).toBe(true);
    expect(socketIoBinding.owns({})).toBe(false);
    expect(socketIoBinding.owns({ of: 'x', engine: {} })).toBe(false);
    expect(socketIoBinding.owns({ of, engine: null })).toBe(false);
    expect(socketIoBinding.owns({ of, engine: 'engine' })).toBe(false);
    expect(socketIoBinding.owns({ use, name: '/feed', server })).toBe(true);
    expect(socketIoBinding.owns({ use: 'x', name: '/feed', server })).toBe(false);
    expect(socketIoBinding.owns({ use, name: 1, server })).toBe(false);
    expect(socketIoBinding.owns({ use, name: '/feed', server: null })).toBe(false);
    expect(socketIoBinding.owns({ use, name: '/feed' })).toBe(false);
    expect(socketIoBinding.owns({ use, name: '/feed', server: 'io' })).toBe(false);
    expect(socketIoBinding.owns({ use, name: '/feed', server: {} })).toBe(false);
  });

  it("is the 'socket.io' transport", () => {
    expect(socketIoBinding.transport).toBe('socket.io');
  });

  it('the unit is the engine, for the server and each of its namespaces', () => {
    const server = io();
    expect(socketIoBinding.unitOf(server)).toBe(server.engine);
    expect(socketIoBinding.unitOf(server.of('/feed'))).toBe(server.engine);
  });

  it('describe: the engine path with its slash, and the namespace', () => {
    const server = io();
    expect(socketIoBinding.describe(server)).toEqual({ transport: 'socket.io', path: '/socket.io/', namespace: '/' });
    expect(socketIoBinding.describe(server.of('/feed'))).toEqual({ transport: 'socket.io', path: '/socket.io/', namespace: '/feed' });
    expect(socketIoBinding.describe(io({ path: '/rt/' }))).toMatchObject({ path: '/rt/' });
  });

  it.each<[string, object, string, string]>([
    ['the engine path', { engine: { opts: { path: '/engine' } }, path: () => '/server' }, '/engine/', '/'],
    ["then the server's path()", { engine: { opts: {} }, path: () => '/server' }, '/server/', '/'],
    ['else /socket.io/', { engine: { opts: {} } }, '/socket.io/', '/'],
    ['no main namespace yet: of("/")', { engine: { opts: {} }, of: () => ({ name: '/main' }) }, '/socket.io/', '/main'],
    ['a namespace without a name: /', { engine: { opts: {} }, of: () => ({}) }, '/socket.io/', '/'],
    ['no namespace at all: /', { engine: { opts: {} }, of: () => undefined }, '/socket.io/', '/'],
    ['sockets first', { engine: { opts: {} }, sockets: { name: '/sockets' }, of: () => ({ name: '/of' }) }, '/socket.io/', '/sockets'],
  ])('describe a stand-in: %s', (_name, server, path, namespace) => {
    const withOf = { of: () => ({ name: '/' }), ...server };
    expect(socketIoBinding.describe(withOf)).toEqual({ transport: 'socket.io', path, namespace });
  });
});

describe('socketIoBinding.problems', () => {
  const CORS_REASON =
    "Socket.IO's cors option only sets headers (it refuses no origin, and a WebSocket upgrade ignores it) and would send a second set next to the library's: remove it from @WebSocketGateway (or your IoAdapter) and put the origins in @Cors({ origin, credentials }) on the gateway";

  it.each<[string, unknown, string]>([
    ['an object', { origin: GOOD }, `{"origin":"${GOOD}"}`],
    ['a function (no JSON)', function allowAll() {}, 'function allowAll() { }'],
  ])("engine.io's own cors option is one, naming every gateway of the engine: %s", (_name, cors, value) => {
    const server = io();
    const engine = engineOf(server);
    engine.opts.cors = cors;
    const problems = socketIoBinding.problems(engine, [
      entry(server, { origin: GOOD }, { label: 'FeedGateway' }),
      entry(server.of('/chat'), { origin: GOOD }, { label: 'ChatGateway' }),
    ]);
    expect(problems).toEqual([{ route: 'FeedGateway, ChatGateway', field: 'cors', value, reason: CORS_REASON }]);
  });

  it('no cors option (false, as Socket.IO leaves it), one gateway per namespace: none', () => {
    const server = io();
    const engine = engineOf(server);
    expect(engine.opts.cors).toBe(false);
    expect(socketIoBinding.problems(engine, [entry(server, { origin: GOOD }), entry(server.of('/chat'), { origin: OTHER })])).toEqual([]);
  });

  it('gateways on one namespace with different policies: one problem naming them, the namespace and the path', () => {
    const server = io();
    const engine = engineOf(server);
    const feed = server.of('/feed');
    const problems = socketIoBinding.problems(engine, [
      entry(feed, { origin: GOOD }, { label: 'A' }),
      entry(feed, { origin: GOOD }, { label: 'B' }),
      entry(feed, { origin: OTHER }, { label: 'C' }),
      entry(server, { origin: GOOD }, { label: 'Root' }),
    ]);
    expect(problems).toEqual([
      {
        route: 'A, B, C',
        field: '@Cors',
        value: 'one Socket.IO namespace (/feed on /socket.io/)',
        reason:
          'these gateways share one namespace, so a socket any of them admits reaches the handlers of all of them: ' +
          'give them the same @Cors policy, or give each its own namespace (@WebSocketGateway({ namespace }))',
      },
    ]);
    expect(socketIoBinding.problems(engine, [entry(feed, { origin: GOOD }), entry(feed, { origin: GOOD })])).toEqual([]);
  });

  it('a stand-in without namespaces: no namespace to share, so no problem; one without a name is /', () => {
    const engine = { opts: {} as Record<string, unknown>, middlewares: [] };
    const noNamespace = { of: () => null, engine };
    expect(socketIoBinding.problems(engine, [entry(noNamespace, { origin: GOOD }), entry(noNamespace, { origin: OTHER })])).toEqual([]);
    const unnamed = { of: () => undefined, engine };
    const [problem] = socketIoBinding.problems(engine, [entry(unnamed, { origin: GOOD }), entry(unnamed, { origin: OTHER })]);
    expect(problem.value).toBe('one Socket.IO namespace (/ on /socket.io/)');
  });

  it('an engine without middlewares nor use() (socket.io before 4.6): a problem', () => {
    const server = { of: () => ({ name: '/' }), engine: { opts: {} } };
    expect(socketIoBinding.problems(server.engine, [entry(server, { origin: GOOD }, { label: 'OldGateway' })])).toEqual([
      {
        route: 'OldGateway',
        field: 'socket.io',
        value: 'engine.use',
        reason: 'the origin check needs socket.io 4.6 or newer (engine.io 6.4)',
      },
    ]);
    const withUse = { of: () => ({ name: '/' }), engine: { opts: {}, use: () => undefined } };
    expect(socketIoBinding.problems(withUse.engine, [entry(withUse, { origin: GOOD })])).toEqual([]);
  });
});

describe('socketIoBinding: allowRequest', () => {
  it('admits an allowed origin with callback(null, true), refuses another with ("Origin not allowed", false)', async () => {
    const { engine } = installed({ origin: GOOD });
    expect(await allow(engine, request(GOOD))).toEqual([[null, true]]);
    expect(await allow(engine, request(EVIL))).toEqual([['Origin not allowed', false]]);
    expect(await allow(engine, request(undefined))).toEqual([[null, true]]);
  });

  it("decides with the request's Host, and the first value of a repeated header", async () => {
    const { engine } = installed('same-origin');
    expect(await allow(engine, request(`https://${HOST}`))).toEqual([[null, true]]);
    const repeated = request(undefined);
    (repeated.headers as Record<string, unknown>).origin = [`https://${HOST}`, EVIL];
    (repeated.headers as Record<string, unknown>).host = [HOST, 'evil.example'];
    expect(await allow(engine, repeated)).toEqual([[null, true]]);
    expect(await allow(engine, request(GOOD))).toEqual([['Origin not allowed', false]]);
  });

  it("the app's own allowRequest runs after the check, for admitted origins only, with this and its callback", async () => {
    const calls: [unknown, string | undefined][] = [];
    const own = function (this: unknown, req: IncomingMessage, cb: (err: string | null, ok: boolean) => void) {
      calls.push([this, req.headers.origin]);
      cb('no ticket', false);
    };
    const { engine } = installed({ origin: GOOD }, { allowRequest: own });
    expect(await allow(engine, request(GOOD))).toEqual([['no ticket', false]]);
    expect(await allow(engine, request(EVIL))).toEqual([['Origin not allowed', false]]);
    expect(calls).toEqual([[engine.opts, GOOD]]);
  });

  it('decides once per request: the engine middleware reuses the handshake verdict', async () => {
    const asked: string[] = [];
    const { engine } = installed({ origin: (origin: string) => (asked.push(origin), Promise.resolve(origin === GOOD)) });
    const req = request(GOOD);
    expect(await allow(engine, req)).toEqual([[null, true]]);
    const through = await throughMiddleware(engine, req);
    expect(through.headers['access-control-allow-origin']).toBe(GOOD);
    expect(asked).toEqual([GOOD]);
  });

  it('guarded before install: a handshake waits for ready, then the installed check decides', async () => {
    const server = io();
    const engine = engineOf(server);
    let release!: () => void;
    socketIoBinding.guard(engine, new Promise<void>((resolve) => (release = resolve)));
    const calls: unknown[][] = [];
    (engine.opts.allowRequest as AllowRequest)(request(EVIL), (...args) => calls.push(args));
    await flush();
    expect(calls).toEqual([]);
    socketIoBinding.install(engine, [entry(server, { origin: GOOD })], () => undefined);
    release();
    await flush();
    expect(calls).toEqual([['Origin not allowed', false]]);
    expect(await allow(engine, request(GOOD))).toEqual([[null, true]]);
  });

  it('guard is idempotent: one accessor, one middleware; install reuses them', () => {
    const server = io();
    const engine = engineOf(server);
    socketIoBinding.guard(engine, Promise.resolve());
    const check = engine.opts.allowRequest;
    expect(() => socketIoBinding.guard(engine, Promise.resolve())).not.toThrow();
    socketIoBinding.install(engine, [entry(server, { origin: GOOD })], () => undefined);
    expect(engine.opts.allowRequest).toBe(check);
    expect(engine.middlewares).toHaveLength(1);
  });

  it('the middleware goes first among the engine middlewares, or through use() where there is no list', () => {
    const server = io();
    const engine = engineOf(server);
    const own: Middleware = (_req, _res, next) => next();
    engine.middlewares.push(own);
    socketIoBinding.guard(engine, Promise.resolve());
    expect(engine.middlewares).toHaveLength(2);
    expect(engine.middlewares[1]).toBe(own);

    const used: unknown[] = [];
    const old = { opts: {}, use: (fn: unknown) => used.push(fn) };
    socketIoBinding.guard(old, Promise.resolve());
    expect(used).toHaveLength(1);
    expect(typeof used[0]).toBe('function');

    // Neither (socket.io before 4.6): guarding does not throw; problems() stops the startup instead.
    const older = { opts: {} as Record<string, unknown> };
    expect(() => socketIoBinding.guard(older, Promise.resolve())).not.toThrow();
    expect(typeof older.opts.allowRequest).toBe('function');
  });

  it('once installed, a request is decided at once, without waiting for ready', () => {
    const { engine } = installed({ origin: GOOD });
    const req = request(GOOD);
    const res = new ServerResponse(req);
    const next = jest.fn();
    engine.middlewares[0](req, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    expect(res.getHeader('access-control-allow-origin')).toBe(GOOD);
  });
});

describe('socketIoBinding: the engine middleware (long-polling CORS headers)', () => {
  it('an allowed origin: its ACAO, the policy tail, Vary: Origin, then the next middleware', async () => {
    const { engine } = installed({ origin: GOOD, credentials: true, exposedHeaders: ['X-Feed'] });
    const through = await throughMiddleware(engine, request(GOOD));
    expect(through.headers).toEqual({
      vary: 'Origin',
      'access-control-allow-origin': GOOD,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Feed',
    });
    expect(through.next.mock.calls).toEqual([[]]);
  });

  it("an unlisted origin: Vary only; no Origin: Vary only; '*': ACAO * and no Vary", async () => {
    const { engine } = installed({ origin: GOOD });
    expect((await throughMiddleware(engine, request(EVIL))).headers).toEqual({ vary: 'Origin' });
    const none = await throughMiddleware(engine, request(undefined));
    expect(none.headers).toEqual({ vary: 'Origin' });
    expect(none.next).toHaveBeenCalledTimes(1);
    const star = installed({ origin: '*' });
    expect((await throughMiddleware(star.engine, request(EVIL))).headers).toEqual({ 'access-control-allow-origin': '*' });
  });

  it("several gateways: Vary when any answer depends on the origin, even if another is open to '*'", async () => {
    const mixed = installed([{ origin: '*' }, { origin: GOOD }]);
    expect((await throughMiddleware(mixed.engine, request(EVIL))).headers).toEqual({ vary: 'Origin', 'access-control-allow-origin': '*' });
    const open = installed([{ origin: '*' }, false]);
    expect((await throughMiddleware(open.engine, request(EVIL))).headers).toEqual({ 'access-control-allow-origin': '*' });
  });

  it('same origin only: Vary, no CORS headers even for its own host; the check off: nothing', async () => {
    const same = installed('same-origin');
    expect((await throughMiddleware(same.engine, request(`https://${HOST}`))).headers).toEqual({ vary: 'Origin' });
    const off = installed(false);
    const through = await throughMiddleware(off.engine, request(EVIL));
    expect(through.headers).toEqual({});
    expect(through.next).toHaveBeenCalledTimes(1);
  });

  it('an upgrade (not a ServerResponse): straight on, nothing set', async () => {
    const { engine } = installed({ origin: GOOD });
    const res = { setHeader: jest.fn() };
    const next = jest.fn();
    engine.middlewares[0](request(GOOD), res, next);
    await flush();
    expect(res.setHeader).not.toHaveBeenCalled();
    expect(next.mock.calls).toEqual([[]]);
  });

  it('a response sent while the origin was being decided: no ACAO (no throw), still on to the next middleware', async () => {
    let answer!: (ok: boolean) => void;
    const { engine } = installed({ origin: () => new Promise<boolean>((resolve) => (answer = resolve)) });
    const req = request(GOOD);
    const res = new ServerResponse(req);
    const next = jest.fn();
    engine.middlewares[0](req, res, next);
    await flush();
    expect(next).not.toHaveBeenCalled();
    res.end();
    answer(true);
    await flush();
    expect(res.getHeader('access-control-allow-origin')).toBeUndefined();
    expect(next.mock.calls).toEqual([[]]);
  });

  it('an origin decided later: headers once it settles; a failing decision: on without them', async () => {
    const { engine } = installed({ origin: (origin: string) => Promise.resolve(origin === GOOD) });
    expect((await throughMiddleware(engine, request(GOOD))).headers).toEqual({ vary: 'Origin', 'access-control-allow-origin': GOOD });
    expect((await throughMiddleware(engine, request(EVIL))).headers).toEqual({ vary: 'Origin' });
  });

  it('guarded, before install: waits for ready, then the installed middleware; ready rejected or nothing installed: on', async () => {
    const server = io();
    const engine = engineOf(server);
    let release!: () => void;
    socketIoBinding.guard(engine, new Promise<void>((resolve) => (release = resolve)));
    const res = new ServerResponse(request(GOOD));
    const next = jest.fn();
    engine.middlewares[0](request(GOOD), res, next);
    await flush();
    expect(next).not.toHaveBeenCalled();
    socketIoBinding.install(engine, [entry(server, { origin: GOOD })], () => undefined);
    release();
    await flush();
    expect(res.getHeader('access-control-allow-origin')).toBe(GOOD);
    expect(next).toHaveBeenCalledTimes(1);

    const refused = engineOf(io());
    socketIoBinding.guard(refused, Promise.reject(new Error('CorsConfigError')));
    const afterReject = await throughMiddleware(refused, request(GOOD));
    expect(afterReject.headers).toEqual({});
    expect(afterReject.next.mock.calls).toEqual([[]]);

    const empty = engineOf(io());
    socketIoBinding.guard(empty, Promise.resolve());
    const uninstalled = await throughMiddleware(empty, request(GOOD));
    expect(uninstalled.headers).toEqual({});
    expect(uninstalled.next.mock.calls).toEqual([[]]);
  });
});

describe('socketIoBinding: preflights on the engine path', () => {
  const preflight = (origin: string, method = 'POST', headers: Record<string, string> = {}) =>
    request(origin, 'OPTIONS', { 'access-control-request-method': method, ...headers });

  it('granted per the policy: its status and headers, answered here (never next)', async () => {
    const { engine } = installed({ origin: GOOD, credentials: true, allowedHeaders: ['X-Token'], maxAge: 600 });
    const through = await throughMiddleware(engine, preflight(GOOD, 'POST', { 'access-control-request-headers': 'x-token' }));
    expect(through.res.statusCode).toBe(204);
    expect(through.headers).toEqual({
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      'access-control-allow-origin': GOOD,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'x-token',
      'access-control-max-age': '600',
      'content-length': '0',
    });
    expect(through.ended).toBe(true);
    expect(through.next).not.toHaveBeenCalled();
  });

  it.each<[string, IncomingMessage]>([
    ['an unlisted origin', preflight(EVIL)],
    ['a method polling never uses', preflight(GOOD, 'DELETE')],
    ['a header the policy does not allow', preflight(GOOD, 'GET', { 'access-control-request-headers': 'x-other' })],
  ])('refused: %s gets 403, the preflight Vary and no CORS headers', async (_name, req) => {
    const { engine } = installed({ origin: GOOD, allowedHeaders: ['X-Token'] });
    const through = await throughMiddleware(engine, req);
    expect(through.res.statusCode).toBe(403);
    expect(through.headers).toEqual({
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
      'content-length': '0',
    });
    expect(through.next).not.toHaveBeenCalled();
  });

  it('several gateways on the engine: the first policy that grants answers', async () => {
    const { engine } = installed([{ origin: OTHER }, { origin: (o: string) => Promise.resolve(o === GOOD) }, { origin: GOOD, maxAge: 5 }]);
    const through = await throughMiddleware(engine, preflight(GOOD));
    expect(through.res.statusCode).toBe(204);
    expect(through.headers['access-control-allow-origin']).toBe(GOOD);
    // The async one granted first: no Max-Age (that was the third's).
    expect(through.headers['access-control-max-age']).toBeUndefined();
    const refused = await throughMiddleware(engine, preflight(EVIL));
    expect(refused.res.statusCode).toBe(403);
  });

  it('a policy whose origin check throws or rejects refuses, and the next one is asked', async () => {
    const { engine } = installed([
      {
        origin: () => {
          throw new Error('bug');
        },
      },
      { origin: () => Promise.reject(new Error('store down')) },
      { origin: GOOD },
    ]);
    const through = await throughMiddleware(engine, preflight(GOOD));
    expect(through.res.statusCode).toBe(204);
    expect(through.headers['access-control-allow-origin']).toBe(GOOD);
  });

  it.each<[string, string, Record<string, string>]>([
    ['OPTIONS without Access-Control-Request-Method', 'OPTIONS', {}],
    ['a POST with Access-Control-Request-Method', 'POST', { 'access-control-request-method': 'POST' }],
  ])('%s is no preflight: on to engine.io, with the headers of an actual request', async (_name, method, headers) => {
    const { engine } = installed({ origin: GOOD });
    const through = await throughMiddleware(engine, request(GOOD, method, headers));
    expect(through.next).toHaveBeenCalledTimes(1);
    expect(through.ended).toBe(false);
    expect(through.headers).toEqual({ vary: 'Origin', 'access-control-allow-origin': GOOD });
  });

  it('a response sent while the origin was being decided: the answer is left alone', async () => {
    let answer!: (ok: boolean) => void;
    const { engine } = installed({ origin: () => new Promise<boolean>((resolve) => (answer = resolve)) });
    const req = preflight(GOOD);
    const res = new ServerResponse(req);
    const next = jest.fn();
    engine.middlewares[0](req, res, next);
    await flush();
    res.statusCode = 418;
    res.end();
    answer(true);
    await flush();
    expect(res.statusCode).toBe(418);
    expect(res.getHeader('access-control-allow-origin')).toBeUndefined();
    expect(next).not.toHaveBeenCalled();
  });
});

describe('socketIoBinding: several namespaces on one engine', () => {
  const socket = (origin: string | undefined) => ({
    request: request(origin),
    handshake: { headers: { host: HOST, ...(origin === undefined ? {} : { origin }) } },
  });
  async function join(check: NspCheck, origin: string | undefined) {
    const calls: unknown[][] = [];
    check(socket(origin), (...args: unknown[]) => calls.push(args.map((a) => (a instanceof Error ? a.message : a))));
    await flush();
    return calls;
  }

  it("each namespace checks its own policy first, before the app's own namespace middleware", async () => {
    const server = io();
    const feed = server.of('/feed');
    const own: NspCheck = (_s, next) => next();
    feed.use(own);
    socketIoBinding.install(
      server.engine,
      [entry(server, { origin: GOOD }), entry(feed, { origin: (o: string) => Promise.resolve(o === OTHER) })],
      () => undefined,
    );
    const fns = (nsp: object) => (nsp as { _fns: NspCheck[] })._fns;
    expect(fns(feed)).toHaveLength(2);
    expect(fns(feed)[1]).toBe(own);
    expect(fns(server.sockets)).toHaveLength(1);
    expect(await join(fns(server.sockets)[0], GOOD)).toEqual([[]]);
    expect(await join(fns(server.sockets)[0], OTHER)).toEqual([['Origin not allowed']]);
    expect(await join(fns(feed)[0], OTHER)).toEqual([[]]);
    expect(await join(fns(feed)[0], GOOD)).toEqual([['Origin not allowed']]);
    // The handshake admits the union.
    expect(await allow(engineOf(server), request(OTHER))).toEqual([[null, true]]);
    expect(await allow(engineOf(server), request(EVIL))).toEqual([['Origin not allowed', false]]);
  });

  it('a namespace check whose decision rejects refuses', async () => {
    const server = io();
    const feed = server.of('/feed');
    socketIoBinding.install(
      server.engine,
      [entry(server, { origin: GOOD }), entry(feed, { origin: () => Promise.reject(new Error('store down')) })],
      () => undefined,
    );
    const check = (feed as unknown as { _fns: NspCheck[] })._fns[0];
    expect(await join(check, GOOD)).toEqual([['Origin not allowed']]);
  });

  it('one namespace: no namespace check (the handshake is the check)', () => {
    const server = io();
    socketIoBinding.install(server.engine, [entry(server, { origin: GOOD }), entry(server, { origin: GOOD })], () => undefined);
    expect((server.sockets as unknown as { _fns: NspCheck[] })._fns).toHaveLength(0);
  });

  it('a namespace without a middleware list gets the check through use()', () => {
    const server = io();
    const used: unknown[] = [];
    const bare = { name: '/bare', server, use: (fn: unknown) => used.push(fn) };
    socketIoBinding.install(server.engine, [entry(server, { origin: GOOD }), entry(bare, { origin: OTHER })], () => undefined);
    expect(used).toHaveLength(1);
  });
});
