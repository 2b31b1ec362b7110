/**
 * WebSocket gateways in Chromium. Browsers apply no CORS to WebSockets: a page on any site opens a WebSocket to any
 * server, with the user's cookies (the control below shows it). The gateway's @Cors is the only defence, checked on
 * the handshake's Origin: a page on an unlisted origin cannot open the gateway (Socket.IO over polling and over
 * WebSocket, a raw WebSocket, a ws gateway), a listed one can, with cookies.
 */
import { Controller, Header, HttpCode, INestApplication, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WsAdapter } from '@nestjs/platform-ws';
import { ConnectedSocket, OnGatewayConnection, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Cors, CorsModule } from '../../lib/index.js';
import { browserAvailable, close, describeWithBrowser, launchChromium, openPage, pageFetch, startPageServer } from './browser.harness.js';

const run = browserAvailable('gateway browser suite (test/browser)');

function declare(listed: string) {
  @Controller('session')
  @Cors({ origin: [listed], credentials: true })
  class SessionController {
    @Post('login')
    @HttpCode(200)
    @Header('Set-Cookie', 'sid=s3cr3t; Path=/; HttpOnly; SameSite=Lax')
    login() {
      return { loggedIn: true };
    }
  }

  /** Socket.IO at the default path; records each connection that reached the gateway. */
  @WebSocketGateway()
  @Cors({ origin: [listed], credentials: true })
  class FeedGateway implements OnGatewayConnection {
    static connections: string[] = [];
    handleConnection(client: { handshake: { headers: Record<string, string> } }) {
      FeedGateway.connections.push(client.handshake.headers.origin ?? '(none)');
    }
    @SubscribeMessage('whoami')
    whoami(@ConnectedSocket() client: { handshake: { headers: Record<string, string> } }) {
      return { cookie: client.handshake.headers.cookie ?? null };
    }
  }

  type WsClient = { cookie?: string | null };
  @WebSocketGateway({ path: '/chat' })
  @Cors({ origin: [listed], credentials: true })
  class ChatGateway implements OnGatewayConnection {
    handleConnection(client: WsClient, req: IncomingMessage) {
      client.cookie = req.headers.cookie ?? null;
    }
    @SubscribeMessage('whoami')
    whoami(@ConnectedSocket() client: WsClient) {
      return { event: 'whoami', data: { cookie: client.cookie } };
    }
  }

  /** The control: no origin check, to show what the browser lets any page do. */
  @WebSocketGateway({ path: '/unchecked' })
  @Cors(false)
  class UncheckedGateway implements OnGatewayConnection {
    handleConnection(client: WsClient, req: IncomingMessage) {
      client.cookie = req.headers.cookie ?? null;
    }
    @SubscribeMessage('whoami')
    whoami(@ConnectedSocket() client: WsClient) {
      return { event: 'whoami', data: { cookie: client.cookie } };
    }
  }
  return { SessionController, FeedGateway, ChatGateway, UncheckedGateway };
}

type Started = { app: INestApplication; api: string; handshakes: { origin?: string; status?: number }[] };

async function start(metadata: Parameters<typeof Test.createTestingModule>[0], ws: boolean): Promise<Started> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  if (ws) app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  // Every Socket.IO handshake the server answered (no session id yet), with its status, before engine.io sees it.
  const handshakes: { origin?: string; status?: number }[] = [];
  (app.getHttpServer() as Server).prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/socket.io/?') || req.url.includes('sid=') || req.method !== 'GET') return;
    const seen: { origin?: string; status?: number } = { origin: req.headers.origin };
    handshakes.push(seen);
    res.once('finish', () => (seen.status = res.statusCode));
  });
  return { app, api: `http://localhost:${(app.getHttpServer().address() as AddressInfo).port}`, handshakes };
}

type Opened = { open: boolean; cookie?: string | null; error?: string };

/** socket.io-client in the page (served by the Socket.IO server itself), then `whoami` when connected. */
function pageSocketIo(page: Page, api: string, transport: 'polling' | 'websocket'): Promise<Opened> {
  return page.evaluate(
    ({ api, transport }) =>
      new Promise<Opened>((resolve) => {
        const io = (globalThis as unknown as { io: (url: string, opts: object) => any }).io;
        const socket = io(api, { transports: [transport], withCredentials: true, reconnection: false, timeout: 4000 });
        socket.on('connect', async () => {
          const answer = await socket.timeout(4000).emitWithAck('whoami', null);
          socket.close();
          resolve({ open: true, cookie: answer.cookie });
        });
        socket.on('connect_error', (e: Error) => resolve({ open: false, error: e.message }));
      }),
    { api, transport },
  );
}

