/**
 * The ws binding on its own, without Nest or sockets: a ws server (real, `noServer`, or a stand-in) whose
 * `verifyClient` the test calls as ws would, `(info, callback)` on `server.options`. What ws.e2e.spec.ts shows through
 * real upgrades, here with every form of the app's own verifyClient and the exact callback arguments.
 */
import { jest } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import { wsBinding } from '../../lib/adapters/ws.binding.js';
import { flush } from '../held.js';
import { gatewayEntries, type GatewaySource } from './gateway-entry.js';

const GOOD = 'https://app.example.com';
const OTHER = 'https://other.example.com';
const EVIL = 'https://evil.example';
const HOST = 'chat.example';
const REFUSED = [false, 403, 'Origin not allowed'];

type Callback = (...args: unknown[]) => void;
type Options = { verifyClient?: unknown; path?: string; cors?: unknown };
interface FakeServer {
  options: Options;
  path?: string;
  handleUpgrade(): void;
  shouldHandle(): boolean;
}

function fakeServer(options: Options = {}, path?: string): FakeServer {
  return { options, ...(path === undefined ? {} : { path }), handleUpgrade: () => undefined, shouldHandle: () => true };
}

const entry = gatewayEntries('ChatGateway');

/** Calls the server's verifyClient as ws does; resolves with every callback call once they have landed. */
async function verify(server: { options: Options }, origin: string | undefined, headers: Record<string, string> = {}) {
  const calls: unknown[][] = [];
  const info = { origin, secure: false, req: { headers: { host: HOST, ...headers } } as unknown as IncomingMessage };
  (server.options.verifyClient as (i: typeof info, cb: Callback) => void)(info, (...args) => calls.push(args));
  await flush();
  return calls;
}

/** A server guarded and installed with one gateway of this policy. */
function installed(source: GatewaySource, options: Options = {}) {
  const server = fakeServer(options);
  const logs: [string, string][] = [];
  wsBinding.install(server, [entry(server, source)], (level, message) => logs.push([level, message]));
  return { server, logs };
}

describe('wsBinding: which servers, where', () => {
  it('owns a ws server (real, or anything with handleUpgrade, shouldHandle and options) and nothing else', () => {
    expect(wsBinding.owns(new WebSocketServer({ noServer: true }))).toBe(true);
    expect(wsBinding.owns(fakeServer())).toBe(true);
    const { handleUpgrade, shouldHandle } = fakeServer();
    expect(wsBinding.owns({ shouldHandle, options: {} })).toBe(false);
    expect(wsBinding.owns({ handleUpgrade, options: {} })).toBe(false);
    expect(wsBinding.owns({ handleUpgrade, shouldHandle })).toBe(false);
    expect(wsBinding.owns({ handleUpgrade: {}, shouldHandle, options: {} })).toBe(false);
    expect(wsBinding.owns({ handleUpgrade, shouldHandle: true, options: {} })).toBe(false);
    expect(wsBinding.owns({ handleUpgrade, shouldHandle, options: 'path=/chat' })).toBe(false);
  });

  it("is the 'ws' transport", () => {
    expect(wsBinding.transport).toBe('ws');
  });

  it('a unit is the server itself', () => {
    const server = fakeServer();
    expect(wsBinding.unitOf(server)).toBe(server);
  });

  it.each<[string, FakeServer, string]>([
    ["Nest's own path (noServer) first", fakeServer({ path: '/ws-option' }, '/nest'), '/nest'],
    ["then ws's path option", fakeServer({ path: '/chat' }), '/chat'],
    ['a path without its slash gets one', fakeServer({}, 'chat'), '/chat'],
    ['no path: /', fakeServer(), '/'],
  ])('describe: %s', (_name, server, path) => {
    expect(wsBinding.describe(server)).toEqual({ transport: 'ws', path, namespace: null });
  });

  it('describe reads a real ws server', () => {
    expect(wsBinding.describe(new WebSocketServer({ noServer: true, path: '/chat' }))).toEqual({
      transport: 'ws',
      path: '/chat',
      namespace: null,
    });
  });
});

