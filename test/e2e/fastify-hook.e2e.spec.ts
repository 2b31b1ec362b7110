/**
 * Fastify only: where the hook runs (the adapter's request-hook slot, shared with the user), and route matching that
 * follows the app's router options. Every behaviour shared with Express runs on both adapters in the other specs.
 */
import { Controller, Get, Param, Put } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Cors, CorsModule } from '../../lib/index.js';
import { corsHeaders, createApp, expectNoCors, http, preflight, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';

@Controller('items')
class ItemsController {
  @Get() list() {
    return [];
  }
  @Get(':id') one(@Param('id') id: string) {
    return id;
  }
  @Put(':id') put() {
    return 'put';
  }
}

const seen: { hostname?: string; url?: string; isFastify?: boolean }[] = [];
/** An origin function that reads Fastify's request (what `@Req()` is on Fastify). */
function byTenantHost(origin: string, req: { hostname: string; url: string; raw?: unknown }): boolean {
  seen.push({ hostname: req.hostname, url: req.url, isFastify: req.raw !== undefined });
  return req.hostname === 'api.example.com' && origin === APP;
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

const modules = { imports: [CorsModule.forRoot({ origin: APP, originCache: false })], controllers: [ItemsController, TenantController] };

describe('the Fastify hook', () => {
  it("runs with a user's own setOnRequestHook, set before or after the library, which still sees every request", async () => {
    const calls: string[] = [];
    const moduleRef = await Test.createTestingModule(modules).compile();
    const adapter = new FastifyAdapter();
    adapter.setOnRequestHook((req, _reply, done) => {
      calls.push(`before ${req.method}`);
      done();
    });
    const app = moduleRef.createNestApplication(adapter, { logger: false });
    await app.init();
    await adapter.getInstance().ready();
    await preflight(app, '/items/1', APP, 'PUT').expect(204);
    const get = await http(app).get('/items/1').set('Origin', APP).expect(200, '1');
    expect(get.headers['access-control-allow-origin']).toBe(APP);
    expect(calls).toEqual(['before OPTIONS', 'before GET']);

    // A hook set later (an async one) replaces the user's, not the library's.
    calls.length = 0;
    adapter.setOnRequestHook(async (req) => {
      calls.push(`after ${req.method}`);
    });
    const again = await http(app).get('/items').set('Origin', APP).expect(200);
    expect(again.headers['access-control-allow-origin']).toBe(APP);
    expect(calls).toEqual(['after GET']);

    // A user's hook that fails goes to the error handler, as without the library.
    adapter.setOnRequestHook((_req, _reply, done) => done(new Error('hook failed')));
    await http(app).get('/items').set('Origin', APP).expect(500);
    await app.close();
  });

  it('works when the app is created with NestFactory.create and listens on a port', async () => {
    const { NestFactory } = await import('@nestjs/core');
    const { Module } = await import('@nestjs/common');
    @Module(modules)
    class AppModule {}
    const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();
    const res = await fetch(`${url}/items/7`, { method: 'OPTIONS', headers: { Origin: APP, 'Access-Control-Request-Method': 'PUT' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, PUT');
    await app.close();
  });

  it("gives an origin function Fastify's request, as @Req() is on Fastify", async () => {
    seen.length = 0;
    const app = await createApp(modules, undefined, 'fastify');
    const ok = await http(app).get('/tenant?x=1').set('Host', 'api.example.com').set('Origin', APP).expect(200, 'tenant');
    expect(corsHeaders(ok)).toEqual({ 'access-control-allow-origin': APP });
    await preflight(app, '/tenant', APP, 'PUT').set('Host', 'api.example.com').expect(204);
    await preflight(app, '/tenant', APP, 'PUT').set('Host', 'other.example.com').expect(403);
    expect(seen).toEqual([
      { hostname: 'api.example.com', url: '/tenant?x=1', isFastify: true },
      { hostname: 'api.example.com', url: '/tenant', isFastify: true },
      { hostname: 'other.example.com', url: '/tenant', isFastify: true },
    ]);
    await app.close();
  });
});

describe("route matching follows the app's Fastify router options", () => {
  it('defaults: case-sensitive, no trailing slash, no duplicate slashes — as the router, so no CORS where it 404s', async () => {
    const app = await createApp(modules, undefined, 'fastify');
    for (const path of ['/ITEMS/1', '/items/1/', '//items/1']) {
      const get = await http(app).get(path).set('Origin', APP).expect(404);
      expectNoCors(get);
      expect(varyOf(get)).toEqual([]);
      const pre = await preflight(app, path, APP, 'PUT').expect(404);
      expectNoCors(pre);
    }
    await app.close();
  });

  it('caseSensitive: false, ignoreTrailingSlash and ignoreDuplicateSlashes', async () => {
    const app = await createApp(modules, undefined, 'fastify', {
      routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    });
    for (const path of ['/ITEMS/1', '/items/1/', '//items//1']) {
      const get = await http(app).get(path).set('Origin', APP).expect(200);
      expect(get.headers['access-control-allow-origin']).toBe(APP);
      const pre = await preflight(app, path, APP, 'PUT').expect(204);
      expect(pre.headers['access-control-allow-methods']).toBe('GET, PUT');
    }
    await app.close();
  });

  it('the deprecated top-level router options are read too', async () => {
    const app = await createApp(modules, undefined, 'fastify', { ignoreTrailingSlash: true });
    await preflight(app, '/items/1/', APP, 'PUT').expect(204);
    await app.close();
  });

  it('maxParamLength: the router answers 414 itself (no hook runs, so no CORS headers); the preflight is not granted', async () => {
    const app = await createApp(modules, undefined, 'fastify', { routerOptions: { maxParamLength: 20 } });
    const long = `/items/${'x'.repeat(21)}`;
    const get = await http(app).get(long).set('Origin', APP).expect(414);
    expect(get.body.code).toBe('FST_ERR_MAX_PARAM_LENGTH');
    expectNoCors(get);
    const pre = await preflight(app, long, APP, 'PUT').expect(403);
    expectNoCors(pre);
    await preflight(app, `/items/${'x'.repeat(20)}`, APP, 'PUT').expect(204);
    await app.close();
  });

  it('a malformed URL: the router answers 400 FST_ERR_BAD_URL itself, preflight included, without CORS headers', async () => {
    const app = await createApp(modules, undefined, 'fastify');
    for (const req of [http(app).get('/items/%zz').set('Origin', APP), preflight(app, '/items/%zz', APP, 'PUT')]) {
      const res = await req.expect(400);
      expect(res.body.code).toBe('FST_ERR_BAD_URL');
      expectNoCors(res);
    }
    await app.close();
  });

  it('exposeHeadRoutes: false — HEAD is not routed, so it gets no CORS headers and its preflight is refused', async () => {
    const app = await createApp(modules, undefined, 'fastify', { exposeHeadRoutes: false });
    const head = await http(app).head('/items').set('Origin', APP).expect(404);
    expectNoCors(head);
    await preflight(app, '/items', APP, 'HEAD').expect(403);
    const get = await http(app).get('/items').set('Origin', APP).expect(200);
    expect(get.headers['access-control-allow-origin']).toBe(APP);
    await app.close();
  });

  it("exposeHeadRoutes (default) — HEAD has the GET route's policy", async () => {
    const app = await createApp(modules, undefined, 'fastify');
    const head = await http(app).head('/items').set('Origin', APP).expect(200);
    expect(head.headers['access-control-allow-origin']).toBe(APP);
    await app.close();
  });
});
