/**
 * Express only (the Fastify counterpart is fastify-hook.e2e.spec.ts): these cases are about the Express request
 * object the hook builds in front of `app.handle` (Express's req.hostname/req.get()/originalUrl, X-Powered-By).
 *
 * Where the Express hook runs (in front of `app.handle`, before Express sets up the request): what user code and
 * host-bound routes read of the request there is what they read inside the app.
 */
import { Controller, Get, INestApplication, Put } from '@nestjs/common';
import express, { Request } from 'express';
import request from 'supertest';
import { Cors, CorsModule } from '../../lib/index.js';
import { corsHeaders, createApp, http, preflight, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';
const seen: { hostname?: string; origin?: string; originalUrl?: string; query?: unknown }[] = [];

/** An origin function that reads Express's request properties. */
function byTenantHost(origin: string, req: Request): boolean {
  seen.push({ hostname: req.hostname, origin: req.get('origin'), originalUrl: req.originalUrl, query: req.query });
  return req.hostname === 'api.example.com' && req.get('origin') === origin;
}

@Controller('tenant')
@Cors({ origin: byTenantHost })
class TenantController {
  @Get() get() {
    return 'tenant';
  }
  @Put() put() {
    return 'put';
  }
}

@Controller({ path: 'hosted', host: 'admin.example.com' })
@Cors({ origin: APP })
class AdminHostController {
  @Get() get() {
    return 'admin';
  }
  @Put() put() {
    return 'admin put';
  }
}

@Controller({ path: 'hosted', host: 'www.example.com' })
@Cors(false)
class WwwHostController {
  @Get() get() {
    return 'www';
  }
  @Put() put() {
    return 'www put';
  }
}

describe('the Express hook sees the request as the app does', () => {
  let app: INestApplication;
  beforeAll(async () => {
    // originCache: false, so every request asks the function (the cache keys on the origin alone).
    app = await createApp({
      imports: [CorsModule.forRoot({ originCache: false })],
      controllers: [TenantController, AdminHostController, WwwHostController],
    });
  });
  afterAll(() => app.close());
  beforeEach(() => (seen.length = 0));

  it("an origin function reads Express's req.hostname, req.get(), req.originalUrl and req.query", async () => {
    const res = await http(app).get('/tenant?x=1').set('Host', 'api.example.com').set('Origin', APP).expect(200, 'tenant');
    expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': APP });
    expect(seen).toEqual([{ hostname: 'api.example.com', origin: APP, originalUrl: '/tenant?x=1', query: { x: '1' } }]);
    const other = await http(app).get('/tenant').set('Host', 'other.example.com').set('Origin', APP).expect(200);
    expect(corsHeaders(other)).toEqual({});
    expect(varyOf(other)).toEqual(['origin']);
  });

  it('and so does it for a preflight', async () => {
    const res = await preflight(app, '/tenant', APP, 'PUT').set('Host', 'api.example.com').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(seen[0]).toMatchObject({ hostname: 'api.example.com', origin: APP });
  });

  it('host-bound controllers: the preflight follows the Host header', async () => {
    const admin = await preflight(app, '/hosted', APP, 'PUT').set('Host', 'admin.example.com').expect(204);
    expect(admin.headers['access-control-allow-origin']).toBe(APP);
    await preflight(app, '/hosted', APP, 'PUT').set('Host', 'www.example.com').expect(403);
    const get = await http(app).get('/hosted').set('Host', 'admin.example.com').set('Origin', APP).expect(200, 'admin');
    expect(get.headers['access-control-allow-origin']).toBe(APP);
    const www = await http(app).get('/hosted').set('Host', 'www.example.com').set('Origin', APP).expect(200, 'www');
    expect(corsHeaders(www)).toEqual({});
  });

  it('a preflight answer carries what Express would have added (X-Powered-By)', async () => {
    const res = await preflight(app, '/hosted', APP, 'PUT').set('Host', 'admin.example.com').expect(204);
    expect(res.headers['x-powered-by']).toBe('Express');
  });

  it("and leaves X-Powered-By out once the app disables it (app.disable('x-powered-by'), read per request)", async () => {
    const instance = app.getHttpAdapter().getInstance() as { disable(name: string): void; enable(name: string): void };
    instance.disable('x-powered-by');
    try {
      const res = await preflight(app, '/hosted', APP, 'PUT').set('Host', 'admin.example.com').expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers['x-powered-by']).toBeUndefined();
    } finally {
      instance.enable('x-powered-by');
    }
  });
});

/**
 * A Nest app mounted in another Express app (`outer.use('/v1', nestExpress)`): the outer router calls the Nest app's
 * `app.handle` with a request it has set up (its prototype, `originalUrl` with the mount path, `url` without it).
 * The hook keeps what is there: the origin function reads the full `originalUrl`, and the route table is matched on
 * the path the Nest app sees.
 */
describe('the Express hook in a Nest app mounted in another Express app', () => {
  let app: INestApplication;
  let outer: express.Express;
  beforeAll(async () => {
    app = await createApp({ imports: [CorsModule.forRoot({ originCache: false })], controllers: [TenantController] });
    outer = express();
    outer.use('/v1', app.getHttpAdapter().getInstance());
  });
  afterAll(() => app.close());
  beforeEach(() => (seen.length = 0));

  it('an origin function reads the originalUrl the outer app set, mount path included', async () => {
    const res = await request(outer).get('/v1/tenant?x=1').set('Host', 'api.example.com').set('Origin', APP).expect(200, 'tenant');
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(seen).toEqual([{ hostname: 'api.example.com', origin: APP, originalUrl: '/v1/tenant?x=1', query: { x: '1' } }]);
  });

  it('a preflight to the mounted route is answered by its policy', async () => {
    const res = await request(outer)
      .options('/v1/tenant')
      .set('Host', 'api.example.com')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'PUT')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(seen[0]).toMatchObject({ originalUrl: '/v1/tenant' });
  });
});
