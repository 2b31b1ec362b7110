/** Starts the sample's AppModule on a given database, and the shared checks of its tenant and admin routes. */
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AppModule } from '../../sample/app.module.js';
import { TenantOrigins } from '../../sample/tenant-origins.resolver.js';
import type { SampleSettings } from '../../sample/sample.config.js';
import { setupSwagger } from '../../sample/sample.http.js';
import { AdapterName, http, httpAdapterFor, preflight } from '../helpers.js';

export const ADMIN_TOKEN = 'test-admin-token';

/** The sample as main.ts starts it (NestFactory: ServeStaticModule picks its loader from the adapter it is built with). */
export async function startSample(
  settings: Partial<SampleSettings> & Pick<SampleSettings, 'database'>,
  adapter: AdapterName = 'express',
): Promise<INestApplication> {
  const app = await NestFactory.create(
    AppModule.forRoot({ adminToken: ADMIN_TOKEN, ...settings, adapter }),
    await httpAdapterFor(adapter),
    {
      logger: false,
      abortOnError: false,
    },
  );
  setupSwagger(app);
  await app.init();
  if (adapter === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}

/** The PostgreSQL suites run when DATABASE_URL is set; under CI they must run. */
export const DATABASE_URL = process.env.DATABASE_URL;
export const REDIS_URL = process.env.REDIS_URL;

export function describeWithService(name: string, variable: 'DATABASE_URL' | 'REDIS_URL', example: string, fn: () => void): void {
  if (process.env[variable]) {
    describe(name, fn);
  } else if (process.env.CI === 'true') {
    describe(name, () => {
      it(`needs ${variable}`, () => {
        throw new Error(`${variable} is not set, and CI must run this suite (.ci/run sets ${variable}=${example})`);
      });
    });
  } else {
    const reason = `${variable} is not set (run with ${variable}=${example}; under CI=true this fails instead)`;
    process.stderr.write(`skipped "${name}": ${reason}\n`);
    // Skipped only when the service's URL is unset outside CI (CI=true fails instead): the reason is in the title.
    describe.skip(`${name}: skipped, ${reason}`, fn);
  }
}

/** A fresh schema for one suite, so parallel workers and repeated runs never share rows. */
export async function createSchema(url: string): Promise<{ schema: string; channel: string; drop: () => Promise<void> }> {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const schema = `cors_test_${id}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return {
    schema,
    channel: `cors_test_${id}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export const admin = {
  list: (app: INestApplication, token: string | null = ADMIN_TOKEN) => withToken(http(app).get('/admin/origins'), token),
  add: (app: INestApplication, origin: unknown, token: string | null = ADMIN_TOKEN) =>
    withToken(http(app).post('/admin/origins'), token).send({ origin }),
  remove: (app: INestApplication, origin: string, token: string | null = ADMIN_TOKEN) =>
    withToken(http(app).delete(`/admin/origins/${encodeURIComponent(origin)}`), token),
};

function withToken<T extends { set(name: string, value: string): T }>(req: T, token: string | null): T {
  return token === null ? req : req.set('x-admin-token', token);
}

/** Whether a browser at `origin` may read GET /tenant/profile (with cookies). */
export async function tenantAllowed(app: INestApplication, origin: string): Promise<boolean> {
  const res = await http(app).get('/tenant/profile').set('Origin', origin).set('Cookie', 'session=1');
  expect(res.status).toBe(200);
  const acao = res.headers['access-control-allow-origin'];
  if (acao !== undefined) {
    expect(acao).toBe(origin);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  }
  return acao !== undefined;
}

/** Whether the preflight of a credentialed PUT-less GET with a custom header from `origin` is granted. */
export async function tenantPreflightAllowed(app: INestApplication, origin: string): Promise<boolean> {
  const res = await preflight(app, '/tenant/profile', origin, 'GET', 'x-requested-with');
  if (res.status === 204) {
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    return true;
  }
  expect(res.status).toBe(403);
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
  return false;
}

/** Polls `check` until it returns true; resolves with the elapsed milliseconds, or rejects after `limit`. */
export async function timeUntil(check: () => Promise<boolean>, limit: number, every = 10): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > limit) throw new Error(`not true within ${limit} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** The admin API and tenant routes, the same on every database. */
export function adminApiCases(getApp: () => INestApplication): void {
  const shop = `https://shop-${randomBytes(3).toString('hex')}.example`;

  it('lists the seeded origins, only with the admin token', async () => {
    const res = await admin.list(getApp());
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.arrayContaining(['https://tenant-a.example', 'https://tenant-b.example']));
    expect((await admin.list(getApp(), null)).status).toBe(401);
    expect((await admin.list(getApp(), 'wrong')).status).toBe(401);
  });

  it('allows a seeded tenant origin with credentials, refuses others', async () => {
    expect(await tenantAllowed(getApp(), 'https://tenant-a.example')).toBe(true);
    expect(await tenantPreflightAllowed(getApp(), 'https://tenant-a.example')).toBe(true);
    expect(await tenantAllowed(getApp(), 'https://evil.example')).toBe(false);
    expect(await tenantPreflightAllowed(getApp(), 'https://evil.example')).toBe(false);
  });

  it('an origin added through the admin API is allowed by the next preflight and GET', async () => {
    const app = getApp();
    // Asked first, so a "not allowed" is in the cache (kept 10 s by default): only invalidation can lift it.
    expect(await tenantAllowed(app, shop)).toBe(false);
    expect(await tenantPreflightAllowed(app, shop)).toBe(false);
    const res = await admin.add(app, shop);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ origin: shop });
    expect(await tenantPreflightAllowed(app, shop)).toBe(true);
    expect(await tenantAllowed(app, shop)).toBe(true);
    expect((await admin.list(app)).body).toContain(shop);
  });

  it('a duplicate is 409, an invalid origin 400 with the reason', async () => {
    const app = getApp();
    expect((await admin.add(app, shop)).status).toBe(409);
    expect((await admin.add(app, shop.toUpperCase())).status).toBe(409); // same origin once serialized
    const cases: [unknown, RegExp][] = [
      [`${shop}/`, /no path.*trailing slash/],
      [`${shop}/app`, /no path/],
      ['shop.example', /starts with its scheme/],
      ['https://*.shop.example', /exact origin/],
      ['http://shop.example', /use https/],
      ['https://shop.example:443', /default port/],
      ['null', /sandboxed/],
      [42, /send JSON/],
      [undefined, /send JSON/],
    ];
    for (const [origin, reason] of cases) {
      const res = await admin.add(app, origin);
      expect({ origin, status: res.status }).toEqual({ origin, status: 400 });
      expect(res.body.message).toMatch(reason);
    }
    expect((await admin.list(app)).body.filter((o: string) => o.includes('shop'))).toEqual([shop]);
  });

  it('a wrong or missing token is 401 and changes nothing', async () => {
    const app = getApp();
    const other = `https://other-${randomBytes(3).toString('hex')}.example`;
    const before = (await admin.list(app)).body;
    for (const token of [null, 'wrong', `${ADMIN_TOKEN}x`, '']) {
      expect((await admin.add(app, other, token)).status).toBe(401);
      expect((await admin.remove(app, shop, token)).status).toBe(401);
    }
    expect((await admin.list(app)).body).toEqual(before);
    expect(await tenantAllowed(app, other)).toBe(false);
    expect(await tenantAllowed(app, shop)).toBe(true);
  });

  it('a deleted origin is refused at once; deleting it again is 404', async () => {
    const app = getApp();
    expect(await tenantAllowed(app, shop)).toBe(true); // a "yes" in the cache (kept 60 s by default)
    expect((await admin.remove(app, shop)).status).toBe(204);
    expect(await tenantAllowed(app, shop)).toBe(false);
    expect(await tenantPreflightAllowed(app, shop)).toBe(false);
    expect((await admin.remove(app, shop)).status).toBe(404);
    expect((await admin.list(app)).body).not.toContain(shop);
  });

  it('answers a flood of random origins from the allow-list in memory: no query per origin (allOrigins)', async () => {
    const app = getApp();
    const resolver = app.get(TenantOrigins);
    // Count what the library asks the resolver (the instance's own methods, wrapped; restored below).
    const calls = { lists: 0, perOrigin: 0 };
    const { allOrigins, isOriginAllowed } = resolver;
    resolver.allOrigins = () => (calls.lists++, allOrigins.call(resolver));
    resolver.isOriginAllowed = (origin: string) => (calls.perOrigin++, isOriginAllowed.call(resolver, origin));
    try {
      const flooded = `https://flood-${randomBytes(3).toString('hex')}`;
      for (let batch = 0; batch < 6; batch++) {
        const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => tenantAllowed(app, `${flooded}-${batch}-${i}.example`)));
        expect(answers.every((a) => a === false)).toBe(true);
      }
      expect(await tenantAllowed(app, 'https://tenant-a.example')).toBe(true);
      // 300 unknown origins and a known one: at most one load of the list (none if it was already in memory).
      expect(calls.lists).toBeLessThanOrEqual(1);
      expect(calls.perOrigin).toBe(0);
      // An admin change reaches the list at once (invalidate() reloads it, one query), and a removal too.
      const added = `https://added-${randomBytes(3).toString('hex')}.example`;
      expect((await admin.add(app, added)).status).toBe(201);
      expect(await tenantAllowed(app, added)).toBe(true);
      expect((await admin.remove(app, added)).status).toBe(204);
      expect(await tenantAllowed(app, added)).toBe(false);
      expect(calls.lists).toBeGreaterThanOrEqual(2); // reloaded after each change
      expect(calls.lists).toBeLessThanOrEqual(3);
      expect(calls.perOrigin).toBe(0);
    } finally {
      resolver.allOrigins = allOrigins;
      resolver.isOriginAllowed = isOriginAllowed;
    }
  });

  it('keeps the core scenarios', async () => {
    const app = getApp();
    const pub = await http(app).get('/public/status').set('Origin', 'https://anyone.example');
    expect(pub.headers['access-control-allow-origin']).toBe('*');
    const hook = await http(app).post('/webhooks/payment').set('Origin', 'https://app.example.com');
    expect(hook.status).toBe(202);
    expect(hook.headers['access-control-allow-origin']).toBeUndefined();
    const account = await http(app).get('/account').set('Origin', 'https://app.example.com');
    expect(account.headers['access-control-allow-credentials']).toBe('true');
    const guarded = await http(app).get('/guarded').set('Origin', 'https://app.example.com');
    expect(guarded.status).toBe(401);
    expect(guarded.headers['access-control-allow-origin']).toBe('https://app.example.com');
  });
}
