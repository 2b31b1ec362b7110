/**
 * The HTTP benchmark: every configuration as a real Nest app, compared in pairs loaded at the same time on the same
 * core (each with its own load generator on the other core), so the CPU's speed swings hit both sides of a ratio
 * alike. Two processes per configuration, alternated over the rounds; an A-vs-A pair shows the noise floor.
 */
import { request } from 'node:http';
import { ALLOWED_ORIGIN, CONFIG_NUMBER, CONFIGS, ConfigId, ON_FASTIFY, REFUSED_ORIGIN, ROUTE, WITHOUT_CORS } from './bench-apps.js';
import { BenchLoader, BenchServer } from './bench-processes.js';
import type { LoadResult } from './bench-loader.js';

export const SCENARIOS = {
  allowed: { label: 'GET, allowed origin', method: 'GET', headers: { origin: ALLOWED_ORIGIN } },
  refused: { label: 'GET, refused origin', method: 'GET', headers: { origin: REFUSED_ORIGIN } },
  preflight: {
    label: 'preflight PUT, 2 headers',
    method: 'OPTIONS',
    headers: {
      origin: ALLOWED_ORIGIN,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'x-api-key, x-request-id',
    },
  },
} as const;
export type ScenarioId = keyof typeof SCENARIOS;

export interface PairSpec {
  /** The reference side of the ratio. */
  a: ConfigId;
  b: ConfigId;
  scenario: ScenarioId;
}

export interface SideStats {
  config: ConfigId;
  rps: number;
  p50: number;
  p99: number;
  rounds: { replica: number; rps: number; p50: number; p99: number; statuses: Record<string, number>; errors: number }[];
}

export interface PairResult extends PairSpec {
  a_stats: SideStats;
  b_stats: SideStats;
  /** Geometric mean over rounds of b's req/s divided by a's, measured at the same time. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

export interface CheckResult {
  config: ConfigId;
  scenario: ScenarioId;
  status: number;
  acao: string | null;
  ok: boolean;
  expected: string;
}

export interface HttpBenchOptions {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /** Pause before each pair, so the previous pair's background work does not land on the next one. */
  settleMs: number;
  configs: ConfigId[];
  log: (line: string) => void;
}

const REPLICAS = 2;

export function pairsFor(configs: readonly ConfigId[]): PairSpec[] {
  const pairs: PairSpec[] = [{ a: 'base', b: 'base', scenario: 'allowed' }];
  for (const c of configs) {
    if (WITHOUT_CORS.has(c) || c === 'floor') continue;
    // Each platform against itself without CORS: Fastify's configurations against F1.
    const reference: ConfigId = ON_FASTIFY[c] ? 'fbase' : 'base';
    for (const scenario of Object.keys(SCENARIOS) as ScenarioId[]) pairs.push({ a: reference, b: c, scenario });
  }
  if (configs.includes('fbase')) pairs.push({ a: 'base', b: 'fbase', scenario: 'allowed' }); // the two platforms bare
  // The library against what a Fastify user would use instead, for every request.
  for (const lib of ['fdefaults', 'fmerged'] as const) {
    if (configs.includes('fnest') && configs.includes(lib)) {
      for (const scenario of Object.keys(SCENARIOS) as ScenarioId[]) pairs.push({ a: 'fnest', b: lib, scenario });
    }
  }
  // Configuration 4 against the same 100 routes without CORS: what the library adds there, apart from the app's routes.
  for (const [routes, lib] of [
    ['routes', 'merged'],
    ['froutes', 'fmerged'],
  ] as const) {
    if (!configs.includes(routes)) continue;
    pairs.push({ a: ON_FASTIFY[routes] ? 'fbase' : 'base', b: routes, scenario: 'allowed' });
    if (configs.includes(lib)) for (const scenario of ['allowed', 'refused'] as const) pairs.push({ a: routes, b: lib, scenario });
  }
  // The Express preflight against the hand-written floor.
  if (configs.includes('floor') && configs.includes('defaults')) pairs.push({ a: 'floor', b: 'defaults', scenario: 'preflight' });
  // The goals that compare two CORS layers directly.
  if (configs.includes('nest') && configs.includes('defaults')) pairs.push({ a: 'nest', b: 'defaults', scenario: 'preflight' });
  if (configs.includes('nest') && configs.includes('merged')) pairs.push({ a: 'nest', b: 'merged', scenario: 'preflight' });
  if (configs.includes('defaults') && configs.includes('large')) pairs.push({ a: 'defaults', b: 'large', scenario: 'allowed' });
  return pairs;
}

