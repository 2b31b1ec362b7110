/**
 * `npm run bench`: the engine micro-benchmark, the request hook alone, the memory check, the paired HTTP benchmark, then server CPU
 * per request at equal offered load (bench/cpu-pair.bench.ts) and the WebSocket handshakes; one table on
 * stdout, bench/results/latest.json (for tracking) and bench/results/latest.md (for docs/benchmarks.md).
 *
 * Environment: BENCH_ROUNDS (4; a multiple of 4 balances the processes), BENCH_SECONDS (1.75 per pair and round), BENCH_WARMUP (0.5),
 * BENCH_CONNECTIONS (10), BENCH_SETTLE_MS (300, pause before each pair), BENCH_ONLY (engine,hook,memory,http,cpu,gateway),
 * BENCH_CPU_RATE (5000 requests/s per server), BENCH_CPU_SECONDS (3), BENCH_CPU_ROUNDS (10),
 * BENCH_CONFIGS (nest,defaults,merged,routes,large,resolver,floor,fnest,fdefaults,fmerged,froutes),
 * BENCH_OUT (a results folder; default bench/results).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_NUMBER, CONFIGS, ConfigId, ON_FASTIFY } from './bench-apps.js';
import { PINNING, runBench } from './bench-processes.js';
import { EngineResult, runEngineBench } from './engine.bench.js';
import { GatewayResult, runGatewayBench } from './gateway.bench.js';
import { runHookBench } from './hook.bench.js';
import { PairResult, runHttpBench, SCENARIOS, CheckResult } from './http.bench.js';
import { CpuPairResult, CpuPairSpec, runCpuPairBench } from './cpu-pair.bench.js';
import { CACHE_MAX, MemoryResult, runMemoryBench } from './memory.bench.js';

const env = process.env;
const num = (name: string, fallback: number) => (env[name] !== undefined && env[name] !== '' ? Number(env[name]) : fallback);
const ONLY = new Set((env.BENCH_ONLY ?? 'engine,hook,memory,http,cpu,gateway').split(',').map((s) => s.trim()));
const CONFIG_IDS = (env.BENCH_CONFIGS ?? 'nest,defaults,merged,routes,large,resolver,floor,fnest,fdefaults,fmerged,froutes')
  .split(',')
  .map((s) => s.trim()) as ConfigId[];
for (const c of CONFIG_IDS) if (!(c in CONFIGS)) throw new Error(`BENCH_CONFIGS: unknown '${c}' (${Object.keys(CONFIGS).join(', ')})`);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = env.BENCH_OUT ?? join(ROOT, 'bench', 'results');

const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

function cpuTimes(): number[][] {
  return readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .filter((l) => /^cpu\d+ /.test(l))
    .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
}

/** Busy share of each core over `ms`, before the benchmark starts anything: how much else the machine is doing. */
async function busyPerCore(ms: number): Promise<number[] | null> {
  try {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, ms));
    const b = cpuTimes();
    return a.map((t, i) => {
      const d = b[i].map((v, k) => v - t[k]);
      const total = d.reduce((s, v) => s + v, 0);
      const idle = d[3] + (d[4] ?? 0);
      return total > 0 ? Math.round((100 * (total - idle)) / total) : 0;
    });
  } catch {
    return null;
  }
}

