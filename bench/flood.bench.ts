/**
 * `npm run bench:flood`: a flood of unknown origins against a resolver route (issue 11, part 1).
 *
 * For each configuration — 6: the sample's resolver with `allOrigins()` (the whole allow-list in memory), 7: the same
 * table asked once per origin (no `allOrigins()`, the decision cache and its concurrency bound in front) — one server
 * process (pinned like `npm run bench`), then:
 *   1. legitimate traffic alone: GET from the allowed origin, FLOOD_LEGIT_CONNECTIONS connections, FLOOD_LEGIT_SECONDS;
 *   2. the same legitimate traffic during a flood of FLOOD_REQUESTS requests, each with a new random Origin,
 *      FLOOD_CONNECTIONS connections (both load generators start together; the flood outlasts the legitimate run);
 * and reports the store queries the flood caused, the most that ran at once, the heap after a full GC before and
 * after the flood, and the p50/p99 of the legitimate requests alone and during the flood.
 * Prints a Markdown table and writes bench/results/flood.json and flood.md (BENCH_OUT to change the folder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { ALLOWED_ORIGIN, CONFIG_NUMBER, CONFIGS, ConfigId, ROUTE } from './bench-apps.js';
import { BenchLoader, BenchServer, PINNING, runBench } from './bench-processes.js';
import type { LoadResult } from './bench-loader.js';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : fallback);
const FLOOD_REQUESTS = num('FLOOD_REQUESTS', 100_000);
const FLOOD_CONNECTIONS = num('FLOOD_CONNECTIONS', 50);
const LEGIT_CONNECTIONS = num('FLOOD_LEGIT_CONNECTIONS', 2);
const LEGIT_SECONDS = num('FLOOD_LEGIT_SECONDS', 5);
const CONFIG_IDS = (env.FLOOD_CONFIGS ?? 'resolver,resolver-plain').split(',').map((s) => s.trim()) as ConfigId[];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = env.BENCH_OUT ?? join(ROOT, 'bench', 'results');
const MB = 1024 * 1024;

const log = (line: string) => console.error(`[flood ${new Date().toISOString().slice(11, 19)}] ${line}`);

interface FloodResult {
  config: ConfigId;
  floodRequests: number;
  floodSeconds: number;
  floodStatuses: Record<string, number>;
  queriesDuringFlood: number;
  maxQueriesAtOnce: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  legitAlone: Pick<LoadResult, 'requests' | 'rps' | 'p50' | 'p99'>;
  legitDuringFlood: Pick<LoadResult, 'requests' | 'rps' | 'p50' | 'p99'> & { non2xx: number };
}

async function floodOne(config: ConfigId): Promise<FloodResult> {
  const server = await BenchServer.start(config, 0, ['--expose-gc']);
  const [flooder, legit] = await Promise.all([BenchLoader.start(), BenchLoader.start()]);
  try {
    const job = { url: server.url + ROUTE, method: 'GET', headers: { origin: ALLOWED_ORIGIN }, duration: 0 };
    await legit.run({ ...job, amount: 2_000, connections: LEGIT_CONNECTIONS }); // warm-up, the list or the cache entry loaded
    await flooder.run({ ...job, amount: 1_000, connections: 10, randomOrigin: true }); // the random-origin path once
    const alone = await legit.run({ ...job, duration: LEGIT_SECONDS, connections: LEGIT_CONNECTIONS });
    const heapBefore = await server.heap();
    const statsBefore = await server.stats();
    const started = performance.now();
    const [flood, during] = await Promise.all([
      flooder.run({ ...job, amount: FLOOD_REQUESTS, connections: FLOOD_CONNECTIONS, randomOrigin: true }),
      legit.run({ ...job, duration: LEGIT_SECONDS, connections: LEGIT_CONNECTIONS }),
    ]);
    const floodSeconds = (performance.now() - started) / 1000;
    const statsAfter = await server.stats();
    const heapAfter = await server.heap();
    if (floodSeconds < LEGIT_SECONDS)
      log(`note: the flood (${floodSeconds.toFixed(1)} s) ended before the legitimate run (${LEGIT_SECONDS} s)`);
    return {
      config,
      floodRequests: flood.requests,
      floodSeconds,
      floodStatuses: flood.statuses,
      queriesDuringFlood: statsAfter.queries - statsBefore.queries,
      maxQueriesAtOnce: statsAfter.maxInFlight,
      heapBeforeMB: heapBefore.heapUsed / MB,
      heapAfterMB: heapAfter.heapUsed / MB,
      legitAlone: { requests: alone.requests, rps: alone.rps, p50: alone.p50, p99: alone.p99 },
      legitDuringFlood: {
        requests: during.requests,
        rps: during.rps,
        p50: during.p50,
        p99: during.p99,
        non2xx: during.requests - (during.statuses['2xx'] ?? 0) + during.errors + during.timeouts,
      },
    };
  } finally {
    await Promise.all([flooder.stop(), legit.stop(), server.stop()]);
  }
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function markdown(results: FloodResult[], started: Date, seconds: number): string {
  const head = [
    'configuration',
    'flood requests',
    'store queries during the flood',
    'most queries at once',
    'heap before → after (MB)',
    'legitimate p50 / p99 alone (ms)',
    'legitimate p50 / p99 during the flood (ms)',
    'legitimate req/s alone → during',
  ];
  const rows = results.map((r) => [
    `${CONFIG_NUMBER[r.config]} ${CONFIGS[r.config]}`,
    `${int(r.floodRequests)} in ${f1(r.floodSeconds)} s`,
    int(r.queriesDuringFlood),
    int(r.maxQueriesAtOnce),
    `${f1(r.heapBeforeMB)} → ${f1(r.heapAfterMB)} (${r.heapAfterMB - r.heapBeforeMB >= 0 ? '+' : ''}${f1(r.heapAfterMB - r.heapBeforeMB)})`,
    `${f2(r.legitAlone.p50)} / ${f2(r.legitAlone.p99)}`,
    `${f2(r.legitDuringFlood.p50)} / ${f2(r.legitDuringFlood.p99)}${r.legitDuringFlood.non2xx ? ` (${r.legitDuringFlood.non2xx} failed)` : ''}`,
    `${int(r.legitAlone.rps)} → ${int(r.legitDuringFlood.rps)}`,
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench:flood\` (${Math.round(seconds)} s): ` +
      `${int(FLOOD_REQUESTS)} requests with random origins over ${FLOOD_CONNECTIONS} connections; legitimate GETs from the allowed ` +
      `origin over ${LEGIT_CONNECTIONS} connections for ${LEGIT_SECONDS} s, alone and during the flood. ` +
      `Pinning: ${PINNING ? `server on CPU ${PINNING.server}, both load generators on CPU ${PINNING.loader}` : 'none'}; load average ${loadavg()[0].toFixed(2)} at the end.`,
    '',
    line(head),
    line(head.map((_, i) => (i === 0 ? ':--' : '--:'))),
    ...rows.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = new Date();
  const results: FloodResult[] = [];
  for (const config of CONFIG_IDS) {
    log(`configuration ${CONFIG_NUMBER[config]} (${config}): ${FLOOD_REQUESTS} random origins`);
    results.push(await floodOne(config));
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const md = markdown(results, started, seconds);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'flood.json'), `${JSON.stringify({ date: started.toISOString(), results }, null, 2)}\n`);
  writeFileSync(join(OUT, 'flood.md'), `${md}\n`);
  console.log(md);
}

runBench(main);
