/** Behaviour 6: the sample's core scenarios, through the sample's own AppModule (SQLite in a temp folder). */
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRONTEND_ORIGIN } from '../../sample/sample.config.js';
import { startSample } from '../dynamic/sample-app.js';
import { corsHeaders, expectNoCors, http, preflight, varyOf } from '../helpers.js';

describe('sample scenarios', () => {
  let app: INestApplication;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cors-sample-'));
    app = await startSample({ database: { type: 'sqlite', path: join(dir, 'sample.sqlite') } });
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
});