/** `new WebSocket(url)` in the page; when it opens, sends a Nest ws message and reads the reply. */
function pageWebSocket(page: Page, url: string, message?: object): Promise<Opened> {
  return page.evaluate(
    ({ url, message }) =>
      new Promise<Opened>((resolve) => {
        const ws = new (globalThis as unknown as { WebSocket: new (u: string) => any }).WebSocket(url);
        ws.onopen = () => {
          if (!message) {
            ws.close();
            return resolve({ open: true });
          }
          ws.onmessage = (e: { data: string }) => {
            ws.close();
            resolve({ open: true, cookie: JSON.parse(e.data).data.cookie });
          };
          ws.send(JSON.stringify(message));
        };
        ws.onerror = () => resolve({ open: false, error: 'error before open' });
      }),
    { url, message },
  );
}

// Skipped only without Chromium and outside CI, with the reason in the suite's title; under CI=true it runs.
describeWithBrowser(run, 'gateway browser suite (Chromium)', () => {
  let browser: Browser;
  const servers: Server[] = [];
  const contexts: BrowserContext[] = [];
  let listed: string;
  let unlisted: string;
  let io: Started;
  let ws: Started;
  let FeedGateway: { connections: string[] };

  beforeAll(async () => {
    browser = await launchChromium();
    const [a, b] = await Promise.all([startPageServer(), startPageServer()]);
    servers.push(a.server, b.server);
    listed = a.origin;
    unlisted = b.origin;
    const classes = declare(listed);
    FeedGateway = classes.FeedGateway;
    io = await start(
      { imports: [CorsModule.forRoot()], controllers: [classes.SessionController], providers: [classes.FeedGateway] },
      false,
    );
    ws = await start(
      {
        imports: [CorsModule.forRoot()],
        controllers: [classes.SessionController],
        providers: [classes.ChatGateway, classes.UncheckedGateway],
      },
      true,
    );
  });

  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await io?.app.close();
    await ws?.app.close();
    await Promise.all(servers.map(close));
    await browser?.close();
  });

  /** A page on `origin` whose user is logged in to the API (the cookie is set for localhost, any port). */
  async function loggedInPage(origin: string, api: string): Promise<Page> {
    const { context, page } = await openPage(browser, listed);
    contexts.push(context);
    const login = await pageFetch(page, `${api}/session/login`, { method: 'POST', credentials: 'include' });
    expect(login).toMatchObject({ ok: true, status: 200 });
    if (origin !== listed) await page.goto(`${origin}/`);
    await page.addScriptTag({ url: `${api}/socket.io/socket.io.js` }).catch(() => undefined);
    return page;
  }

  it.each([['polling'], ['websocket']] as const)('Socket.IO over %s: a listed page connects, with the cookie', async (transport) => {
    const page = await loggedInPage(listed, io.api);
    await expect(pageSocketIo(page, io.api, transport)).resolves.toEqual({ open: true, cookie: 'sid=s3cr3t' });
  });

  it.each([['polling'], ['websocket']] as const)(
    'Socket.IO over %s: an unlisted page cannot connect; the gateway never sees it',
    async (transport) => {
      const page = await loggedInPage(unlisted, io.api);
      FeedGateway.connections.length = 0;
      io.handshakes.length = 0;
      const outcome = await pageSocketIo(page, io.api, transport);
      expect(outcome.open).toBe(false);
      expect(FeedGateway.connections).toEqual([]);
      // Over polling the browser's CORS check would hide the session from the page anyway; the server gave none.
      if (transport === 'polling') expect(io.handshakes).toEqual([{ origin: unlisted, status: 403 }]);
    },
  );

  it("a raw WebSocket to Socket.IO's endpoint opens from the listed page only", async () => {
    const url = `${io.api.replace('http:', 'ws:')}/socket.io/?EIO=4&transport=websocket`;
    const good = await loggedInPage(listed, io.api);
    await expect(pageWebSocket(good, url)).resolves.toEqual({ open: true });
    const bad = await loggedInPage(unlisted, io.api);
    await expect(pageWebSocket(bad, url)).resolves.toMatchObject({ open: false });
  });

  it('control: the browser itself lets an unlisted page open an unchecked gateway, cookie included', async () => {
    const page = await loggedInPage(unlisted, ws.api);
    await expect(pageWebSocket(page, `${ws.api.replace('http:', 'ws:')}/unchecked`, { event: 'whoami' })).resolves.toEqual({
      open: true,
      cookie: 'sid=s3cr3t',
    });
  });

  it('a ws gateway: the listed page opens it with the cookie, the unlisted page cannot', async () => {
    const url = `${ws.api.replace('http:', 'ws:')}/chat`;
    const good = await loggedInPage(listed, ws.api);
    await expect(pageWebSocket(good, url, { event: 'whoami' })).resolves.toEqual({ open: true, cookie: 'sid=s3cr3t' });
    const bad = await loggedInPage(unlisted, ws.api);
    await expect(pageWebSocket(bad, url, { event: 'whoami' })).resolves.toMatchObject({ open: false });
  });
});
