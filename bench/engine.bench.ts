/**
 * The engine alone (no HTTP, no Nest), with tinybench: what one decision costs, in ns/op, as the number of
 * configured origins grows from 1 to 10,000 (+100 wildcard patterns), and for a hostile
 * Access-Control-Request-Headers. Each sample runs a batch of calls so the timer's resolution does not dominate.
 */
import { Bench } from 'tinybench';
import { compilePolicy, CompiledPolicy } from '../lib/core/cors-compiler.js';
import { actualHeaders, decidePreflight, isOriginAllowed } from '../lib/core/cors-engine.js';
import { CorsRouteIndex, RouteGroup } from '../lib/core/cors-route-index.js';
import { ALLOWED_ORIGIN, REFUSED_ORIGIN, ROUTE } from './bench-apps.js';

export interface EngineResult {
  name: string;
  origins: string;
  nsPerOp: number;
  /** Relative margin of error of the mean, in percent. */
  rme: number;
}

const BATCH = 1_000;

function originList(exact: number, wildcards: number): string[] {
  const list: string[] = [];
  for (let i = 0; i < exact; i++) list.push(i === exact >> 1 ? ALLOWED_ORIGIN : `https://customer-${i}.example.org`);
  for (let i = 0; i < wildcards; i++) list.push(`https://*.tenant-${i}.example`);
  return list;
}

function compile(origin: string[]): CompiledPolicy {
  const result = compilePolicy({ origin }, 'bench');
  if (!result.policy) throw new Error(result.problems.map((p) => p.reason).join('; '));
  return result.policy;
}

function group(policy: CompiledPolicy): { index: CorsRouteIndex; group: RouteGroup } {
  const index = new CorsRouteIndex(
    [
      { method: 'GET', path: ROUTE, policy, info: null },
      { method: 'PUT', path: ROUTE, policy, info: null },
    ],
    { caseSensitive: false, ignoreTrailingSlash: true },
  );
  return { index, group: index.lookup(ROUTE)! };
}

/** What the request hook does for an actual request: route lookup, method, origin, headers. */
function actualDecision(index: CorsRouteIndex, origin: string): unknown {
  const entry = index.lookup(ROUTE)!.forMethod('GET');
  const policy = entry!.policy!;
  return isOriginAllowed(policy, origin, undefined) === true ? actualHeaders(policy, origin) : null;
}

/** A flat string, as a header value parsed off the wire is (`repeat` and `join` build ropes). */
const flat = (s: string) => Buffer.from(s, 'latin1').toString('latin1');

/** 64 header names of 60 characters: as much as the parser accepts (just under the 4096-character cap). */
const HOSTILE_MAX = flat(Array.from({ length: 64 }, (_, i) => `x-${String(i).padStart(2, '0')}-${'a'.repeat(54)}`).join(','));
/** 4,096 characters of commas and spaces: no names, all scanning. */
const HOSTILE_EMPTY = flat(', '.repeat(2048));
/** Far over the cap: refused on its length alone. */
const HOSTILE_HUGE = flat('x-a,'.repeat(25_000));

export async function runEngineBench(log: (line: string) => void, timeMs = 250): Promise<EngineResult[]> {
  const sizes = [
    { label: '1', list: originList(1, 0) },
    { label: '100', list: originList(100, 0) },
    { label: '10,000', list: originList(10_000, 0) },
    { label: '10,000 + 100 wildcards', list: originList(10_000, 100) },
  ];
  const bench = new Bench({ time: timeMs, warmupTime: 50 });
  const meta = new Map<string, { name: string; origins: string }>();
  let sink: unknown;
  const add = (name: string, origins: string, fn: () => unknown) => {
    const key = `${name} [${origins}]`;
    meta.set(key, { name, origins });
    bench.add(key, () => {
      for (let i = 0; i < BATCH; i++) sink = fn();
    });
  };

  for (const { label, list } of sizes) {
    const policy = compile(list);
    const { index, group: g } = group(policy);
    add('actual request, allowed origin', label, () => actualDecision(index, ALLOWED_ORIGIN));
    add('actual request, refused origin', label, () => actualDecision(index, REFUSED_ORIGIN));
    if (list.length > 10_000) add('actual request, wildcard origin', label, () => actualDecision(index, 'https://shop.tenant-57.example'));
    add('preflight, allowed, 2 headers', label, () =>
      decidePreflight(g, { origin: ALLOWED_ORIGIN, method: 'PUT', requestHeaders: 'x-api-key, x-request-id' }),
    );
  }
  const { group: g1 } = group(compile(originList(1, 0)));
  add('preflight, 64 names of 60 chars', '1', () =>
    decidePreflight(g1, { origin: ALLOWED_ORIGIN, method: 'PUT', requestHeaders: HOSTILE_MAX }),
  );
  add('preflight, 4 KB of ", "', '1', () => decidePreflight(g1, { origin: ALLOWED_ORIGIN, method: 'PUT', requestHeaders: HOSTILE_EMPTY }));
  add('preflight, 100 KB header (over cap)', '1', () =>
    decidePreflight(g1, { origin: ALLOWED_ORIGIN, method: 'PUT', requestHeaders: HOSTILE_HUGE }),
  );

  log(`engine: ${bench.tasks.length} tasks × ${timeMs} ms`);
  await bench.run();
  void sink;
  return bench.tasks.map((task) => {
    const r = task.result as { state: string; latency?: { p50?: number; mean: number; rme: number } };
    if (r.state !== 'completed' || !r.latency) throw new Error(`engine bench '${task.name}' did not complete (${r.state})`);
    const ms = r.latency.p50 ?? r.latency.mean;
    return { ...meta.get(task.name)!, nsPerOp: (ms * 1e6) / BATCH, rme: r.latency.rme };
  });
}
