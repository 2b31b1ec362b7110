/** ws gateways (@nestjs/platform-ws) under @Cors: the upgrade is checked by verifyClient, 403 when refused. */
import { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ADAPTERS, AdapterName, httpAdapterFor } from '../helpers.js';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody, SubscribeMessage, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { Cors, CorsConfigError, CorsModule, CorsOriginResolver, CorsPolicyService } from '../../lib/index.js';
import { baseUrl, initError, upgrade, wsAsk, wsConnect } from './gateway.harness.js';
import { Injectable } from '@nestjs/common';

const GOOD = 'https://app.example.com';
const OTHER = 'https://other.example.com';
const EVIL = 'https://evil.example';

function suite(adapter: AdapterName): void {
  /** What bootstrap of an app with these gateways and CorsModule.forRoot() stops with (null when it starts). */
  async function startupError(...providers: Type[]): Promise<unknown> {
    const moduleRef = await Test.createTestingModule({ imports: [CorsModule.forRoot()], providers }).compile();
    const app = moduleRef.createNestApplication(await httpAdapterFor(adapter), { logger: false });
    app.useWebSocketAdapter(new WsAdapter(app));
    return initError(app);
  }
  async function listen(metadata: ModuleMetadata): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule(metadata).compile();
    const app = moduleRef.createNestApplication(await httpAdapterFor(adapter), { logger: false });
    app.useWebSocketAdapter(new WsAdapter(app));
    await app.listen(0, '127.0.0.1');
    return app;
  }

  function wsUrl(app: INestApplication, path: string): string {
    return baseUrl(app).replace('http:', 'ws:') + path;
  }

  @WebSocketGateway({ path: '/chat' })
  @Cors({ origin: GOOD, credentials: true })
  class ChatGateway {
    @SubscribeMessage('echo') echo(@MessageBody() data: unknown) {
      return { event: 'echo', data };
    }
  }

  @Injectable()
  class TenantOrigins extends CorsOriginResolver {
    readonly allowed = new Set<string>();
    isOriginAllowed(origin: string): Promise<boolean> {
      return new Promise((resolve) => setTimeout(() => resolve(this.allowed.has(origin)), 5));
    }
  }

  @WebSocketGateway({ path: '/tenant' })
  @Cors({ origin: TenantOrigins })
  class TenantGateway {
    @SubscribeMessage('ping') ping() {
      return { event: 'pong', data: null };
    }
  }

  const userCalls: string[] = [];
  @WebSocketGateway({
    path: '/ticket',
    verifyClient: (info: { origin: string; req: { headers: Record<string, string> } }, cb: (ok: boolean, code?: number) => void) => {
      userCalls.push(info.origin);
      setTimeout(() => (info.req.headers['x-ticket'] === 'yes' ? cb(true) : cb(false, 401)), 5);
    },
  })
  @Cors({ origin: GOOD })
  class TicketGateway {}

  const asyncCalls: string[] = [];
  @WebSocketGateway({
    path: '/async-one-arg',
    // The pitfall: one parameter, so ws alone would read the returned promise as "accept".
    verifyClient: async (info: { origin: string; req: { headers: Record<string, string> } }) => {
      asyncCalls.push(info.origin);
      return info.req.headers['x-ticket'] === 'yes';
    },
  })
  @Cors({ origin: GOOD })
  class AsyncOneArgGateway {}

  describe('ws gateways with @Cors', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await listen({
        imports: [CorsModule.forRoot()],
        providers: [TenantOrigins, ChatGateway, TenantGateway, TicketGateway, AsyncOneArgGateway],
      });
    });
    afterAll(() => app.close());

    it('a listed origin gets 101 and exchanges a message', async () => {
      const outcome = await wsConnect(wsUrl(app, '/chat'), GOOD);
      expect(outcome.open).toBe(true);
      if (!outcome.open) return;
      await expect(wsAsk(outcome.ws, 'echo', { hi: 1 })).resolves.toEqual({ event: 'echo', data: { hi: 1 } });
      outcome.ws.close();
    });

    it('an unlisted origin gets 403, never 101 (raw upgrade and the ws client)', async () => {
      expect((await upgrade(`${baseUrl(app)}/chat`, EVIL)).status).toBe(403);
      expect(await wsConnect(wsUrl(app, '/chat'), EVIL)).toEqual({ open: false, status: 403 });
    });

    it('a client without Origin connects by default', async () => {
      const outcome = await wsConnect(wsUrl(app, '/chat'));
      expect(outcome.open).toBe(true);
      if (outcome.open) outcome.ws.close();
    });

    it('a resolver-backed gateway follows invalidate() at once', async () => {
      expect(await wsConnect(wsUrl(app, '/tenant'), OTHER)).toEqual({ open: false, status: 403 });
      app.get(TenantOrigins).allowed.add(OTHER);
      expect(await wsConnect(wsUrl(app, '/tenant'), OTHER)).toEqual({ open: false, status: 403 }); // the cached "no"
      await app.get(CorsPolicyService).invalidate(OTHER);
      const outcome = await wsConnect(wsUrl(app, '/tenant'), OTHER);
      expect(outcome.open).toBe(true);
      if (outcome.open) {
        await expect(wsAsk(outcome.ws, 'ping', null)).resolves.toEqual({ event: 'pong', data: null });
        outcome.ws.close();
      }
    });

    it("the user's own verifyClient still runs, after the origin check and only for admitted origins", async () => {
      userCalls.length = 0;
      expect((await upgrade(`${baseUrl(app)}/ticket`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
      expect((await upgrade(`${baseUrl(app)}/ticket`, GOOD, { 'X-Ticket': 'no' })).status).toBe(401);
      expect((await upgrade(`${baseUrl(app)}/ticket`, EVIL, { 'X-Ticket': 'yes' })).status).toBe(403);
      expect(userCalls).toEqual([GOOD, GOOD]);
    });

    it('a one-argument async verifyClient is awaited (ws alone would accept whatever it resolves to)', async () => {
      asyncCalls.length = 0;
      expect((await upgrade(`${baseUrl(app)}/async-one-arg`, GOOD, { 'X-Ticket': 'no' })).status).toBe(401);
      expect((await upgrade(`${baseUrl(app)}/async-one-arg`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
      expect(asyncCalls).toEqual([GOOD, GOOD]);
    });

    it('routes() lists each gateway; evaluate() explains a handshake', async () => {
      const service = app.get(CorsPolicyService);
      expect(service.routes()).toContainEqual(
        expect.objectContaining({
          path: '/chat',
          controller: 'ChatGateway',
          handler: 'handshake',
          gateway: { transport: 'ws', namespace: null, port: 0, check: 'policy' },
        }),
      );
      const good = await service.evaluate({ origin: GOOD, method: 'GET', path: '/chat' });
      expect(good).toMatchObject({ allowed: true, headers: {}, gateway: { transport: 'ws' } });
      const evil = await service.evaluate({ origin: EVIL, method: 'GET', path: '/chat' });
      expect(evil.allowed).toBe(false);
      expect(evil.reason).toMatch(/403, no 101/);
    });
  });

  // verifyClient set by the app on the ws server itself: in afterInit (after the library guarded the server, before
  // it installed the check) and after startup. The origin check has to stay in front of it either way.
  type VerifyInfo = { origin: string; req: { headers: Record<string, string | undefined> } };
  type Verify = ((info: VerifyInfo, cb: (ok: boolean, code?: number) => void) => void) | ((info: VerifyInfo) => unknown);
  type WsOptions = { verifyClient?: Verify | null };
  const lateCalls: string[] = [];
  const ticketCheck =
    (tag: string) =>
    (info: VerifyInfo, cb: (ok: boolean, code?: number) => void): void => {
      lateCalls.push(`${tag} ${info.origin}`);
      setTimeout(() => (info.req.headers['x-ticket'] === 'yes' ? cb(true) : cb(false, 401)), 5);
    };

  @WebSocketGateway({ path: '/late' })
  @Cors({ origin: GOOD })
  class AfterInitGateway {
    @WebSocketServer() server!: { options: WsOptions };
    afterInit(server: { options: WsOptions }) {
      server.options.verifyClient = ticketCheck('afterInit');
    }
    @SubscribeMessage('echo') echo(@MessageBody() data: unknown) {
      return { event: 'echo', data };
    }
  }

  describe('a verifyClient the app sets on the ws server itself', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await listen({ imports: [CorsModule.forRoot()], providers: [AfterInitGateway] });
    });
    afterAll(() => app.close());

    it("in afterInit: an unlisted origin still gets 403, and the app's function still runs after ours", async () => {
      lateCalls.length = 0;
      expect((await upgrade(`${baseUrl(app)}/late`, EVIL, { 'X-Ticket': 'yes' })).status).toBe(403);
      expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
      expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'no' })).status).toBe(401);
      expect(lateCalls).toEqual([`afterInit ${GOOD}`, `afterInit ${GOOD}`]);
    });

    it('after startup, replacing or wrapping it (either form): still behind the origin check', async () => {
      const options = app.get(AfterInitGateway).server.options;
      const previous = options.verifyClient;
      try {
        options.verifyClient = ticketCheck('later');
        lateCalls.length = 0;
        expect((await upgrade(`${baseUrl(app)}/late`, EVIL, { 'X-Ticket': 'yes' })).status).toBe(403);
        expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
        expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'no' })).status).toBe(401);
        expect(lateCalls).toEqual([`later ${GOOD}`, `later ${GOOD}`]);

        // One argument, synchronous: ws's other form.
        options.verifyClient = (info: VerifyInfo) => {
          lateCalls.push(`sync ${info.origin}`);
          return info.req.headers['x-ticket'] === 'yes';
        };
        lateCalls.length = 0;
        expect((await upgrade(`${baseUrl(app)}/late`, EVIL, { 'X-Ticket': 'yes' })).status).toBe(403);
        expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
        expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'no' })).status).toBe(401);
        expect(lateCalls).toEqual([`sync ${GOOD}`, `sync ${GOOD}`]);

        // The usual way to add a check: keep what was there and call it. It must neither loop nor skip ours.
        const wrapped = options.verifyClient as (info: VerifyInfo, cb: (ok: boolean, code?: number) => void) => void;
        options.verifyClient = (info: VerifyInfo, cb: (ok: boolean, code?: number) => void) => {
          lateCalls.push(`wrapper ${info.origin}`);
          wrapped(info, cb);
        };
        lateCalls.length = 0;
        expect((await upgrade(`${baseUrl(app)}/late`, EVIL, { 'X-Ticket': 'yes' })).status).toBe(403);
        expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
        expect(lateCalls).toEqual([`wrapper ${GOOD}`, `sync ${GOOD}`]);

        // Removing it removes the app's check, never the library's.
        options.verifyClient = null;
        expect((await upgrade(`${baseUrl(app)}/late`, EVIL)).status).toBe(403);
        expect((await upgrade(`${baseUrl(app)}/late`, GOOD)).status).toBe(101);
        expect(() => delete options.verifyClient).toThrow(TypeError);
        expect((await upgrade(`${baseUrl(app)}/late`, EVIL)).status).toBe(403);

        // A new options object altogether: the accessor moves onto it.
        const server = app.get(AfterInitGateway).server;
        server.options = { ...options, verifyClient: ticketCheck('replaced') };
        lateCalls.length = 0;
        expect((await upgrade(`${baseUrl(app)}/late`, EVIL, { 'X-Ticket': 'yes' })).status).toBe(403);
        expect((await upgrade(`${baseUrl(app)}/late`, GOOD, { 'X-Ticket': 'yes' })).status).toBe(101);
        expect(lateCalls).toEqual([`replaced ${GOOD}`]);
        server.options = options;
      } finally {
        options.verifyClient = previous;
      }
    });
  });

  @WebSocketGateway({ path: '/plain' })
  class PlainGateway {}

  @WebSocketGateway({ path: '/with-cors', cors: { origin: GOOD } })
  @Cors({ origin: GOOD })
  class CorsOptionGateway {}

  @WebSocketGateway({ path: '/handler-policy' })
  @Cors({ origin: GOOD })
  class HandlerPolicyGateway {
    @Cors({ origin: OTHER }) @SubscribeMessage('other') other() {
      return { event: 'other', data: null };
    }
  }

  describe('ws gateways: defaults and startup', () => {
    it('@Cors on a gateway handler stops bootstrap with a CorsConfigError naming gateway and method', async () => {
      const error = await startupError(HandlerPolicyGateway);
      expect(error).toBeInstanceOf(CorsConfigError);
      expect((error as CorsConfigError).errors).toEqual([
        expect.objectContaining({
          route: 'HandlerPolicyGateway.other',
          field: '@Cors',
          value: `@Cors({ origin: '${OTHER}' })`,
          reason: expect.stringContaining('on the gateway class'),
        }),
      ]);
    });

    it('without @Cors and without origins: same origin only', async () => {
      const app = await listen({ imports: [CorsModule.forRoot()], providers: [PlainGateway] });
      try {
        expect((await upgrade(`${baseUrl(app)}/plain`, baseUrl(app))).status).toBe(101);
        expect((await upgrade(`${baseUrl(app)}/plain`, GOOD)).status).toBe(403);
      } finally {
        await app.close();
      }
    });

    it('requireOrigin refuses a handshake without Origin', async () => {
      const app = await listen({
        imports: [CorsModule.forRoot({ origin: GOOD, gateways: { requireOrigin: true } })],
        providers: [PlainGateway],
      });
      try {
        expect((await upgrade(`${baseUrl(app)}/plain`)).status).toBe(403);
        expect((await upgrade(`${baseUrl(app)}/plain`, GOOD)).status).toBe(101);
      } finally {
        await app.close();
      }
    });

    it('a cors option on a ws gateway (which ws ignores) stops bootstrap', async () => {
      const error = await startupError(CorsOptionGateway);
      expect(error).toBeInstanceOf(CorsConfigError);
      expect((error as CorsConfigError).message).toMatch(/CorsOptionGateway: cors = .*ws has no cors option/);
    });
  });

  // Two gateways on one port and path: Nest gives them one ws server, so every client reaches both.
  @WebSocketGateway({ path: '/shared' })
  @Cors({ origin: GOOD })
  class AdminGateway {
    @SubscribeMessage('deleteUser') deleteUser() {
      return { event: 'deleted', data: 'AdminGateway' };
    }
  }

  @WebSocketGateway({ path: '/shared' })
  @Cors({ origin: OTHER })
  class PublicGateway {}

  @WebSocketGateway({ path: '/shared' })
  @Cors({ origin: GOOD })
  class AdminTwinGateway {
    @SubscribeMessage('ping') ping() {
      return { event: 'pong', data: 'AdminTwinGateway' };
    }
  }

  describe('ws gateways sharing one server (same port and path)', () => {
    it('with different policies: bootstrap stops with a CorsConfigError naming them (never the union)', async () => {
      const error = await startupError(AdminGateway, PublicGateway);
      expect(error).toBeInstanceOf(CorsConfigError);
      expect((error as CorsConfigError).errors).toEqual([
        expect.objectContaining({
          route: 'AdminGateway, PublicGateway',
          field: '@Cors',
          value: 'one ws server (port of the HTTP server, path /shared)',
          reason: expect.stringContaining('give them the same @Cors policy'),
        }),
      ]);
    });

    it('with the same policy: a listed origin reaches both, another gets 403', async () => {
      const app = await listen({ imports: [CorsModule.forRoot()], providers: [AdminGateway, AdminTwinGateway] });
      try {
        const outcome = await wsConnect(wsUrl(app, '/shared'), GOOD);
        expect(outcome.open).toBe(true);
        if (outcome.open) {
          await expect(wsAsk(outcome.ws, 'deleteUser', null)).resolves.toEqual({ event: 'deleted', data: 'AdminGateway' });
          await expect(wsAsk(outcome.ws, 'ping', null)).resolves.toEqual({ event: 'pong', data: 'AdminTwinGateway' });
          outcome.ws.close();
        }
        expect(await wsConnect(wsUrl(app, '/shared'), OTHER)).toEqual({ open: false, status: 403 });
      } finally {
        await app.close();
      }
    });
  });
}

describe.each(ADAPTERS)('ws gateways on %s', (adapter) => suite(adapter));