describe('wsBinding.problems', () => {
  const CORS_REASON =
    'ws has no cors option (it is ignored: every origin connects): remove it and put the origins in @Cors({ origin }) on the gateway';

  it.each<[string, unknown, string]>([
    ['an object', { origin: GOOD }, `{"origin":"${GOOD}"}`],
    ['true', true, 'true'],
    ['a function (no JSON)', function allowAll() {}, 'function allowAll() { }'],
  ])('a cors option on a gateway is one: %s', (_name, cors, value) => {
    const server = fakeServer();
    const problems = wsBinding.problems(server, [entry(server, { origin: GOOD }, { label: 'ChatGateway', options: { cors } })]);
    expect(problems).toEqual([{ route: 'ChatGateway', field: 'cors', value, reason: CORS_REASON }]);
  });

  it.each([undefined, false])('cors: %p is none', (cors) => {
    const server = fakeServer();
    expect(wsBinding.problems(server, [entry(server, { origin: GOOD }, { options: { cors } })])).toEqual([]);
  });

  it('gateways sharing a server with different policies: one problem naming them all, the port and the path', () => {
    const server = fakeServer({ path: '/shared' });
    const problems = wsBinding.problems(server, [
      entry(server, { origin: GOOD }, { label: 'AdminGateway', port: 8080 }),
      entry(server, { origin: GOOD }, { label: 'AdminTwinGateway', port: 8080 }),
      entry(server, { origin: OTHER }, { label: 'PublicGateway', port: 8080 }),
    ]);
    expect(problems).toEqual([
      {
        route: 'AdminGateway, AdminTwinGateway, PublicGateway',
        field: '@Cors',
        value: 'one ws server (port 8080, path /shared)',
        reason:
          'these gateways share one ws server, so a client any of them admits reaches the handlers of all of them: ' +
          'give them the same @Cors policy, or give each its own path (@WebSocketGateway({ path }))',
      },
    ]);
  });

  it('on the HTTP server (port 0), the value says so; with the same policy, no problem', () => {
    const server = fakeServer({}, '/shared');
    const [problem] = wsBinding.problems(server, [entry(server, { origin: GOOD }), entry(server, false)]);
    expect(problem.value).toBe('one ws server (port of the HTTP server, path /shared)');
    expect(wsBinding.problems(server, [entry(server, { origin: GOOD }), entry(server, { origin: GOOD })])).toEqual([]);
    expect(wsBinding.problems(server, [entry(server, { origin: GOOD })])).toEqual([]);
  });
});

describe('wsBinding: the verifyClient it installs', () => {
  it('admits an allowed origin with callback(true), refuses another with 403 "Origin not allowed"', async () => {
    const { server } = installed({ origin: GOOD });
    expect(await verify(server, GOOD)).toEqual([[true]]);
    expect(await verify(server, EVIL)).toEqual([REFUSED]);
    // No Origin: not a browser page, admitted by default.
    expect(await verify(server, undefined)).toEqual([[true]]);
  });

  it("decides with the request's Host (same origin only)", async () => {
    const { server } = installed('same-origin');
    expect(await verify(server, `https://${HOST}`)).toEqual([[true]]);
    expect(await verify(server, GOOD)).toEqual([REFUSED]);
  });

  it('gives the origin function the request', async () => {
    const seen: unknown[] = [];
    const { server } = installed({ origin: (_origin: string, request: unknown) => (seen.push(request), true) });
    expect(await verify(server, GOOD, { 'x-tenant': 't1' })).toEqual([[true]]);
    expect(seen).toEqual([{ headers: { host: HOST, 'x-tenant': 't1' } }]);
  });

  it('works on a real ws server, on its own options object', async () => {
    const server = new WebSocketServer({ noServer: true, path: '/chat' }) as unknown as { options: Options };
    wsBinding.install(server, [entry(server, { origin: GOOD })], () => undefined);
    expect(await verify(server, GOOD)).toEqual([[true]]);
    expect(await verify(server, EVIL)).toEqual([REFUSED]);
  });

  it('guarded before install: a handshake waits for ready and is then decided by the installed check', async () => {
    const server = fakeServer();
    let release!: () => void;
    wsBinding.guard(server, new Promise<void>((resolve) => (release = resolve)));
    const calls: unknown[][] = [];
    const info = { origin: EVIL, secure: false, req: { headers: { host: HOST } } };
    (server.options.verifyClient as (i: typeof info, cb: Callback) => void)(info, (...args) => calls.push(args));
    await flush();
    expect(calls).toEqual([]);
    wsBinding.install(server, [entry(server, { origin: GOOD })], () => undefined);
    release();
    await flush();
    expect(calls).toEqual([REFUSED]);
    expect(await verify(server, GOOD)).toEqual([[true]]);
  });

  it('guarded, and ready rejects (the policies did not compile): refused', async () => {
    const server = fakeServer();
    wsBinding.guard(server, Promise.reject(new Error('CorsConfigError')));
    expect(await verify(server, GOOD)).toEqual([REFUSED]);
  });

  it('guard is idempotent: a second guard keeps the first (no second accessor), install reuses it', async () => {
    const server = fakeServer();
    let release!: () => void;
    wsBinding.guard(server, new Promise<void>((resolve) => (release = resolve)));
    const check = server.options.verifyClient;
    expect(() => wsBinding.guard(server, Promise.resolve())).not.toThrow();
    expect(server.options.verifyClient).toBe(check);
    // Still waiting for the first ready: the second one (already resolved) was not taken.
    const pending = verify(server, GOOD);
    expect(await pending).toEqual([]);
    wsBinding.install(server, [entry(server, { origin: GOOD })], () => undefined);
    release();
    await flush();
    expect(await verify(server, GOOD)).toEqual([[true]]);
  });
});

