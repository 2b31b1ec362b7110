/**
 * Child processes of a bench run: servers pinned to one core, load generators to the other (taskset, when the
 * machine has it and two cores), all killed when the run ends, fails or is interrupted.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { ConfigId } from './bench-apps.js';
import type { LoadJob, LoadResult } from './bench-loader.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Servers on CPU 0, load generators on CPU 1; null when the machine cannot pin (then nothing is pinned). */
export const PINNING: { server: string; loader: string } | null = cpus().length >= 2 && hasTaskset() ? { server: '0', loader: '1' } : null;

function spawnNode(script: string, args: string[], cpu: string | undefined, execArgv: string[] = []): ChildProcess {
  const nodeArgs = [...execArgv, join(HERE, script), ...args];
  const child =
    PINNING && cpu !== undefined
      ? spawn('taskset', ['-c', cpu, process.execPath, ...nodeArgs], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
      : spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function waitFor<T>(child: ChildProcess, type: string, what: string, timeoutMs = 60_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (msg: { type: string }) => {
      if (msg.type === type) done(null, msg as T);
    };
    const onExit = (code: number | null) => done(new Error(`${what} exited (code ${code}) before '${type}'`));
    function done(error: Error | null, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as T);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export class BenchServer {
  private constructor(
    readonly config: ConfigId,
    readonly replica: number,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(config: ConfigId, replica: number, execArgv: string[] = []): Promise<BenchServer> {
    const child = spawnNode('bench-server.js', [config], PINNING?.server, execArgv);
    const { port } = await waitFor<{ port: number }>(child, 'ready', `server ${config}#${replica}`);
    return new BenchServer(config, replica, port, child);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async heap(): Promise<{ heapUsed: number; rss: number; gc: boolean }> {
    const reply = waitFor<{ heapUsed: number; rss: number; gc: boolean }>(this.child, 'heap', `server ${this.config}`);
    this.child.send({ type: 'heap' });
    return reply;
  }

  /** Queries the store was asked so far, and the most that ran at once (configurations 6 and 7). */
  async stats(): Promise<{ queries: number; inFlight: number; maxInFlight: number }> {
    const reply = waitFor<{ queries: number; inFlight: number; maxInFlight: number }>(this.child, 'stats', `server ${this.config}`);
    this.child.send({ type: 'stats' });
    return reply;
  }

  /** CPU time the server process has used so far, in microseconds. */
  async cpu(): Promise<number> {
    const reply = waitFor<{ user: number; system: number }>(this.child, 'cpu', `server ${this.config}`);
    this.child.send({ type: 'cpu' });
    const { user, system } = await reply;
    return user + system;
  }

  /** Asks the server to exit and waits (its exit handlers remove configuration 6's database), SIGKILL after 5 s. */
  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.disconnect();
    child.kill('SIGTERM');
  });
}

export class BenchLoader {
  private nextId = 0;
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<BenchLoader> {
    const child = spawnNode('bench-loader.js', [], PINNING?.loader);
    await waitFor(child, 'ready', 'load generator');
    return new BenchLoader(child);
  }

  async run(job: Omit<LoadJob, 'type' | 'id'>): Promise<LoadResult> {
    const id = this.nextId++;
    const timeout = 120_000 + job.duration * 1000 + (job.amount ?? 0) * 10; // a flood of 100,000 on a busy machine takes minutes
    const result = new Promise<LoadResult>((resolve, reject) => {
      const onMessage = (msg: LoadResult) => {
        if (msg.type === 'result' && msg.id === id) {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          resolve(msg);
        }
      };
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`load generator: no result within ${timeout} ms`));
      }, timeout);
      this.child.on('message', onMessage);
    });
    this.child.send({ ...job, type: 'run', id } satisfies LoadJob);
    return result;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}

export function stopAll(): void {
  killAll();
}

/** Runs a benchmark's main, then stops every child process and exits (1 on an error, after printing it). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => {
      stopAll();
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      stopAll();
      process.exit(1);
    },
  );
}