function get(url: string, headers: Record<string, string>, method: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One request per configuration and scenario: the benchmark measures the intended behaviour, or says it does not. */
async function check(server: BenchServer, scenario: ScenarioId): Promise<CheckResult> {
  const s = SCENARIOS[scenario];
  const res = await get(server.url + ROUTE, { ...s.headers }, s.method);
  const acao = (res.headers['access-control-allow-origin'] as string | undefined) ?? null;
  let expected: string;
  let ok: boolean;
  if (WITHOUT_CORS.has(server.config) || (server.config === 'floor' && scenario !== 'preflight')) {
    expected = scenario === 'preflight' ? '404, no CORS headers' : '200, no CORS headers'; // the floor: GET untouched
    ok = res.status === (scenario === 'preflight' ? 404 : 200) && acao === null;
  } else if (scenario === 'refused') {
    expected = '200 without Access-Control-Allow-Origin';
    ok = res.status === 200 && acao === null;
  } else {
    expected = `${scenario === 'preflight' ? '204' : '200'} with Access-Control-Allow-Origin: ${ALLOWED_ORIGIN}`;
    ok = res.status === (scenario === 'preflight' ? 204 : 200) && acao === ALLOWED_ORIGIN;
    if (scenario === 'preflight') ok &&= /x-api-key/i.test(String(res.headers['access-control-allow-headers'] ?? ''));
  }
  return { config: server.config, scenario, status: res.status, acao, ok, expected };
}

/** The mean of ratios: over balanced rounds, per-process speed differences cancel out of it exactly. */
const geomean = (xs: number[]) => Math.exp(xs.reduce((sum, x) => sum + Math.log(x), 0) / xs.length);

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function side(config: ConfigId, rounds: SideStats['rounds']): SideStats {
  return {
    config,
    rps: median(rounds.map((r) => r.rps)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    rounds,
  };
}

export async function runHttpBench(opts: HttpBenchOptions): Promise<{ pairs: PairResult[]; checks: CheckResult[] }> {
  const configs: ConfigId[] = ['base', ...opts.configs.filter((c) => c !== 'base')];
  if (configs.some((c) => ON_FASTIFY[c]) && !configs.includes('fbase')) configs.push('fbase');
  const pairs = pairsFor(configs);
  opts.log(`starting ${configs.length * REPLICAS} servers (${configs.join(', ')}) and 2 load generators`);
  const servers = new Map<ConfigId, BenchServer[]>();
  for (const config of configs) {
    const replicas: BenchServer[] = [];
    // No memory reducer: its GC fires seconds after a server goes idle, on the core the next pair is measured on.
    for (let r = 0; r < REPLICAS; r++) replicas.push(await BenchServer.start(config, r, ['--no-memory-reducer']));
    servers.set(config, replicas);
  }
  const loaders = [await BenchLoader.start(), await BenchLoader.start()];
  try {
    const checks: CheckResult[] = [];
    for (const config of configs) {
      for (const scenario of Object.keys(SCENARIOS) as ScenarioId[]) {
        for (const server of servers.get(config)!) {
          const c = await check(server, scenario);
          if (server.replica === 0) checks.push(c);
          if (!c.ok) opts.log(`CHECK FAILED: ${config} ${scenario}: got ${c.status} ACAO=${c.acao}, expected ${c.expected}`);
        }
      }
    }

    const load = (server: BenchServer, loader: BenchLoader, scenario: ScenarioId, seconds: number) =>
      loader.run({
        url: server.url + ROUTE,
        method: SCENARIOS[scenario].method,
        headers: { ...SCENARIOS[scenario].headers },
        duration: seconds,
        connections: opts.connections,
      });

    // Warm-up: every process, every scenario, two processes at a time (so both cores see the usual layout).
    const all = [...servers.values()].flat();
    opts.log(`warm-up: ${all.length} processes × ${Object.keys(SCENARIOS).length} scenarios × ${opts.warmupSeconds}s, two at a time`);
    for (let i = 0; i < all.length; i += 2) {
      for (const scenario of Object.keys(SCENARIOS) as ScenarioId[]) {
        await Promise.all(all.slice(i, i + 2).map((s, k) => load(s, loaders[k], scenario, opts.warmupSeconds)));
      }
    }

    const perRound = pairs.map(() => ({ a: [] as SideStats['rounds'], b: [] as SideStats['rounds'], ratios: [] as number[] }));
    for (let round = 0; round < opts.rounds; round++) {
      const started = Date.now();
      for (let p = 0; p < pairs.length; p++) {
        const { a, b, scenario } = pairs[p];
        // Over every four rounds each combination of processes meets once (A/A: each process on each side twice), so
        // a process that happens to be faster than its twin weighs on both sides of the ratio alike.
        const ra = round % REPLICAS;
        const rb = a === b ? (ra + 1) % REPLICAS : (round >> 1) % REPLICAS;
        const sa = servers.get(a)![ra];
        const sb = servers.get(b)![rb];
        // Which load generator drives which side alternates too, out of step with the processes.
        const [la, lb] = (round + (round >> 1)) % 2 === 0 ? loaders : [loaders[1], loaders[0]];
        // Let the previous pair's servers finish what V8 does after a burst (GC, compiler threads) on this core first.
        await new Promise((r) => setTimeout(r, opts.settleMs));
        const [resA, resB] = await Promise.all([load(sa, la, scenario, opts.seconds), load(sb, lb, scenario, opts.seconds)]);
        const entry = (replica: number, r: LoadResult) => ({
          replica,
          rps: r.rps,
          p50: r.p50,
          p99: r.p99,
          statuses: r.statuses,
          errors: r.errors + r.timeouts,
        });
        perRound[p].a.push(entry(ra, resA));
        perRound[p].b.push(entry(rb, resB));
        perRound[p].ratios.push(resB.rps / resA.rps);
      }
      opts.log(`round ${round + 1}/${opts.rounds} done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }

    const results: PairResult[] = pairs.map((spec, p) => ({
      ...spec,
      a_stats: side(spec.a, perRound[p].a),
      b_stats: side(spec.b, perRound[p].b),
      ratio: geomean(perRound[p].ratios),
      ratioMin: Math.min(...perRound[p].ratios),
      ratioMax: Math.max(...perRound[p].ratios),
    }));
    return { pairs: results, checks };
  } finally {
    await Promise.all([...loaders.map((l) => l.stop()), ...[...servers.values()].flat().map((s) => s.stop())]);
  }
}

export function pairLabel(p: PairSpec): string {
  if (p.a === p.b) return `${CONFIG_NUMBER[p.a]} vs ${CONFIG_NUMBER[p.b]} (A/A noise floor)`;
  return `${CONFIG_NUMBER[p.b]} ${CONFIGS[p.b]}`;
}
