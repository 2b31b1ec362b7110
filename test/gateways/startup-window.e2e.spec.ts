/**
 * No window of unchecked handshakes: Nest creates a gateway's server (and a gateway on its own port listens) in
 * registerModules(), before any onModuleInit. A module initialized before CorsModule (a slow database connect)
 * keeps that window open; handshakes sent in it must wait and be decided by the real policy.
 */
import { Global, INestApplication, Injectable, Module, OnModuleInit, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { WsAdapter } from '@nestjs/platform-ws';
import { WebSocketGateway } from '@nestjs/websockets';
import { createServer, connect } from 'node:net';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, AdapterName, httpAdapterFor } from '../helpers.js';
import { raw, upgrade, type RawResponse } from './gateway.harness.js';

const GOOD = 'https://app.example.com';
const EVIL = 'https://evil.example';
const SLOW_MS = 1500;

/** A global module whose init takes SLOW_MS (the Prisma `$connect` pattern), imported before CorsModule. */
function slowModule(): { module: Type; done: () => boolean } {
  let finished = false;
  @Injectable()
  class SlowConnection implements OnModuleInit {
    async onModuleInit(): Promise<void> {
      await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
      finished = true;
    }
  }
  @Global()
  @Module({ providers: [SlowConnection], exports: [SlowConnection] })
  class SlowModule {}
  return { module: SlowModule, done: () => finished };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts TCP connections on `port` (the gateway's own server, before init is over). */
async function listening(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`nothing listens on ${port}`);
}

interface Window {
  app: INestApplication;
  init: Promise<unknown>;
  done: () => boolean;
}

/** Starts app.init() and returns while the slow module still holds CorsModule's init back. */
async function startInWindow(adapter: AdapterName, gateway: Type, port: number, ws: boolean, cors = CorsModule.forRoot()): Promise<Window> {
  const slow = slowModule();
  const moduleRef = await Test.createTestingModule({ imports: [slow.module, cors], providers: [gateway] }).compile();
  const app = moduleRef.createNestApplication(await httpAdapterFor(adapter), { logger: false });
  if (ws) app.useWebSocketAdapter(new WsAdapter(app));
  const init = app.init().then(
    () => null,
    (e: unknown) => e,
  );
  await listening(port);
  expect(slow.done()).toBe(false); // still in the window
  return { app, init, done: slow.done };
}

const polling = (port: number, origin: string): Promise<RawResponse> =>
  raw(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling&t=${Date.now()}`, 'GET', { Origin: origin });

describe.each(ADAPTERS)('handshakes sent before CorsModule initializes (gateway on its own port, %s)', (adapter) => {
  it('Socket.IO: an evil polling handshake and upgrade get no session and no 101; a listed one waits and connects', async () => {
    const port = await freePort();
    @WebSocketGateway(port)
    @Cors({ origin: GOOD })
    class OwnPortGateway {}
    const { app, init, done } = await startInWindow(adapter, OwnPortGateway, port, false);
    try {
      const evilPoll = polling(port, EVIL);
      const evilUpgrade = upgrade(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, EVIL);
      const goodPoll = polling(port, GOOD);
      const [evil, evilWs, good] = await Promise.all([evilPoll, evilUpgrade, goodPoll]);
      expect(evil.status).toBe(403);
      expect(evil.body).not.toMatch(/"sid"/);
      expect(evilWs.status).not.toBe(101);
      expect(done()).toBe(true); // answered only once the window closed
      expect(good.status).toBe(200);
      expect(good.body).toMatch(/"sid"/);
      expect(good.headers['access-control-allow-origin']).toBe(GOOD);
      expect(await init).toBeNull();
      expect((await polling(port, EVIL)).status).toBe(403);
    } finally {
      await init;
      await app.close();
    }
  });

  it('ws: an evil upgrade gets 403, never 101; a listed one waits and gets 101', async () => {
    const port = await freePort();
    @WebSocketGateway(port, { path: '/live' })
    @Cors({ origin: GOOD })
    class OwnPortWsGateway {}
    const { app, init, done } = await startInWindow(adapter, OwnPortWsGateway, port, true);
    try {
      const [evil, good] = await Promise.all([
        upgrade(`http://127.0.0.1:${port}/live`, EVIL),
        upgrade(`http://127.0.0.1:${port}/live`, GOOD),
      ]);
      expect(evil.status).toBe(403);
      expect(good.status).toBe(101);
      expect(done()).toBe(true);
      expect(await init).toBeNull();
    } finally {
      await init;
      await app.close();
    }
  });

  it('when the policies do not compile, handshakes sent in the window are refused', async () => {
    const port = await freePort();
    // A gateway's own cors option is a startup error (CorsConfigError at app.init()).
    @WebSocketGateway(port, { cors: { origin: '*' } })
    @Cors({ origin: GOOD })
    class BrokenGateway {}
    const { app, init } = await startInWindow(adapter, BrokenGateway, port, false);
    try {
      const [good, evil] = await Promise.all([polling(port, GOOD), polling(port, EVIL)]);
      expect(good.status).toBe(403);
      expect(evil.status).toBe(403);
      expect(await init).toMatchObject({ name: 'CorsConfigError' });
    } finally {
      await init;
      await app.close().catch(() => undefined);
    }
  });
});
