/**
 * Memory under a flood of distinct random origins: the heap after a full GC, before and after.
 * 1. In process: 1,000,000 origins through the decider of a resolver-backed route, as the request hook calls it
 *    (the resolver, wrapped by whatever the library wraps it with: the decision cache).
 * 2. Over HTTP: 100,000 requests, each with a new Origin, against configuration 6 in its own process.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CorsModule, CorsOriginResolver, CorsPolicyService } from '../lib/index.js';
import { isOriginAllowed } from '../lib/core/cors-engine.js';
import { ORIGIN_CACHE_DEFAULTS } from '../lib/core/cors-origin-cache.js';
import { ALLOWED_ORIGIN, ROUTE } from './bench-apps.js';
import { BenchLoader, BenchServer } from './bench-processes.js';

export interface MemoryResult {
  name: string;
  count: number;
  heapBeforeMB: number;
  heapAfterMB: number;
  growthMB: number;
  seconds: number;
  note?: string;
}

const MB = 1024 * 1024;

function gcHeap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the memory check needs node --expose-gc (npm run bench passes it)');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

export const CACHE_MAX = ORIGIN_CACHE_DEFAULTS.max;

@Injectable()
class FloodResolver extends CorsOriginResolver {
  calls = 0;
  async isOriginAllowed(origin: string): Promise<boolean> {
    this.calls++;
    return origin.charCodeAt(8) % 2 === 0; // half allowed, half refused: both kinds of cached answer
  }
}

@Controller('api/items')
class FloodController {
  @Get() list() {
    return { ok: true };
  }
}

@Module({
  imports: [CorsModule.forRoot({ origin: FloodResolver })],
  controllers: [FloodController],
  providers: [FloodResolver],
})
class FloodModule {}

async function inProcess(count: number): Promise<MemoryResult> {
  const app = await NestFactory.create(FloodModule, { logger: false });
  await app.init();
  try {
    const policy = app.get(CorsPolicyService).index!.lookup(ROUTE)!.forMethod('GET')!.policy!;
    const resolver = app.get(FloodResolver);
    const decide = async (origin: string) => {
      const answer = isOriginAllowed(policy, origin, undefined);
      return answer === true || answer === false ? answer : await answer;
    };
    for (let i = 0; i < 1_000; i++) await decide(ALLOWED_ORIGIN); // warm the code paths
    const before = gcHeap();
    const started = performance.now();
    const bytes = randomBytes(8 * 1024);
    for (let i = 0; i < count; i++) {
      if (i % 1024 === 0) randomBytes(8 * 1024).copy(bytes);
      await decide(`https://${bytes.toString('hex', (i % 1024) * 8, (i % 1024) * 8 + 8)}-${i}.flood.example`);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = gcHeap();
    return {
      name: `in process: ${count.toLocaleString('en-US')} random origins through the resolver path`,
      count,
      heapBeforeMB: before / MB,
      heapAfterMB: after / MB,
      growthMB: (after - before) / MB,
      seconds,
      note: `${resolver.calls.toLocaleString('en-US')} resolver calls (every origin new), cache bound ${CACHE_MAX.toLocaleString('en-US')}`,
    };
  } finally {
    await app.close();
  }
}

async function overHttp(count: number): Promise<MemoryResult> {
  const server = await BenchServer.start('resolver', 0, ['--expose-gc']);
  const loader = await BenchLoader.start();
  try {
    const job = { url: server.url + ROUTE, method: 'GET', headers: { origin: ALLOWED_ORIGIN }, duration: 0, connections: 10 };
    await loader.run({ ...job, amount: 5_000 }); // warm-up with the allowed origin
    await loader.run({ ...job, amount: 2_000, randomOrigin: true }); // and the random-origin path once
    const before = await server.heap();
    const started = performance.now();
    const result = await loader.run({ ...job, amount: count, randomOrigin: true });
    const seconds = (performance.now() - started) / 1000;
    const after = await server.heap();
    const failures = result.errors + result.timeouts + (result.requests - (result.statuses['2xx'] ?? 0));
    return {
      name: `HTTP: ${count.toLocaleString('en-US')} requests, each with a new Origin, configuration 6`,
      count: result.requests,
      heapBeforeMB: before.heapUsed / MB,
      heapAfterMB: after.heapUsed / MB,
      growthMB: (after.heapUsed - before.heapUsed) / MB,
      seconds,
      note: `${Math.round(result.rps)} req/s${failures > 0 ? `, ${failures} non-2xx or failed` : ''}`,
    };
  } finally {
    await Promise.all([loader.stop(), server.stop()]);
  }
}

export async function runMemoryBench(
  log: (line: string) => void,
  inProcessCount = 1_000_000,
  httpCount = 100_000,
): Promise<MemoryResult[]> {
  log(`memory: ${inProcessCount.toLocaleString('en-US')} origins in process, ${httpCount.toLocaleString('en-US')} over HTTP`);
  const results = [await inProcess(inProcessCount)];
  results.push(await overHttp(httpCount));
  return results;
}
