/**
 * Child process: one Nest app with a WebSocket gateway on 127.0.0.1 (ephemeral port), for `gateway.bench.ts`.
 * `node gateway-server.js <config>`; replies `{ type: 'ready', port }`, answers `{ type: 'calls' }` with how many
 * times the resolver ran, and exits as soon as the parent goes away.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { WebSocketGateway } from '@nestjs/websockets';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cors, CorsModule, CorsOriginResolver } from '../lib/index.js';
import { ALLOWED_ORIGIN } from './bench-apps.js';

export const GATEWAY_CONFIGS = {
  'io-none': 'Socket.IO gateway, no origin check (no CorsModule)',
  'io-list': 'Socket.IO gateway, @Cors({ origin: [2 origins] })',
  'io-resolver': 'Socket.IO gateway, @Cors({ origin: resolver }) (1 ms lookup, decision cache on)',
  'ws-none': 'ws gateway, no origin check (no CorsModule)',
  'ws-list': 'ws gateway, @Cors({ origin: [2 origins] })',
} as const;
export type GatewayConfigId = keyof typeof GATEWAY_CONFIGS;

let resolverCalls = 0;

/** A store lookup that takes 1 ms, like a database round trip on the same machine. */
@Injectable()
class BenchOrigins extends CorsOriginResolver {
  isOriginAllowed(origin: string): Promise<boolean> {
    resolverCalls++;
    return new Promise((resolve) => setTimeout(() => resolve(origin === ALLOWED_ORIGIN), 1));
  }
}

function gateway(config: GatewayConfigId) {
  const ws = config.startsWith('ws');
  const options = ws ? { path: '/ws' } : {};
  if (config === 'io-resolver') {
    @WebSocketGateway(options)
    @Cors({ origin: BenchOrigins })
    class Gateway {}
    return Gateway;
  }
  if (config.endsWith('-list')) {
    @WebSocketGateway(options)
    @Cors({ origin: [ALLOWED_ORIGIN, 'https://admin.example.com'] })
    class Gateway {}
    return Gateway;
  }
  @WebSocketGateway(options)
  class Gateway {}
  return Gateway;
}

async function main(): Promise<void> {
  const config = process.argv[2] as GatewayConfigId;
  if (!(config in GATEWAY_CONFIGS)) throw new Error(`unknown configuration '${config}': one of ${Object.keys(GATEWAY_CONFIGS).join(', ')}`);
  if (!process.send) throw new Error('gateway-server runs as a child process with an IPC channel');
  process.on('disconnect', () => process.exit(0));
  const checked = !config.endsWith('-none');
  @Module({ imports: checked ? [CorsModule.forRoot()] : [], providers: [BenchOrigins, gateway(config)] })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  if (config.startsWith('ws')) app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  process.on('message', (msg: { type: string }) => {
    if (msg.type === 'calls') process.send!({ type: 'calls', calls: resolverCalls });
  });
  process.send({ type: 'ready', port: (app.getHttpServer().address() as AddressInfo).port });
}

// Imported by gateway.bench.ts for the configuration names: start only when run as the child process.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
