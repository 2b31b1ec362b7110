/** Two app instances kept in step by Redis pub/sub (nestjs-route-cors/redis), on a real Redis (REDIS_URL). */
import { Controller, Get, INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Cors, CorsModule, CorsPolicyService } from '../../lib/index.js';
import { RedisCorsInvalidation } from '../../lib/redis/index.js';
import { createApp, http } from '../helpers.js';
import { describeWithService, REDIS_URL, timeUntil } from './sample-app.js';

/** Stands in for the shared table both replicas read. */
const store = new Set<string>();
const allowedByStore = async (origin: string) => store.has(origin);

@Controller('tenant')
@Cors({ origin: allowedByStore, credentials: true })
class TenantController {
  @Get() get() {
    return { ok: true };
  }
}

async function allowed(app: INestApplication, origin: string): Promise<boolean> {
  const res = await http(app).get('/tenant').set('Origin', origin);
  return res.headers['access-control-allow-origin'] === origin;
}

describeWithService('Redis pub/sub invalidation between two instances', 'REDIS_URL', 'redis://127.0.0.1:6379', () => {
  const id = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const channel = `nestjs-route-cors-test:${id}`;
  const connectionName = `cors-test-${id}`;
  let a: INestApplication;
  let b: INestApplication;
  const start = (adapter: 'express' | 'fastify') =>
    createApp(
      {
        imports: [CorsModule.forRoot({ invalidation: new RedisCorsInvalidation({ url: REDIS_URL, channel, redis: { connectionName } }) })],
        controllers: [TenantController],
      },
      undefined,
      adapter,
    );

  // A on Express, B on Fastify: one transport, two platforms.
  beforeAll(async () => {
    a = await start('express');
    b = await start('fastify');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('invalidate() on A reaches B within a second', async () => {
    const origin = `https://redis-${id}.example`;
    expect(await allowed(b, origin)).toBe(false); // cached "no" on B
    store.add(origin);
    await a.get(CorsPolicyService).invalidate(origin);
    const added = await timeUntil(() => allowed(b, origin), 1_000, 5);
    store.delete(origin);
    await a.get(CorsPolicyService).invalidate();
    const removed = await timeUntil(async () => !(await allowed(b, origin)), 1_000, 5);
    process.stdout.write(
      `cross-instance invalidation through Redis pub/sub: ${added.toFixed(1)} ms (one origin), ${removed.toFixed(1)} ms (all)\n`,
    );
  });

  it('after its connection is killed, B resubscribes and forgets what it may have missed', async () => {
    const origin = `https://missed-${id}.example`;
    expect(await allowed(b, origin)).toBe(false);
    const admin = new Redis(REDIS_URL as string);
    try {
      const clients = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
        .split('\n')
        .filter((line) => line.includes(`name=${connectionName}`));
      expect(clients).toHaveLength(2); // A's and B's subscribers
      for (const line of clients) await admin.call('CLIENT', 'KILL', 'ID', /\bid=(\d+)/.exec(line)![1]);
      store.add(origin); // changed while nobody listens; nobody publishes
      await timeUntil(() => allowed(b, origin), 3_000, 20);
      // And the channel works again.
      store.delete(origin);
      await a.get(CorsPolicyService).invalidate(origin);
      await timeUntil(async () => !(await allowed(b, origin)), 1_000, 5);
    } finally {
      admin.disconnect();
    }
  });
});