function machine() {
  let cpuModel = 'unknown';
  try {
    cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: the model stays unknown
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'bench', ':!bench/results'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    if (dirty) commit += '+changes';
  } catch {
    // not a git checkout: the commit stays unknown
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    commit,
    pinning: PINNING
      ? `servers on CPU ${PINNING.server}, load generators on CPU ${PINNING.loader} (taskset)`
      : 'none (no taskset or one core)',
  };
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');

function table(head: string[], rows: string[][]): string {
  const align = head.map((h, i) => (i === 0 || /configuration|request|decision|check|goal/i.test(h) ? ':--' : '--:'));
  return [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function httpTable(pairs: PairResult[]): string {
  const rows = pairs.map((p) => {
    const vs =
      p.a === p.b ? `${CONFIG_NUMBER[p.a]} vs ${CONFIG_NUMBER[p.b]} (A/A: noise floor)` : `${CONFIG_NUMBER[p.b]} vs ${CONFIG_NUMBER[p.a]}`;
    const what = p.a === p.b ? CONFIGS[p.a] : CONFIGS[p.b];
    return [
      vs,
      what,
      SCENARIOS[p.scenario].label,
      f0(p.b_stats.rps),
      f2(p.b_stats.p50),
      f2(p.b_stats.p99),
      f0(p.a_stats.rps),
      `**${p.ratio.toFixed(3)}**`,
      `${p.ratioMin.toFixed(2)}–${p.ratioMax.toFixed(2)}`,
    ];
  });
  return table(
    ['pair', 'configuration', 'request', 'req/s', 'p50 ms', 'p99 ms', 'reference req/s (same time)', 'ratio', 'range over rounds'],
    rows,
  );
}

/** The pairs of the CPU-at-equal-load section, among the configurations of this run. */
function cpuPairs(configs: readonly ConfigId[]): CpuPairSpec[] {
  const has = (c: ConfigId) => configs.includes(c) || c === 'base' || (c === 'fbase' && configs.some((x) => ON_FASTIFY[x] !== undefined));
  const candidates: CpuPairSpec[] = [
    { a: 'floor', b: 'floor', scenario: 'preflight' },
    { a: 'floor', b: 'defaults', scenario: 'preflight' },
    { a: 'fnest', b: 'fdefaults', scenario: 'preflight' },
    { a: 'fnest', b: 'fdefaults', scenario: 'allowed' },
    { a: 'fnest', b: 'fmerged', scenario: 'preflight' },
    { a: 'fnest', b: 'fmerged', scenario: 'allowed' },
    { a: 'fbase', b: 'fdefaults', scenario: 'allowed' },
  ];
  return candidates.filter((p) => has(p.a) && has(p.b));
}

function cpuTable(results: CpuPairResult[]): string {
  return table(
    ['pair', 'configuration', 'request', 'reference µs CPU/request', 'µs CPU/request', 'ratio', 'range over rounds', 'unexpected answers'],
    results.map((r) => [
      r.a === r.b ? `${CONFIG_NUMBER[r.a]} vs ${CONFIG_NUMBER[r.b]} (A/A)` : `${CONFIG_NUMBER[r.b]} vs ${CONFIG_NUMBER[r.a]}`,
      CONFIGS[r.b],
      SCENARIOS[r.scenario].label,
      f1(r.aMicros),
      f1(r.bMicros),
      `**${r.ratio.toFixed(3)}**`,
      `${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}`,
      String(r.unexpected),
    ]),
  );
}

interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
}

function goals(pairs: PairResult[], memory: MemoryResult[], cpu: CpuPairResult[]): Goal[] {
  const find = (a: ConfigId, b: ConfigId, s: string) => pairs.find((p) => p.a === a && p.b === b && p.scenario === s);
  const out: Goal[] = [];
  const ratioGoal = (label: string, p: PairResult | undefined, min: number) => {
    if (p)
      out.push({
        goal: `${label} ≥ ${min.toFixed(2)}×`,
        measured: `${p.ratio.toFixed(3)}× (rounds ${p.ratioMin.toFixed(2)}–${p.ratioMax.toFixed(2)})`,
        met: p.ratio >= min,
      });
  };
  ratioGoal('3 (defaults) GET allowed vs 1 (no CORS)', find('base', 'defaults', 'allowed'), 0.97);
  ratioGoal('4 (@Cors merged, 100 routes) GET allowed vs 1', find('base', 'merged', 'allowed'), 0.97);
  ratioGoal('3 preflight vs 2 (enableCors)', find('nest', 'defaults', 'preflight'), 1.0);
  ratioGoal('4 preflight vs 2 (enableCors)', find('nest', 'merged', 'preflight'), 1.0);
  ratioGoal('5 (10,000 origins) GET allowed vs 3', find('defaults', 'large', 'allowed'), 0.95);
  ratioGoal('3 preflight vs 3f (hand-written app.handle floor)', find('floor', 'defaults', 'preflight'), 0.95);
  for (const lib of ['fdefaults', 'fmerged'] as const) {
    const n = CONFIG_NUMBER[lib];
    ratioGoal(`${n} GET allowed vs F2 (@fastify/cors)`, find('fnest', lib, 'allowed'), 0.98);
    ratioGoal(`${n} GET refused vs F2 (@fastify/cors)`, find('fnest', lib, 'refused'), 0.98);
    ratioGoal(`${n} GET allowed vs F1 (no CORS)`, find('fbase', lib, 'allowed'), 0.95);
    ratioGoal(`${n} preflight vs F2 (@fastify/cors)`, find('fnest', lib, 'preflight'), 1.0);
  }
  const cpuGoal = (label: string, a: ConfigId, b: ConfigId, scenario: string, min: number) => {
    const p = cpu.find((c) => c.a === a && c.b === b && c.scenario === scenario);
    if (p)
      out.push({
        goal: `${label}, CPU per request at equal load ≥ ${min.toFixed(2)}×`,
        measured: `${p.ratio.toFixed(3)}× (rounds ${p.ratioMin.toFixed(2)}–${p.ratioMax.toFixed(2)})`,
        met: p.ratio >= min,
      });
  };
  cpuGoal('3 preflight vs 3f (hand-written app.handle floor)', 'floor', 'defaults', 'preflight', 0.95);
  for (const lib of ['fdefaults', 'fmerged'] as const) {
    const n = CONFIG_NUMBER[lib];
    cpuGoal(`${n} preflight vs F2 (@fastify/cors)`, 'fnest', lib, 'preflight', 1.0);
    cpuGoal(`${n} GET allowed vs F2 (@fastify/cors)`, 'fnest', lib, 'allowed', 0.98);
  }
  cpuGoal('F3 GET allowed vs F1 (no CORS)', 'fbase', 'fdefaults', 'allowed', 0.95);
  for (const m of memory) out.push({ goal: `heap growth < 20 MB: ${m.name}`, measured: `${f1(m.growthMB)} MB`, met: m.growthMB < 20 });
  return out;
}

function engineTable(results: EngineResult[]): string {
  const cols = [...new Set(results.map((r) => r.origins))];
  const names = [...new Set(results.map((r) => r.name))];
  const rows = names.map((name) => [
    name,
    ...cols.map((c) => {
      const r = results.find((x) => x.name === name && x.origins === c);
      return r ? f0(r.nsPerOp) : '';
    }),
  ]);
  return table(['decision (ns/op, median)', ...cols.map((c) => `${c} origin${c === '1' ? '' : 's'}`)], rows);
}

function memoryTable(results: MemoryResult[]): string {
  return table(
    ['check', 'heap before (MB)', 'heap after (MB)', 'growth (MB)', 'time (s)', 'note'],
    results.map((m) => [m.name, f1(m.heapBeforeMB), f1(m.heapAfterMB), `**${f1(m.growthMB)}**`, f1(m.seconds), m.note ?? '']),
  );
}

function checksTable(checks: CheckResult[]): string {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length === 0)
    return `Every configuration answered as intended (${checks.length} checks: status and Access-Control-Allow-Origin).`;
  return `**Checks failed** (the figures below do not measure what they claim):\n\n${table(
    ['configuration', 'request', 'got', 'expected'],
    failed.map((c) => [
      `${CONFIG_NUMBER[c.config]} ${CONFIGS[c.config]}`,
      SCENARIOS[c.scenario].label,
      `${c.status} ACAO=${c.acao}`,
      c.expected,
    ]),
  )}`;
}

function gatewayTable(results: GatewayResult[]): string {
  return table(
    ['configuration', 'handshake', 'origin', 'handshakes/s', 'answers (last round)', 'resolver runs per handshake'],
    results.map((r) => [
      r.label,
      r.handshake,
      r.origin,
      `**${f0(r.perSecond)}**`,
      Object.entries(r.statuses)
        .map(([s, n]) => `${s === '0' ? 'closed' : s}×${n}`)
        .join(', '),
      r.resolverCallsPerHandshake === undefined ? '' : f2(r.resolverCallsPerHandshake),
    ]),
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const busyBefore = await busyPerCore(1000);
  const load1Before = loadavg()[0];
  const opts = {
    rounds: num('BENCH_ROUNDS', 4),
    seconds: num('BENCH_SECONDS', 1.75),
    warmupSeconds: num('BENCH_WARMUP', 0.5),
    connections: num('BENCH_CONNECTIONS', 10),
    settleMs: num('BENCH_SETTLE_MS', 300),
  };
  const info = machine();
  log(
    `${info.nproc} CPUs (${info.cpuModel}), node ${info.node}; busy before start: ${busyBefore?.map((b) => `${b}%`).join(' / ') ?? 'n/a'}; pinning: ${info.pinning}`,
  );

  const engine = ONLY.has('engine') ? await runEngineBench(log) : [];
  const hook = ONLY.has('hook') ? runHookBench(log) : [];
  const memory = ONLY.has('memory') ? await runMemoryBench(log) : [];
  const http = ONLY.has('http') ? await runHttpBench({ ...opts, configs: CONFIG_IDS, log }) : { pairs: [], checks: [] };
  const cpuOpts = { rate: num('BENCH_CPU_RATE', 5000), seconds: num('BENCH_CPU_SECONDS', 3), rounds: num('BENCH_CPU_ROUNDS', 10) };
  const cpu = ONLY.has('cpu') ? await runCpuPairBench({ ...cpuOpts, pairs: cpuPairs(CONFIG_IDS), log }) : [];
  const gatewayRounds = Math.max(1, Math.round(opts.rounds * 0.75));
  const gateway = ONLY.has('gateway')
    ? await runGatewayBench(log, { rounds: gatewayRounds, seconds: opts.seconds, connections: opts.connections })
    : [];
  const load1After = loadavg()[0];
  const seconds = (Date.now() - started) / 1000;
  const goalList = goals(http.pairs, memory, cpu);

  const md = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC at ${info.commit}: ${info.nproc} CPUs (${info.cpuModel}), Node.js ${info.node}, ${info.platform}. ` +
      `Pinning: ${info.pinning}. Machine busy before the run: ${busyBefore?.map((b) => `${b}%`).join(' / ') ?? 'n/a'} per core; ` +
      `load average ${load1Before.toFixed(2)} at the start, ${load1After.toFixed(2)} at the end. ` +
      `${opts.rounds} rounds × ${opts.seconds} s per pair, ${opts.connections} connections per side, no pipelining; whole run ${Math.round(seconds)} s.`,
    '',
    ...(http.pairs.length
      ? [
          '**HTTP, two servers loaded at the same time on the same core** (ratio = req/s of the configuration ÷ req/s of the reference measured at the same time, geometric mean over rounds; req/s and latencies: medians):',
          '',
          httpTable(http.pairs),
          '',
          checksTable(http.checks),
          '',
        ]
      : []),
    ...(cpu.length
      ? [
          `**Server CPU per request at equal offered load** (two servers on the same core, each sent ${cpuOpts.rate.toLocaleString('en-US')} requests/s at the same time by its own load generator, ${cpuOpts.rounds} rounds × ${cpuOpts.seconds} s; ratio = CPU per request of the reference ÷ that of the configuration, so above 1 means cheaper; ratio and µs: medians over rounds):`,
          '',
          cpuTable(cpu),
          '',
        ]
      : []),
    ...(goalList.length
      ? [
          '**Goals**',
          '',
          table(
            ['goal', 'measured', 'met'],
            goalList.map((g) => [g.goal, g.measured, g.met ? 'yes' : 'no']),
          ),
          '',
        ]
      : []),
    ...(engine.length ? ['**Engine alone** (tinybench, median ns per decision):', '', engineTable(engine), ''] : []),
    ...(hook.length
      ? [
          '**The request hook alone** (real `IncomingMessage`/`ServerResponse` objects, each hook where an app has it; ns added to a request that costs the first column without a hook; median of 9 rounds):',
          '',
          table(
            ['request', 'no hook (ns)', 'this library adds (ns)', 'cors() adds (ns)'],
            hook.map((h) => [h.request, f0(h.noneNs), f0(h.oursNs), f0(h.corsNs)]),
          ),
          '',
        ]
      : []),
    ...(gateway.length
      ? [
          `**WebSocket gateways** (handshakes per second, each on a new connection, ${opts.connections} in flight, ${opts.seconds} s per case; server in its own process; median over ${gatewayRounds} rounds; "no origin check" = no CorsModule):`,
          '',
          gatewayTable(gateway),
          '',
        ]
      : []),
    ...(memory.length
      ? [
          `**Memory** (heap after a full GC; the library's decision cache keeps at most ${CACHE_MAX.toLocaleString('en-US')} origins by default):`,
          '',
          memoryTable(memory),
          '',
        ]
      : []),
  ].join('\n');

  mkdirSync(OUT, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine: { ...info, busyBeforePercentPerCore: busyBefore, loadavg1Start: load1Before, loadavg1End: load1After },
    options: opts,
    seconds,
    http: http.pairs,
    checks: http.checks,
    cpu,
    goals: goalList,
    engine,
    hook,
    memory,
    gateway,
  };
  writeFileSync(join(OUT, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(OUT, 'latest.md'), `${md}\n`);
  console.log(md);
  log(`done in ${Math.round(seconds)} s; wrote ${join(OUT, 'latest.json')} and latest.md`);
}

runBench(main);
