/**
 * Server CPU per request at equal offered load: two servers on the same core, each sent the same fixed number of
 * requests per second at the same time by its own load generator, well below what the core can serve; the figure is
 * the CPU time each process used divided by the requests it answered (`process.cpuUsage()`).
 *
 * Why next to the req/s pairs: a preflight costs ~25–30 µs of server CPU here, so two servers answering as fast as
 * they can ask ~35,000 requests a second of the two load generators, which then share one core with little to spare;
 * how that core is shared moves the req/s ratio of two near-equal servers by ±10 % from run to run (3 vs 3f read 0.91,
 * 0.92 and 1.09 in three runs of 2026-12-02). At a fixed rate neither side is starved and the comparison is the cost
 * of one request, which is what a floor or a competitor is measured by. Host noise (this VM's speed changes by up to
 * 2× from minute to minute) hits both servers of a round alike and cancels in the ratio.
 */
import { ConfigId, ROUTE } from './bench-apps.js';
import { BenchLoader, BenchServer } from './bench-processes.js';
import { SCENARIOS, ScenarioId } from './http.bench.js';

export interface CpuPairSpec {
  /** The reference. */
  a: ConfigId;
  b: ConfigId;
  scenario: ScenarioId;
}

export interface CpuPairResult extends CpuPairSpec {
  /** Requests per second sent to each server. */
  rate: number;
  /** Median µs of server CPU per request, over rounds. */
  aMicros: number;
  bMicros: number;
  /**
   * Throughput-equivalent ratio: CPU per request of a ÷ that of b (above 1: b is cheaper), the median over rounds: a
   * round in which the VM stalled one server more than the other (one in ten reads 0.75–0.85 here) does not move it.
   */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** Responses that were not the scenario's expected status class, both sides, all rounds. */
  unexpected: number;
}

export interface CpuPairOptions {
  pairs: readonly CpuPairSpec[];
  rate: number;
  seconds: number;
  rounds: number;
  log: (line: string) => void;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];

export async function runCpuPairBench(opts: CpuPairOptions): Promise<CpuPairResult[]> {
  const loaders = [await BenchLoader.start(), await BenchLoader.start()];
  const results: CpuPairResult[] = [];
  try {
    for (const spec of opts.pairs) {
      // Fresh processes per pair: nothing another pair's load left behind (heap, JIT state) weighs on one side only.
      const a = await BenchServer.start(spec.a, 0, ['--no-memory-reducer']);
      const b = await BenchServer.start(spec.b, 1, ['--no-memory-reducer']);
      try {
        const s = SCENARIOS[spec.scenario];
        const expected = '2xx'; // 204 for a granted preflight, 200 for the GETs (also the floor's, and a refused GET's)
        const fire = (server: BenchServer, loader: BenchLoader, seconds: number) =>
          loader.run({
            url: server.url + ROUTE,
            method: s.method,
            headers: { ...s.headers },
            duration: seconds,
            connections: 10,
            rate: opts.rate,
          });
        await Promise.all([fire(a, loaders[0], 2), fire(b, loaders[1], 2)]); // warm-up
        const aMicros: number[] = [];
        const bMicros: number[] = [];
        const ratios: number[] = [];
        let unexpected = 0;
        for (let round = 0; round < opts.rounds; round++) {
          const [la, lb] = round % 2 === 0 ? loaders : [loaders[1], loaders[0]];
          const [a0, b0] = await Promise.all([a.cpu(), b.cpu()]);
          const [ra, rb] = await Promise.all([fire(a, la, opts.seconds), fire(b, lb, opts.seconds)]);
          const [a1, b1] = await Promise.all([a.cpu(), b.cpu()]);
          for (const r of [ra, rb]) unexpected += r.requests - (r.statuses[expected] ?? 0) + r.errors + r.timeouts;
          const x = (a1 - a0) / ra.requests;
          const y = (b1 - b0) / rb.requests;
          aMicros.push(x);
          bMicros.push(y);
          ratios.push(x / y);
        }
        const result: CpuPairResult = {
          ...spec,
          rate: opts.rate,
          aMicros: median(aMicros),
          bMicros: median(bMicros),
          ratio: median(ratios),
          ratioMin: Math.min(...ratios),
          ratioMax: Math.max(...ratios),
          unexpected,
        };
        opts.log(
          `cpu ${spec.a} vs ${spec.b} ${spec.scenario}: ${result.aMicros.toFixed(1)} / ${result.bMicros.toFixed(1)} µs, ratio ${result.ratio.toFixed(3)} (${ratios.map((r) => r.toFixed(3)).join(' ')})`,
        );
        results.push(result);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    }
  } finally {
    await Promise.all(loaders.map((l) => l.stop()));
  }
  return results;
}
