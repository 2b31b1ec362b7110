/**
 * WebSocket handshakes per second, with and without the library's origin check: Socket.IO long-polling handshakes
 * (`GET /socket.io/?EIO=4&transport=polling`) and WebSocket upgrades (Socket.IO and ws), from an allowed and from a
 * refused origin; and a resolver flood (handshakes from thousands of distinct unknown origins: how often the
 * resolver runs). Each server is its own process (pinned like the HTTP benchmark's); the client is this process,
 * `connections` handshakes in flight, each on a new TCP connection, as browsers open them. Configurations alternate
 * within each round; the figure is the median over rounds.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOWED_ORIGIN, REFUSED_ORIGIN } from './bench-apps.js';
import { PINNING } from './bench-processes.js';
import { GATEWAY_CONFIGS, GatewayConfigId } from './gateway-server.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface GatewayResult {
  config: GatewayConfigId;
  label: string;
  handshake: 'polling' | 'websocket';
  origin: 'allowed' | 'refused' | 'flood (distinct unknown origins)';
  /** Handshakes answered per second (median over rounds). */
  perSecond: number;
  /** What the server answered (status counts of the last round). */
  statuses: Record<string, number>;
  /** Resolver runs per handshake (resolver configurations only). */
  resolverCallsPerHandshake?: number;
}

interface Server {
  child: ChildProcess;
  port: number;
}

function start(config: GatewayConfigId): Promise<Server> {
  const args = [join(HERE, 'gateway-server.js'), config];
  const child = PINNING
    ? spawn('taskset', ['-c', PINNING.server, process.execPath, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${config} did not start`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${config} exited with ${code}`)));
    child.on('message', (m: { type: string; port?: number }) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve({ child, port: m.port! });
      }
    });
  });
}

function resolverCalls(server: Server): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (m: { type: string; calls?: number }) => {
      if (m.type !== 'calls') return;
      server.child.off('message', onMessage);
      resolve(m.calls!);
    };
    server.child.on('message', onMessage);
    server.child.send({ type: 'calls' });
  });
}

/** One handshake on a new connection; resolves with the status (101 for an upgrade, 0 when the socket was closed). */
function handshake(port: number, kind: 'polling' | 'websocket', config: GatewayConfigId, origin: string): Promise<number> {
  const io = config.startsWith('io');
  const path = io ? `/socket.io/?EIO=4&transport=${kind}` : '/ws';
  const headers: Record<string, string> = { Origin: origin, Connection: kind === 'websocket' ? 'Upgrade' : 'close' };
  if (kind === 'websocket')
    Object.assign(headers, {
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    });
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 101);
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function measure(
  server: Server,
  config: GatewayConfigId,
  kind: 'polling' | 'websocket',
  origin: () => string,
  seconds: number,
  connections: number,
): Promise<{ perSecond: number; statuses: Record<string, number>; count: number }> {
  const statuses: Record<string, number> = {};
  let count = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const status = await handshake(server.port, kind, config, origin());
        statuses[status] = (statuses[status] ?? 0) + 1;
        count++;
      }
    }),
  );
  return { perSecond: count / ((performance.now() - started) / 1000), statuses, count };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runGatewayBench(
  log: (line: string) => void,
  opts: { rounds: number; seconds: number; connections: number } = { rounds: 3, seconds: 1.5, connections: 10 },
): Promise<GatewayResult[]> {
  const cases: { config: GatewayConfigId; kind: 'polling' | 'websocket'; origin: GatewayResult['origin'] }[] = [];
  for (const config of ['io-none', 'io-list', 'io-resolver'] as const) {
    for (const kind of ['polling', 'websocket'] as const)
      for (const origin of ['allowed', 'refused'] as const) cases.push({ config, kind, origin });
  }
  for (const config of ['ws-none', 'ws-list'] as const)
    for (const origin of ['allowed', 'refused'] as const) cases.push({ config, kind: 'websocket', origin });
  cases.push({ config: 'io-resolver', kind: 'polling', origin: 'flood (distinct unknown origins)' });

  const servers = new Map<GatewayConfigId, Server>();
  for (const config of new Set(cases.map((c) => c.config))) servers.set(config, await start(config));
  const samples = new Map<number, number[]>();
  const last = new Map<number, Record<string, number>>();
  const floodCalls: number[] = [];
  try {
    for (let round = 0; round < opts.rounds; round++) {
      for (const [i, c] of cases.entries()) {
        const server = servers.get(c.config)!;
        let flood = 0;
        const origin =
          c.origin === 'allowed'
            ? () => ALLOWED_ORIGIN
            : c.origin === 'refused'
              ? () => REFUSED_ORIGIN
              : () => `https://flood-${round}-${flood++}.example.net`;
        const before = c.origin.startsWith('flood') ? await resolverCalls(server) : 0;
        const r = await measure(server, c.config, c.kind, origin, opts.seconds, opts.connections);
        if (c.origin.startsWith('flood')) floodCalls.push(((await resolverCalls(server)) - before) / r.count);
        (samples.get(i) ?? samples.set(i, []).get(i)!).push(r.perSecond);
        last.set(i, r.statuses);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      log(`gateway handshakes: round ${round + 1}/${opts.rounds}`);
    }
  } finally {
    for (const { child } of servers.values()) child.kill('SIGKILL');
  }
  return cases.map((c, i) => ({
    config: c.config,
    label: GATEWAY_CONFIGS[c.config],
    handshake: c.kind,
    origin: c.origin,
    perSecond: median(samples.get(i)!),
    statuses: last.get(i)!,
    ...(c.origin.startsWith('flood') ? { resolverCallsPerHandshake: median(floodCalls) } : {}),
  }));
}
