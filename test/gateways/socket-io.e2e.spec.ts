/** Socket.IO gateways under @Cors: refused origins never get a session or a 101; polling gets the engine's headers. */
import { Controller, Get, INestApplication, Injectable, ModuleMetadata, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ADAPTERS, AdapterName, httpAdapterFor } from '../helpers.js';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import { Cors, CorsConfigError, CorsModule, CorsOriginResolver, CorsPolicyService } from '../../lib/index.js';
import { ask, baseUrl, initError, ioConnect, pollingHandshake, raw, upgrade } from './gateway.harness.js';

const GOOD = 'https://app.example.com';
const OTHER = 'https://other.example.com';
const EVIL = 'https://evil.example';

function suite(adapter: AdapterName): void {
  /** What bootstrap of an app with these gateways and CorsModule.forRoot() stops with (null when it starts). */
  async function startupError(...providers: Type[]): Promise<unknown> {
    const moduleRef = await Test.createTestingModule({ imports: [CorsModule.forRoot()], providers }).compile();
    const app = moduleRef.createNestApplication(await httpAdapterFor(adapter), { logger: false });
    return initError(app);
  }
  async function listen(metadata: ModuleMetadata): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule(metadata).compile();
    const app = moduleRef.createNestApplication(await httpAdapterFor(adapter), { logger: false });
    await app.listen(0, '127.0.0.1');
    return app;
  }

  @WebSocketGateway()
  @Cors({ origin: GOOD, credentials: true, allowedHeaders: ['X-Token'], maxAge: 60 })
  class EchoGateway {
    @SubscribeMessage('echo')
    echo(@MessageBody() data: unknown) {
      return data;
    }
  }

  describe('a Socket.IO gateway with @Cors', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await listen({ imports: [CorsModule.forRoot()], providers: [EchoGateway] });
    });
    afterAll(() => app.close());

    it('a polling handshake from a listed origin gets a session and the headers of an HTTP route', async () => {
      const res = await pollingHandshake(app, GOOD);
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/^0\{"sid":/);
      expect(res.headers['access-control-allow-origin']).toBe(GOOD);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(res.headers['vary']).toBe('Origin');
    });

    it('a polling handshake from an unlisted origin gets 403, no session id, no CORS headers', async () => {
      const res = await pollingHandshake(app, EVIL);
      expect(res.status).toBe(403);
      expect(res.body).not.toMatch(/sid/);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.headers['vary']).toBe('Origin');
    });

    it('a direct WebSocket upgrade from an unlisted origin never gets 101; a listed one does', async () => {
      const url = `${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`;
      expect((await upgrade(url, EVIL)).status).not.toBe(101);
      expect((await upgrade(url, GOOD)).status).toBe(101);
    });

    it.each([['polling'], ['websocket']] as const)(
      'socket.io-client over %s: a listed origin connects and exchanges an event',
      async (transport) => {
        const outcome = await ioConnect(app, { origin: GOOD, transports: [transport] });
        expect(outcome.connected).toBe(true);
        if (!outcome.connected) return;
        await expect(ask(outcome.socket, 'echo', { hi: 1 })).resolves.toEqual({ hi: 1 });
        outcome.socket.close();
      },
    );

    it.each([['polling'], ['websocket']] as const)('socket.io-client over %s: an unlisted origin is refused', async (transport) => {
      const outcome = await ioConnect(app, { origin: EVIL, transports: [transport] });
      expect(outcome.connected).toBe(false);
    });

    it('a client without Origin (not a browser page) connects by default', async () => {
      const outcome = await ioConnect(app, { transports: ['websocket'] });
      expect(outcome.connected).toBe(true);
      if (outcome.connected) outcome.socket.close();
    });

    it('a preflight (extraHeaders) is answered per the policy', async () => {
      const url = `${baseUrl(app)}/socket.io/?EIO=4&transport=polling`;
      const ok = await raw(url, 'OPTIONS', {
        Origin: GOOD,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'x-token',
      });
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(GOOD);
      expect(ok.headers['access-control-allow-credentials']).toBe('true');
      expect(ok.headers['access-control-allow-headers']).toBe('x-token');
      expect(ok.headers['access-control-allow-methods']).toBe('GET, POST');
      expect(ok.headers['access-control-max-age']).toBe('60');
      const otherHeader = await raw(url, 'OPTIONS', {
        Origin: GOOD,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'x-other',
      });
      expect(otherHeader.status).toBe(403);
      const evil = await raw(url, 'OPTIONS', { Origin: EVIL, 'Access-Control-Request-Method': 'GET' });
      expect(evil.status).toBe(403);
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('routes() lists the gateway and evaluate() explains a handshake', async () => {
      const service = app.get(CorsPolicyService);
      expect(service.routes()).toContainEqual({
        kind: 'gateway',
        method: 'GET',
        path: '/socket.io/',
        controller: 'EchoGateway',
        handler: 'handshake',
        policy: expect.objectContaining({ origin: GOOD, credentials: true }),
        gateway: { transport: 'socket.io', namespace: '/', port: 0, check: 'policy' },
      });
      const good = await service.evaluate({ origin: GOOD, method: 'GET', path: '/socket.io/' });
      expect(good).toMatchObject({ allowed: true, route: { controller: 'EchoGateway', handler: 'handshake' } });
      expect(good.headers).toEqual({ Vary: 'Origin', 'Access-Control-Allow-Origin': GOOD, 'Access-Control-Allow-Credentials': 'true' });
      const evil = await service.evaluate({ origin: EVIL, method: 'GET', path: '/socket.io/' });
      expect(evil.allowed).toBe(false);
      expect(evil.reason).toMatch(/handshake refused.*not in the gateway's policy/);
    });
  });

  @Injectable()
  class TenantOrigins extends CorsOriginResolver {
    readonly allowed = new Set<string>();
    calls = 0;
    isOriginAllowed(origin: string, request: unknown): boolean {
      this.calls++;
      this.lastRequest = request;
      return this.allowed.has(origin);
    }
    lastRequest: unknown;
  }

  @WebSocketGateway()
  @Cors({ origin: TenantOrigins, credentials: true })
  class TenantGateway {
    @SubscribeMessage('ping') ping() {
      return 'pong';
    }
  }

  @Controller('profile')
  @Cors({ origin: TenantOrigins, credentials: true })
  class ProfileController {
    @Get() get() {
      return {};
    }
  }

  describe('a resolver-backed gateway', () => {
    let app: INestApplication;
    let tenants: TenantOrigins;
    beforeAll(async () => {
      app = await listen({ imports: [CorsModule.forRoot()], providers: [TenantOrigins, TenantGateway], controllers: [ProfileController] });
      tenants = app.get(TenantOrigins);
    });
    afterAll(() => app.close());

    it('follows invalidate() at once, in the decision cache HTTP routes use', async () => {
      expect((await pollingHandshake(app, OTHER)).status).toBe(403);
      tenants.allowed.add(OTHER);
      // The "no" is cached (negativeTtl 10 s): still refused until invalidated, as on HTTP routes.
      expect((await pollingHandshake(app, OTHER)).status).toBe(403);
      await app.get(CorsPolicyService).invalidate(OTHER);
      expect((await pollingHandshake(app, OTHER)).status).toBe(200);
      const ws = await ioConnect(app, { origin: OTHER, transports: ['websocket'] });
      expect(ws.connected).toBe(true);
      if (ws.connected) {
        await expect(ask(ws.socket, 'ping', null)).resolves.toBe('pong');
        ws.socket.close();
      }
      tenants.allowed.delete(OTHER);
      await app.get(CorsPolicyService).invalidate();
      expect((await ioConnect(app, { origin: OTHER, transports: ['websocket'] })).connected).toBe(false);
    });

    it('shares one cached answer between the HTTP route and the gateway, and hands the resolver the request', async () => {
      const origin = 'https://shared.example.com';
      tenants.allowed.add(origin);
      const before = tenants.calls;
      const get = await raw(`${baseUrl(app)}/profile`, 'GET', { Origin: origin });
      expect(get.headers['access-control-allow-origin']).toBe(origin);
      expect((await upgrade(`${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`, origin)).status).toBe(101);
      expect((await pollingHandshake(app, origin)).status).toBe(200);
      expect(tenants.calls - before).toBe(1);
      await app.get(CorsPolicyService).invalidate(origin);
      expect((await pollingHandshake(app, origin)).status).toBe(200);
      expect(tenants.calls - before).toBe(2);
      expect((tenants.lastRequest as IncomingMessage).headers.origin).toBe(origin);
    });
  });

  @WebSocketGateway({ namespace: 'a' })
  @Cors({ origin: GOOD })
  class AGateway {
    @SubscribeMessage('who') who() {
      return 'a';
    }
  }

  @WebSocketGateway({ namespace: 'b' })
  @Cors({ origin: OTHER })
  class BGateway {
    @SubscribeMessage('who') who() {
      return 'b';
    }
  }

  describe('two namespaced gateways on one server', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await listen({ imports: [CorsModule.forRoot()], providers: [AGateway, BGateway] });
    });
    afterAll(() => app.close());

    it.each([['polling'], ['websocket']] as const)('each keeps its own policy (%s)', async (transport) => {
      for (const [origin, namespace, expected] of [
        [GOOD, '/a', 'a'],
        [OTHER, '/b', 'b'],
      ] as const) {
        const outcome = await ioConnect(app, { origin, namespace, transports: [transport] });
        expect(outcome.connected).toBe(true);
        if (outcome.connected) {
          await expect(ask(outcome.socket, 'who', null)).resolves.toBe(expected);
          outcome.socket.close();
        }
      }
      const crossA = await ioConnect(app, { origin: OTHER, namespace: '/a', transports: [transport] });
      expect(crossA).toEqual({ connected: false, error: 'Origin not allowed' });
      const crossB = await ioConnect(app, { origin: GOOD, namespace: '/b', transports: [transport] });
      expect(crossB).toEqual({ connected: false, error: 'Origin not allowed' });
    });

    it('the handshake admits the union: any other origin gets no session and no 101', async () => {
      expect((await pollingHandshake(app, EVIL)).status).toBe(403);
      expect((await upgrade(`${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`, EVIL)).status).not.toBe(101);
      expect((await pollingHandshake(app, OTHER)).status).toBe(200);
    });

    it('evaluate() tells the handshake from the namespace', async () => {
      const service = app.get(CorsPolicyService);
      await expect(service.evaluate({ origin: OTHER, method: 'GET', path: '/socket.io/', namespace: '/b' })).resolves.toMatchObject({
        allowed: true,
      });
      const cross = await service.evaluate({ origin: OTHER, method: 'GET', path: '/socket.io/', namespace: '/a' });
      expect(cross.allowed).toBe(false);
      expect(cross.reason).toMatch(/joining namespace \/a is refused/);
    });
  });

  // Counted origin functions: which gateways' checks a handshake asks.
  const asked: string[] = [];
  const counted = (name: string, admits: string) => async (origin: string) => {
    asked.push(name);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return origin === admits;
  };

  @WebSocketGateway({ namespace: 'first' })
  @Cors({ origin: counted('first', GOOD) })
  class FirstCountedGateway {}

  @WebSocketGateway({ namespace: 'second' })
  @Cors({ origin: counted('second', OTHER) })
  class SecondCountedGateway {}

  describe('the handshake of a shared server', () => {
    it('stops at the first gateway that admits the origin (later async checks are not called)', async () => {
      const app = await listen({ imports: [CorsModule.forRoot()], providers: [FirstCountedGateway, SecondCountedGateway] });
      try {
        asked.length = 0;
        expect((await pollingHandshake(app, GOOD)).status).toBe(200);
        expect(asked).toEqual(['first']);
        asked.length = 0;
        expect((await pollingHandshake(app, OTHER)).status).toBe(200);
        expect(asked).toEqual(['first', 'second']);
        asked.length = 0;
        expect((await pollingHandshake(app, EVIL)).status).toBe(403);
        expect(asked).toEqual(['first', 'second']);
      } finally {
        await app.close();
      }
    });
  });

  // Two gateways on one server AND one namespace (the main one): every socket of it reaches both.
  @WebSocketGateway()
  @Cors({ origin: GOOD })
  class MainAdminGateway {
    @SubscribeMessage('admin') admin() {
      return 'admin';
    }
  }

  @WebSocketGateway()
  @Cors({ origin: OTHER })
  class MainPublicGateway {}

  @WebSocketGateway()
  @Cors({ origin: GOOD })
  class MainTwinGateway {
    @SubscribeMessage('twin') twin() {
      return 'twin';
    }
  }

  describe('two gateways on one namespace', () => {
    it('with different policies: bootstrap stops with a CorsConfigError naming both', async () => {
      const error = await startupError(MainAdminGateway, MainPublicGateway);
      expect(error).toBeInstanceOf(CorsConfigError);
      expect((error as CorsConfigError).errors).toEqual([
        expect.objectContaining({
          route: 'MainAdminGateway, MainPublicGateway',
          field: '@Cors',
          value: expect.stringContaining('namespace (/ on /socket.io/)'),
          reason: expect.stringContaining('give them the same @Cors policy'),
        }),
      ]);
    });

    it.each([['polling'], ['websocket']] as const)(
      'with the same policy: a listed origin connects and reaches both, another is refused (%s)',
      async (transport) => {
        const app = await listen({ imports: [CorsModule.forRoot()], providers: [MainAdminGateway, MainTwinGateway] });
        try {
          const outcome = await ioConnect(app, { origin: GOOD, transports: [transport] });
          expect(outcome.connected).toBe(true);
          if (outcome.connected) {
            await expect(ask(outcome.socket, 'admin', null)).resolves.toBe('admin');
            await expect(ask(outcome.socket, 'twin', null)).resolves.toBe('twin');
            outcome.socket.close();
          }
          expect(await ioConnect(app, { origin: OTHER, transports: [transport] })).toMatchObject({ connected: false });
        } finally {
          await app.close();
        }
      },
    );
  });

  const userCalls: string[] = [];
  @WebSocketGateway({
    allowRequest: (req: IncomingMessage, callback: (err: string | null, ok: boolean) => void) => {
      userCalls.push(String(req.headers.origin));
      setTimeout(() => callback(req.headers['x-ticket'] === 'yes' ? null : 'no ticket', req.headers['x-ticket'] === 'yes'), 5);
    },
  })
  @Cors({ origin: GOOD, allowedHeaders: ['X-Ticket'] })
  class TicketGateway {}

  describe("the user's own allowRequest", () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await listen({ imports: [CorsModule.forRoot()], providers: [TicketGateway] });
    });
    afterAll(() => app.close());

    it('still runs after the origin check, and only for admitted origins', async () => {
      userCalls.length = 0;
      expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(200);
      expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'no' })).status).toBe(403);
      expect((await pollingHandshake(app, EVIL, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(403);
      expect((await upgrade(`${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
      expect((await upgrade(`${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`, GOOD)).status).not.toBe(101);
      expect(userCalls).toEqual([GOOD, GOOD, GOOD, GOOD]);
    });
  });

  // allowRequest set by the app on the engine itself: in afterInit (after the library guarded the server, before
  // it installed the check) and after startup. The origin check has to stay in front of it either way.
  const lateCalls: string[] = [];
  const ticketCheck =
    (tag: string) =>
    (req: IncomingMessage, callback: (err: string | null, ok: boolean) => void): void => {
      lateCalls.push(`${tag} ${String(req.headers.origin)}`);
      const ok = req.headers['x-ticket'] === 'yes';
      setTimeout(() => callback(ok ? null : 'no ticket', ok), 5);
    };
  type EngineOpts = { allowRequest?: (req: IncomingMessage, cb: (err: string | null, ok: boolean) => void) => void };

  @WebSocketGateway()
  @Cors({ origin: GOOD, allowedHeaders: ['X-Ticket'] })
  class AfterInitGateway {
    @WebSocketServer() server!: { engine: { opts: EngineOpts } };
    afterInit(server: { engine: { opts: EngineOpts } }) {
      server.engine.opts.allowRequest = ticketCheck('afterInit');
    }
    @SubscribeMessage('echo') echo(@MessageBody() data: unknown) {
      return data;
    }
  }

  describe('an allowRequest the app sets on the engine itself', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await listen({ imports: [CorsModule.forRoot()], providers: [AfterInitGateway] });
    });
    afterAll(() => app.close());
    const socketUrl = () => `${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`;

    it("in afterInit: an unlisted origin is still refused, and the app's function still runs after ours", async () => {
      lateCalls.length = 0;
      expect((await pollingHandshake(app, EVIL, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(403);
      expect((await upgrade(socketUrl(), EVIL, { 'X-Ticket': 'yes' })).status).not.toBe(101);
      expect(await ioConnect(app, { origin: EVIL, transports: ['websocket'], headers: { 'X-Ticket': 'yes' } })).toMatchObject({
        connected: false,
      });
      expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(200);
      expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'no' })).status).toBe(403);
      expect((await upgrade(socketUrl(), GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
      expect(lateCalls).toEqual([`afterInit ${GOOD}`, `afterInit ${GOOD}`, `afterInit ${GOOD}`]);
    });

    it('after startup, replacing or wrapping it: still behind the origin check', async () => {
      const opts = app.get(AfterInitGateway).server.engine.opts;
      const previous = opts.allowRequest;
      try {
        opts.allowRequest = ticketCheck('later');
        lateCalls.length = 0;
        expect((await pollingHandshake(app, EVIL, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(403);
        expect((await upgrade(socketUrl(), EVIL, { 'X-Ticket': 'yes' })).status).not.toBe(101);
        expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(200);
        expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'no' })).status).toBe(403);
        expect(lateCalls).toEqual([`later ${GOOD}`, `later ${GOOD}`]);

        // The usual way to add a check: keep what was there and call it. It must neither loop nor skip ours.
        const wrapped = opts.allowRequest!;
        opts.allowRequest = (req, callback) => {
          lateCalls.push(`wrapper ${String(req.headers.origin)}`);
          wrapped(req, callback);
        };
        lateCalls.length = 0;
        expect((await pollingHandshake(app, EVIL, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(403);
        expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(200);
        expect(lateCalls).toEqual([`wrapper ${GOOD}`, `later ${GOOD}`]);

        // Removing it removes the app's check, never the library's.
        opts.allowRequest = undefined;
        expect((await pollingHandshake(app, EVIL)).status).toBe(403);
        expect((await pollingHandshake(app, GOOD)).status).toBe(200);
        expect(Object.keys(opts)).toContain('allowRequest');
        expect(() => delete opts.allowRequest).toThrow(TypeError);
        expect((await pollingHandshake(app, EVIL)).status).toBe(403);

        // A new options object altogether: the accessor moves onto it.
        const engine = app.get(AfterInitGateway).server.engine;
        engine.opts = { ...opts, allowRequest: ticketCheck('replaced') };
        lateCalls.length = 0;
        expect((await pollingHandshake(app, EVIL, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(403);
        expect((await pollingHandshake(app, GOOD, '/socket.io/', { 'X-Ticket': 'yes' })).status).toBe(200);
        expect(lateCalls).toEqual([`replaced ${GOOD}`]);
        engine.opts = opts;
      } finally {
        opts.allowRequest = previous;
      }
    });
  });

  @WebSocketGateway()
  class PlainGateway {
    @SubscribeMessage('echo') echo(@MessageBody() data: unknown) {
      return data;
    }
  }

  describe('a gateway without @Cors', () => {
    it('with no origins configured anywhere: same origin only', async () => {
      const app = await listen({ imports: [CorsModule.forRoot()], providers: [PlainGateway] });
      try {
        const self = baseUrl(app);
        expect((await pollingHandshake(app, self)).status).toBe(200);
        expect((await pollingHandshake(app, self)).headers['access-control-allow-origin']).toBeUndefined();
        expect((await pollingHandshake(app, GOOD)).status).toBe(403);
        expect((await upgrade(`${self}/socket.io/?EIO=4&transport=websocket`, GOOD)).status).not.toBe(101);
        expect((await ioConnect(app, { origin: self, transports: ['websocket'] })).connected).toBe(true);
        expect(app.get(CorsPolicyService).routes()[0].gateway?.check).toBe('same-origin');
      } finally {
        await app.close();
      }
    });

    it('gets the module defaults, like a controller', async () => {
      const app = await listen({ imports: [CorsModule.forRoot({ origin: [GOOD] })], providers: [PlainGateway] });
      try {
        expect((await pollingHandshake(app, GOOD)).status).toBe(200);
        expect((await pollingHandshake(app, OTHER)).status).toBe(403);
      } finally {
        await app.close();
      }
    });

    it('gateways.requireOrigin refuses handshakes without Origin', async () => {
      const app = await listen({
        imports: [CorsModule.forRoot({ origin: [GOOD], gateways: { requireOrigin: true } })],
        providers: [PlainGateway],
      });
      try {
        expect((await pollingHandshake(app, undefined)).status).toBe(403);
        expect((await upgrade(`${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`)).status).not.toBe(101);
        expect((await pollingHandshake(app, GOOD)).status).toBe(200);
      } finally {
        await app.close();
      }
    });
  });

  @WebSocketGateway()
  @Cors(false)
  class OpenGateway {}

  @WebSocketGateway({ cors: { origin: GOOD } })
  @Cors({ origin: GOOD })
  class DoubleGateway {}

  // @Cors on handlers is never applied (one check per connection, at the handshake): each is a startup problem,
  // listed in one error with the gateway's other problems.
  @WebSocketGateway()
  @Cors({ origin: 'https://app.example.com/admin' })
  class HandlerPolicyGateway {
    @SubscribeMessage('tighter')
    @Cors({ origin: GOOD, credentials: true })
    tighter() {
      return 'tighter';
    }
    @Cors(false) @SubscribeMessage('open') open() {
      return 'open';
    }
    @SubscribeMessage('plain') plain() {
      return 'plain';
    }
  }

  describe('startup', () => {
    it('@Cors on a gateway handler stops bootstrap: one CorsConfigError naming gateway and method', async () => {
      const error = await startupError(HandlerPolicyGateway);
      expect(error).toBeInstanceOf(CorsConfigError);
      const errors = (error as CorsConfigError).errors;
      expect(errors).toEqual([
        expect.objectContaining({ route: 'HandlerPolicyGateway', field: 'origin', value: "'https://app.example.com/admin'" }),
        {
          route: 'HandlerPolicyGateway.tighter',
          field: '@Cors',
          value: `@Cors({ origin: '${GOOD}', credentials: true })`,
          reason: expect.stringContaining('Put the policy on the gateway class (@Cors next to @WebSocketGateway on HandlerPolicyGateway)'),
        },
        expect.objectContaining({ route: 'HandlerPolicyGateway.open', field: '@Cors', value: '@Cors(false)' }),
      ]);
      expect((error as CorsConfigError).message).toMatch(
        /HandlerPolicyGateway\.tighter: @Cors = .*: @Cors on a gateway's method is not applied: the origin is checked once per connection, at the handshake/,
      );
    });

    it('@Cors(false) switches the check off on purpose, and routes() says so', async () => {
      const app = await listen({ imports: [CorsModule.forRoot({ origin: GOOD })], providers: [OpenGateway] });
      try {
        expect((await pollingHandshake(app, EVIL)).status).toBe(200);
        expect(app.get(CorsPolicyService).routes()).toContainEqual(
          expect.objectContaining({ controller: 'OpenGateway', policy: false, gateway: expect.objectContaining({ check: 'off' }) }),
        );
      } finally {
        await app.close();
      }
    });

    it("a gateway's own cors option stops bootstrap with a CorsConfigError that says what to do", async () => {
      const error = await startupError(DoubleGateway);
      expect(error).toBeInstanceOf(CorsConfigError);
      expect((error as CorsConfigError).errors).toEqual([
        expect.objectContaining({
          route: 'DoubleGateway',
          field: 'cors',
          reason: expect.stringContaining('@Cors({ origin, credentials })'),
        }),
      ]);
    });

    it('bad gateways options stop bootstrap', async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [CorsModule.forRoot({ gateways: { requireOrigin: 'yes' as never } })],
        providers: [PlainGateway],
      }).compile();
      const app = moduleRef.createNestApplication(await httpAdapterFor(adapter), { logger: false });
      await expect(app.init()).rejects.toThrow(/gateways.requireOrigin = yes: true or false/);
      await app.close().catch(() => undefined);
    });
  });
}

describe.each(ADAPTERS)('Socket.IO gateways on %s', (adapter) => suite(adapter));
