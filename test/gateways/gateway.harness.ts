/** Real clients for gateway tests: raw handshakes and upgrades over node:http, socket.io-client, ws. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { raw, type RawResponse } from '../raw-http.js';

export { raw, type RawResponse };

/** What `app.init()` stopped with (null when the app started); the app is closed either way. */
export async function initError(app: INestApplication): Promise<unknown> {
  const error = await app.init().then(
    () => null,
    (e: unknown) => e,
  );
  await app.close().catch(() => undefined);
  return error;
}

export function baseUrl(app: INestApplication): string {
  const address = app.getHttpServer().address();
  return `http://127.0.0.1:${address.port}`;
}

/** A Socket.IO long-polling handshake, as the client's first request. */
export function pollingHandshake(app: INestApplication, origin?: string, path = '/socket.io/', extra: Record<string, string> = {}) {
  return raw(`${baseUrl(app)}${path}?EIO=4&transport=polling&t=${Date.now()}`, 'GET', { ...(origin ? { Origin: origin } : {}), ...extra });
}

/** A raw WebSocket upgrade; resolves with the status line's code (101 when the server switched protocols). */
export function upgrade(
  url: string,
  origin?: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      agent: false,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        ...(origin ? { Origin: origin } : {}),
        ...extra,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // engine.io answers a refused upgrade with a raw 400 and closes: Node may report it as a parse error.
      if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_CONSTANT') resolve({ status: 0, headers: {} });
      else reject(error);
    });
    req.end();
  });
}

export type Outcome = { connected: true; socket: Socket } | { connected: false; error: string };

/** socket.io-client from `origin`; resolves once connected (or refused), leaving the socket open on success. */
export function ioConnect(
  app: INestApplication,
  opts: { origin?: string; namespace?: string; transports?: ('polling' | 'websocket')[]; headers?: Record<string, string> } = {},
): Promise<Outcome> {
  const socket = io(`${baseUrl(app)}${opts.namespace ?? ''}`, {
    transports: opts.transports ?? ['polling'],
    upgrade: false,
    reconnection: false,
    forceNew: true,
    timeout: 5000,
    extraHeaders: { ...(opts.origin ? { Origin: opts.origin } : {}), ...(opts.headers ?? {}) },
  });
  // Events sent with the connection (in the same polling payload as CONNECT) arrive before 'connect' resolves.
  const received: [string, unknown][] = [];
  socket.onAny((event: string, data: unknown) => received.push([event, data]));
  (socket as Socket & { received: typeof received }).received = received;
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true, socket }));
    socket.once('connect_error', (error: Error) => {
      socket.close();
      resolve({ connected: false, error: error.message });
    });
  });
}

/** Sends `event` and waits for the gateway's acknowledgement. */
export function ask<T>(socket: Socket, event: string, data: unknown): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, data) as Promise<T>;
}

/** A `ws` client from `origin`; resolves when open (with the socket) or with the refusal's status code. */
export function wsConnect(url: string, origin?: string): Promise<{ open: true; ws: WebSocket } | { open: false; status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once('open', () => resolve({ open: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ open: false, status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', () => resolve({ open: false, status: 0 }));
  });
}

/** Sends a Nest ws message `{ event, data }` and waits for the reply. */
export function wsAsk(ws: WebSocket, event: string, data: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no reply')), 5000);
    ws.once('message', (message) => {
      clearTimeout(timer);
      resolve(JSON.parse(String(message)));
    });
    ws.send(JSON.stringify({ event, data }));
  });
}

/** The next `event` the socket receives, or one it already received since `ioConnect` (consumed). */
export function nextEvent(socket: Socket, event: string, timeout = 5000): Promise<unknown> {
  const received = (socket as Socket & { received?: [string, unknown][] }).received ?? [];
  const i = received.findIndex(([name]) => name === event);
  if (i !== -1) return Promise.resolve(received.splice(i, 1)[0][1]);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${timeout} ms`)), timeout);
    socket.once(event, (data: unknown) => {
      clearTimeout(timer);
      const j = received.findIndex(([name, d]) => name === event && d === data);
      if (j !== -1) received.splice(j, 1);
      resolve(data);
    });
  });
}
