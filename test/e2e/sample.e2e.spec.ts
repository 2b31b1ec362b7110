/** Behaviour 6: the sample's core scenarios, through the sample's own AppModule (SQLite in a temp folder). */
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRONTEND_ORIGIN } from '../../sample/sample.config.js';
import { startSample } from '../dynamic/sample-app.js';
import { ADAPTERS, corsHeaders, expectNoCors, http, preflight, varyOf } from '../helpers.js';

// On Fastify the sample's GraphQL is Mercurius instead of Apollo (sample/app.module.ts); everything else is the same app.
describe.each(ADAPTERS)('sample scenarios (%s)', (adapter) => {
  let app: INestApplication;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cors-sample-'));
    app = await startSample({ database: { type: 'sqlite', path: join(dir, 'sample.sqlite') } }, adapter);
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("public: '*' for anyone", async () => {
    const res = await http(app).get('/public/status').set('Origin', 'https://anyone.test').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('restricted: one origin, GET/POST, Content-Type and Authorization', async () => {
    const ok = await preflight(app, '/restricted', FRONTEND_ORIGIN, 'POST', 'authorization,content-type').expect(204);
    expect(corsHeaders(ok)).toMatchObject({
      'access-control-allow-origin': FRONTEND_ORIGIN,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'content-type, authorization',
    });
    await preflight(app, '/restricted', 'https://app.example.com', 'POST', 'content-type').expect(403);
    await preflight(app, '/restricted', FRONTEND_ORIGIN, 'POST', 'x-other').expect(403);
  });

  it('account: credentials and an exposed header', async () => {
    const res = await http(app).get('/account').set('Origin', 'https://app.example.com').expect(200);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Request-Id',
    });
    expect(varyOf(res)).toContain('origin');
  });

  it('cached: the preflight may be cached for ten minutes', async () => {
    const res = await preflight(app, '/cached', FRONTEND_ORIGIN, 'POST', 'content-type').expect(204);
    expect(res.headers['access-control-max-age']).toBe('600');
  });

  it('webhooks: @Cors(false) sends nothing and refuses preflights', async () => {
    expectNoCors(await http(app).post('/webhooks/payment').set('Origin', FRONTEND_ORIGIN).expect(202));
    await preflight(app, '/webhooks/payment', FRONTEND_ORIGIN, 'POST', 'content-type').expect(403);
  });

  it("guarded: the guard's 401 carries the CORS headers", async () => {
    const res = await http(app).get('/guarded').set('Origin', FRONTEND_ORIGIN).expect(401);
    expect(res.headers['access-control-allow-origin']).toBe(FRONTEND_ORIGIN);
    await http(app).get('/guarded').set('Origin', FRONTEND_ORIGIN).set('Authorization', 'Bearer sample-token').expect(200);
  });

  describe('beyond controllers (CorsModule paths)', () => {
    const TENANT = 'https://tenant-a.example'; // seeded in the tenant_origins table
    const gql = (origin: string, query: string, cookie?: string) => {
      const req = http(app).post('/graphql').set('Origin', origin).set('Content-Type', 'application/json');
      return (cookie ? req.set('Cookie', cookie) : req).send({ query });
    };

    it('GraphQL: the preflight of a JSON POST from a tenant origin (from the database) is granted with credentials', async () => {
      const res = await preflight(app, '/graphql', TENANT, 'POST', 'content-type').expect(204);
      expect(corsHeaders(res)).toEqual({
        'access-control-allow-origin': TENANT,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type, apollo-require-preflight',
        'access-control-max-age': '60', // the module default, merged under the path policy
      });
    });

    it('GraphQL: signIn sets the session cookie; me reads it back, readable by the tenant origin', async () => {
      const signIn = await gql(TENANT, 'mutation { signIn(user: "ada") { user signedIn } }').expect(200);
      expect(signIn.body).toEqual({ data: { signIn: { user: 'ada', signedIn: true } } });
      expect(signIn.headers['set-cookie']?.[0]).toMatch(/^sample_session=ada; Path=\/; HttpOnly; SameSite=Lax/);
      expect(signIn.headers['access-control-allow-credentials']).toBe('true');
      const me = await gql(TENANT, '{ me { user plan calledFrom signedIn } }', 'sample_session=ada').expect(200);
      expect(me.body).toEqual({ data: { me: { user: 'ada', plan: 'pro', calledFrom: TENANT, signedIn: true } } });
      expect(corsHeaders(me)).toEqual({ 'access-control-allow-origin': TENANT, 'access-control-allow-credentials': 'true' });
      expect(varyOf(me)).toContain('origin');
    });

    it('GraphQL: an origin outside the database is refused at the preflight and gets no headers', async () => {
      const pf = await preflight(app, '/graphql', 'https://evil.example', 'POST', 'content-type').expect(403);
      expectNoCors(pf);
      const res = await gql('https://evil.example', '{ me { plan } }').expect(200);
      expectNoCors(res);
      expect(varyOf(res)).toContain('origin');
      // app.example.com is in the module defaults, not in the tenant table: the path policy decides.
      await preflight(app, '/graphql', 'https://app.example.com', 'POST', 'content-type').expect(403);
    });

    it("Swagger: /api-json is readable from any origin ('*'); the UI is not opened", async () => {
      const res = await http(app).get('/api-json').set('Origin', 'https://editor.example').expect(200);
      expect(res.body).toMatchObject({ info: { title: 'nestjs-route-cors sample' } });
      expect(res.body.paths).toHaveProperty('/tenant/profile');
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': '*' });
      expectNoCors(await http(app).get('/api').set('Origin', 'https://editor.example').expect(200));
    });

    it("static file: served by ServeStaticModule with '*', on 200 and 304", async () => {
      const res = await http(app).get('/static/release-notes.txt').set('Origin', 'https://anyone.example').expect(200);
      expect(res.text).toMatch(/static file served by ServeStaticModule/);
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': '*' });
      const again = await http(app)
        .get('/static/release-notes.txt')
        .set('Origin', 'https://anyone.example')
        .set('If-None-Match', res.headers['etag'] as string)
        .expect(304);
      expect(again.headers['access-control-allow-origin']).toBe('*');
    });
  });
});