describe("wsBinding: the app's own verifyClient, after the origin check", () => {
  it('two parameters: called with the info, its callback and the options as this; its answer is the answer', async () => {
    const calls: unknown[][] = [];
    const selves: unknown[] = [];
    const user = function (this: unknown, info: { origin: string }, cb: Callback) {
      calls.push([info.origin]);
      selves.push(this);
      cb(false, 401, 'no ticket', { 'X-Why': 'ticket' });
    };
    const { server } = installed({ origin: GOOD }, { verifyClient: user });
    expect(await verify(server, GOOD)).toEqual([[false, 401, 'no ticket', { 'X-Why': 'ticket' }]]);
    expect(await verify(server, EVIL)).toEqual([REFUSED]);
    expect(calls).toEqual([[GOOD]]);
    expect(selves).toEqual([server.options]);
  });

  it('three parameters count as the callback form too', async () => {
    const user = (_info: unknown, cb: Callback, _extra: unknown) => cb(true);
    const { server } = installed({ origin: GOOD }, { verifyClient: user });
    expect(await verify(server, GOOD)).toEqual([[true]]);
  });

  it.each<[string, (info: { origin: string }) => unknown, unknown[]]>([
    ['true: admitted', () => true, [true]],
    ['a truthy value: admitted', () => 'yes', [true]],
    ['false: 401', () => false, [false, 401]],
    ['undefined: 401', () => undefined, [false, 401]],
    ['null: 401', () => null, [false, 401]],
    [
      'a throw: 401',
      () => {
        throw new Error('bad ticket');
      },
      [false, 401],
    ],
    ['a promise of true: admitted', () => Promise.resolve(true), [true]],
    ['a promise of false: 401', () => Promise.resolve(false), [false, 401]],
    ['a rejected promise: 401', () => Promise.reject(new Error('store down')), [false, 401]],
    ['an async function saying yes', async () => true, [true]],
  ])('one parameter, returning %s', async (_name, answer, expected) => {
    const user = jest.fn(answer);
    const { server } = installed({ origin: GOOD }, { verifyClient: user });
    expect(await verify(server, GOOD)).toEqual([expected]);
    expect(await verify(server, EVIL)).toEqual([REFUSED]);
    expect(user).toHaveBeenCalledTimes(1);
  });

  it('one parameter: called with the options as this', async () => {
    const selves: unknown[] = [];
    const user = function (this: unknown) {
      selves.push(this);
      return true;
    };
    const { server } = installed({ origin: GOOD }, { verifyClient: user });
    await verify(server, GOOD);
    expect(selves).toEqual([server.options]);
  });

  it('set on the options after install: chained behind the check, in either form', async () => {
    const { server } = installed({ origin: GOOD });
    server.options.verifyClient = (_info: unknown, cb: Callback) => cb(false, 401);
    expect(await verify(server, GOOD)).toEqual([[false, 401]]);
    expect(await verify(server, EVIL)).toEqual([REFUSED]);
    server.options.verifyClient = null;
    expect(await verify(server, GOOD)).toEqual([[true]]);
  });
});

describe('wsBinding.install: the warning for a one-parameter async verifyClient', () => {
  const WARNING =
    'ChatGateway, TwinGateway: verifyClient is an async function with one parameter: ws alone would take its promise as "accept" ' +
    'whatever it resolves to; the library awaits it, but write it as (info, callback) to be safe without the library';

  function logsFor(verifyClient: unknown) {
    const server = fakeServer({ verifyClient });
    const logs: [string, string][] = [];
    const entries = [entry(server, { origin: GOOD }), entry(server, { origin: GOOD }, { label: 'TwinGateway' })];
    wsBinding.install(server, entries, (level, message) => logs.push([level, message]));
    return logs;
  }

  it('warns once, naming the gateways', () => {
    expect(logsFor(async (_info: unknown) => true)).toEqual([['warn', WARNING]]);
  });

  it.each<[string, unknown]>([
    ['none', undefined],
    ['a synchronous one-parameter function', (_info: unknown) => true],
    ['a one-parameter function returning a promise (not async)', (_info: unknown) => Promise.resolve(true)],
    ['an async function with the callback', async (_info: unknown, _cb: unknown) => undefined],
  ])('no warning for %s', (_name, verifyClient) => {
    expect(logsFor(verifyClient)).toEqual([]);
  });

  it('a function without a constructor is not taken for async (and install does not throw)', () => {
    const odd = (_info: unknown) => true;
    Object.defineProperty(odd, 'constructor', { value: undefined });
    expect(logsFor(odd)).toEqual([]);
  });
});
