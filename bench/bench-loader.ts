/**
 * Child process: one autocannon load generator, driven by the parent over IPC so two of them can start together.
 * Latencies are collected from every response (autocannon's own histogram keeps whole milliseconds and 2xx only).
 */
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

export interface LoadJob {
  type: 'run';
  id: number;
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Seconds; ignored when `amount` is set. */
  duration: number;
  amount?: number;
  connections: number;
  /** Send a new random Origin on every request. */
  randomOrigin?: boolean;
  /** Requests per second over all connections (autocannon's overallRate); as fast as the server answers when unset. */
  rate?: number;
}

export interface LoadResult {
  type: 'result';
  id: number;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses by status class: { '2xx': n, ... } */
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
}

type Autocannon = (opts: Record<string, unknown>) => {
  on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'done', fn: (result: { errors: number; timeouts: number }) => void): void;
};

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function randomOrigin(): string {
  return `https://${randomBytes(8).toString('hex')}.flood.example`;
}

function run(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve) => {
    let latencies = new Float64Array(1 << 16);
    let n = 0;
    const statuses: Record<string, number> = {};
    const started = process.hrtime.bigint();
    const opts: Record<string, unknown> = {
      url: job.url,
      method: job.method,
      headers: job.headers,
      connections: job.connections,
      pipelining: 1,
      ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.duration }),
      ...(job.rate !== undefined ? { overallRate: job.rate } : {}),
    };
    if (job.randomOrigin) {
      opts.requests = [
        { setupRequest: (req: { headers: Record<string, string> }) => ({ ...req, headers: { ...req.headers, origin: randomOrigin() } }) },
      ];
    }
    const instance = autocannon(opts);
    instance.on('response', (_client, status, _bytes, ms) => {
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = ms;
      const cls = `${Math.floor(status / 100)}xx`;
      statuses[cls] = (statuses[cls] ?? 0) + 1;
    });
    instance.on('done', (result) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const sorted = latencies.subarray(0, n).sort();
      resolve({
        type: 'result',
        id: job.id,
        requests: n,
        seconds,
        rps: n / seconds,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
      });
    });
  });
}

if (process.send) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (job: LoadJob) => {
    if (job.type === 'run') void run(job).then((result) => process.send!(result));
  });
  process.send({ type: 'ready' });
}
