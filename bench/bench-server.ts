/**
 * Child process: one benchmarked Nest app on 127.0.0.1 (ephemeral port), driven by the parent over IPC.
 * `node bench-server.js <config>`; replies `{ type: 'ready', port }`, answers `{ type: 'heap' }` with the heap after
 * a full GC (under --expose-gc), `{ type: 'cpu' }` with process.cpuUsage() and `{ type: 'stats' }` with the store's query counts, and exits as soon as the parent goes away.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CONFIGS, ConfigId, createBenchApp, storeStats } from './bench-apps.js';

type Message = { type: 'heap' } | { type: 'cpu' } | { type: 'stats' } | { type: 'exit' };

async function main(): Promise<void> {
  const config = process.argv[2] as ConfigId;
  if (!(config in CONFIGS)) throw new Error(`unknown configuration '${config}': one of ${Object.keys(CONFIGS).join(', ')}`);
  if (!process.send) throw new Error('bench-server runs as a child process with an IPC channel');
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0)); // through 'exit' handlers: configuration 6 removes its database
  const app = await createBenchApp(config);
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = 60_000;
  process.on('message', (msg: Message) => {
    if (msg.type === 'exit') process.exit(0);
    if (msg.type === 'cpu') process.send!({ type: 'cpu', ...process.cpuUsage() });
    if (msg.type === 'stats') process.send!({ type: 'stats', ...storeStats });
    if (msg.type === 'heap') {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) for (let i = 0; i < 3; i++) gc();
      const { heapUsed, rss } = process.memoryUsage();
      process.send!({ type: 'heap', heapUsed, rss, gc: gc !== undefined });
    }
  });
  process.send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
