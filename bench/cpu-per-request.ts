/**
 * A development aid, not part of `npm run bench`: CPU time per request of each configuration's server process
 * (process.cpuUsage() over a fixed number of requests), configurations interleaved over rounds. Less sensitive to
 * other load than req/s, handy for A/B-ing a change to the request hook.
 *
 *   npx tsc -p tsconfig.bench.json && node .build/bench/cpu-per-request.js [configs] [scenario] [requests] [rounds]
 *   e.g. node .build/bench/cpu-per-request.js base,nest,defaults allowed 20000 5
 */
import { ConfigId, ROUTE } from './bench-apps.js';
import { BenchLoader, BenchServer, runBench } from './bench-processes.js';
import { SCENARIOS, ScenarioId } from './http.bench.js';

async function main(): Promise<void> {
  const configs = (process.argv[2] ?? 'base,defaults').split(',') as ConfigId[];
  const scenario = (process.argv[3] ?? 'allowed') as ScenarioId;
  const amount = Number(process.argv[4] ?? 20_000);
  const rounds = Number(process.argv[5] ?? 5);
  const servers = await Promise.all(configs.map((c) => BenchServer.start(c, 0)));
  const loader = await BenchLoader.start();
  const s = SCENARIOS[scenario];
  const samples = new Map<ConfigId, number[]>(configs.map((c) => [c, []]));
  const run = (server: BenchServer, n: number) =>
    loader.run({ url: server.url + ROUTE, method: s.method, headers: { ...s.headers }, duration: 0, amount: n, connections: 10 });
  for (const server of servers) await run(server, amount); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const server of r % 2 ? [...servers].reverse() : servers) {
      const before = await server.cpu();
      const result = await run(server, amount);
      samples.get(server.config)!.push(((await server.cpu()) - before) / result.requests);
    }
  }
  const base = samples.get(configs[0])!;
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const [config, xs] of samples) {
    const rel = xs.map((x, i) => x / base[i]);
    console.log(
      `${config.padEnd(9)} ${scenario}: ${med(xs).toFixed(1)} µs CPU/request (rounds ${xs.map((x) => x.toFixed(1)).join(' ')}); × ${configs[0]}: ${med(rel).toFixed(3)}`,
    );
  }
}

runBench(main);
