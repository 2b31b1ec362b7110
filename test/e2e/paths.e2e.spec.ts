/**
 * Path policies (`CorsModule.forRoot({ paths })`): CORS for what the controllers do not serve, here plain handlers
 * mounted with `app.use()` (GraphQL, Swagger and static files: beyond-controllers.e2e.spec.ts). Preflights are
 * answered with the policy's methods, actual responses carry the headers whatever answers, controller routes keep
 * their own policy, startup validation covers the patterns and policies, routes() and evaluate() include them.
 */
import { Controller, Get, INestApplication, Injectable, Post } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Cors, CorsConfigError, CorsModule, CorsOriginResolver, CorsPolicyService } from '../../lib/index.js';
import type { CorsModuleOptions } from '../../lib/index.js';
import { ADAPTERS, AdapterName, corsHeaders, createApp, expectNoCors, http, preflight, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';
const TENANT = 'https://tenant.example';
const EVIL = 'https://evil.example';

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** What a middleware mounted outside Nest's router answers: the method and the path it saw. */
const echo =
  (name: string): Handler =>
  (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ name, method: req.method, url: req.url }));
  };

@Injectable()
class Tenants extends CorsOriginResolver {
  isOriginAllowed(origin: string) {
    return origin === TENANT;
  }
}

@Controller('mixed')
@Cors({ origin: APP })
class MixedController {
  @Get() get() {
    return 'controller';
  }
}

@Controller('legacy')
class LegacyOwnedController {
  @Post('owned') @Cors(false) post() {
    return 'owned';
  }
}

const PATHS: CorsModuleOptions['paths'] = {
  '/graphql': { origin: Tenants, credentials: true, allowedHeaders: ['Content-Type', 'Apollo-Require-Preflight'] },
  '/open-json': { origin: '*' },
  '/files/private{/*path}': false,
  '/files{/*path}': { origin: '*', maxAge: 600 },
  '/legacy{/*path}': { methods: ['GET', 'PUT', 'DELETE'] },
  '/mixed': { origin: '*', methods: ['GET', 'PATCH'] },
  '/sse': { origin: APP },
};

async function app(
  adapter: AdapterName,
  options: CorsModuleOptions = { origin: APP, paths: PATHS },
  prefix?: string,
): Promise<INestApplication> {
  return createApp(
    { imports: [CorsModule.forRoot(options)], providers: [Tenants], controllers: [MixedController, LegacyOwnedController] },
    (a) => {
      if (prefix) a.setGlobalPrefix(prefix);
      // Mounted the way GraphQL servers, Swagger and static middleware are: outside the controller table.
      a.use('/graphql', echo('graphql'));
      a.use('/open-json', echo('open-json'));
      a.use('/files', echo('files'));
      a.use('/legacy', (req: IncomingMessage, res: ServerResponse, next: () => void) =>
        req.url === '/owned' ? next() : echo('legacy')(req, res, next),
      );
      a.use('/mixed', (req: IncomingMessage, res: ServerResponse, next: () => void) =>
        req.method === 'PATCH' ? echo('mixed-mw')(req, res, next) : next(),
      );
      a.use('/sse', (_req: IncomingMessage, res: ServerResponse) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 20);
      });
      a.use('/unlisted', echo('unlisted'));
    },
    adapter,
  );
}

describe.each(ADAPTERS)('path policies (app.use mounts) (%s)', (adapter) => {
  let server: INestApplication;
  beforeAll(async () => {
    server = await app(adapter);
  });
  afterAll(() => server.close());

  describe('preflight', () => {
    it('is answered by the library with the path policy: credentials, listed headers, the default methods', async () => {
      const res = await preflight(server, '/graphql', TENANT, 'POST', 'content-type').expect(204);
      expect(corsHeaders(res)).toEqual({
        'access-control-allow-origin': TENANT,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type, apollo-require-preflight',
      });
      expect(varyOf(res)).toEqual(['origin', 'access-control-request-method', 'access-control-request-headers']);
      expect(res.text).toBe(''); // never reached the mounted handler
    });

    it('never grants a method the policy does not name (no route table says what the path serves)', async () => {
      const res = await preflight(server, '/graphql', TENANT, 'PUT').expect(403);
      expectNoCors(res);
      expect(varyOf(res)).toContain('origin');
      const legacy = await preflight(server, '/legacy/items/1', APP, 'DELETE').expect(204);
      expect(legacy.headers['access-control-allow-methods']).toBe('GET, PUT, DELETE');
      await preflight(server, '/legacy/items/1', APP, 'PATCH').expect(403);
      await preflight(server, '/legacy/items/1', APP, 'POST').expect(403);
    });

    it('refuses an origin outside the policy (403, Vary, no Allow-* headers)', async () => {
      const res = await preflight(server, '/graphql', EVIL, 'POST', 'content-type').expect(403);
      expectNoCors(res);
      expect(varyOf(res)).toContain('origin');
      // The module defaults' origin does not apply where the path policy names its own.
      await preflight(server, '/graphql', APP, 'POST', 'content-type').expect(403);
    });

    it("'*' answers any origin; maxAge from the path policy", async () => {
      const res = await preflight(server, '/files/fonts/a.woff2', 'https://anyone.test', 'GET', 'x-requested-with').expect(204);
      expect(corsHeaders(res)).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-max-age': '600' });
    });

    it('false switches CORS off, and the first pattern listed wins', async () => {
      const res = await preflight(server, '/files/private/key.pem', APP, 'GET', 'x-requested-with').expect(403);
      expectNoCors(res);
    });

    it('a path no policy names is left to the app, as without the library', async () => {
      const res = await preflight(server, '/unlisted', APP, 'POST', 'content-type');
      expect(res.body).toMatchObject({ name: 'unlisted', method: 'OPTIONS' });
      expectNoCors(res);
    });
  });

  describe('actual responses', () => {
    it('carry the headers (credentials, reflected origin, Vary) on what the mounted handler answers', async () => {
      const res = await http(server).post('/graphql').set('Origin', TENANT).set('Cookie', 'sid=1').send({ query: '{a}' }).expect(200);
      expect(res.body).toMatchObject({ name: 'graphql', method: 'POST' });
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': TENANT, 'access-control-allow-credentials': 'true' });
      expect(varyOf(res)).toEqual(['origin']);
    });

    it('a refused origin gets no CORS headers, but still Vary: Origin', async () => {
      const res = await http(server).post('/graphql').set('Origin', EVIL).send({}).expect(200);
      expectNoCors(res);
      expect(varyOf(res)).toEqual(['origin']);
    });

    it("'*': ACAO * and no Vary (the answer does not depend on Origin)", async () => {
      const res = await http(server).get('/open-json').set('Origin', 'https://anyone.test').expect(200);
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': '*' });
      expect(varyOf(res)).toEqual([]);
    });

    it('a method the policy does not grant gets no headers', async () => {
      const res = await http(server).put('/graphql').set('Origin', TENANT).expect(200);
      expectNoCors(res);
    });

    it('HEAD is served with the GET grant', async () => {
      const res = await http(server).head('/legacy/x').set('Origin', APP).expect(200);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    });

    it('a server-sent event stream carries the headers', async () => {
      const res = await http(server).get('/sse').set('Origin', APP).expect(200);
      expect(res.headers['content-type']).toBe('text/event-stream');
      expect(res.text).toBe('data: one\n\ndata: two\n\n');
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(varyOf(res)).toEqual(['origin']);
    });

    it('false: no headers', async () => {
      expectNoCors(await http(server).get('/files/private/key.pem').set('Origin', APP).expect(200));
      expect((await http(server).get('/files/public/a.css').set('Origin', APP).expect(200)).headers['access-control-allow-origin']).toBe(
        '*',
      );
    });
  });

  describe('a controller route at the same path keeps its own policy', () => {
    it('GET /mixed is the controller’s (origin APP); PATCH, which no controller serves, is the path policy’s', async () => {
      const get = await http(server).get('/mixed').set('Origin', APP).expect(200);
      expect(get.text).toBe('controller');
      expect(get.headers['access-control-allow-origin']).toBe(APP);
      const getOther = await preflight(server, '/mixed', 'https://anyone.test', 'GET', 'x-a').expect(403);
      expectNoCors(getOther);
      const patch = await preflight(server, '/mixed', 'https://anyone.test', 'PATCH').expect(204);
      expect(patch.headers['access-control-allow-origin']).toBe('*');
      expect(
        (await http(server).patch('/mixed').set('Origin', 'https://anyone.test').expect(200)).headers['access-control-allow-origin'],
      ).toBe('*');
    });

    it('@Cors(false) on a controller route under a path pattern stays off', async () => {
      await preflight(server, '/legacy/owned', APP, 'POST', 'content-type').expect(403);
      expectNoCors(await http(server).post('/legacy/owned').set('Origin', APP).expect(201));
      // The pattern still decides its other methods there.
      await preflight(server, '/legacy/owned', APP, 'PUT').expect(204);
    });
  });

  describe('CorsPolicyService', () => {
    it('routes() lists the controller routes, then each path policy once per method it grants (HEAD with GET)', () => {
      const routes = server.get(CorsPolicyService).routes();
      const paths = routes.filter((r) => r.kind === 'path');
      expect(routes.slice(0, 2).map((r) => r.kind)).toEqual(['controller', 'controller']);
      expect(paths.filter((r) => r.path === '/graphql')).toEqual(
        ['GET', 'POST'].map((method) => ({
          kind: 'path',
          method,
          path: '/graphql',
          controller: null,
          handler: null,
          policy: {
            origin: Tenants,
            credentials: true,
            allowedHeaders: ['Content-Type', 'Apollo-Require-Preflight'],
            methods: ['GET', 'HEAD', 'POST'],
          },
        })),
      );
      expect(paths.find((r) => r.path === '/files/private{/*path}')).toMatchObject({ method: 'ALL', policy: false });
      expect(paths.map((r) => r.path)).toEqual([
        '/graphql',
        '/graphql',
        '/open-json',
        '/open-json',
        '/files/private{/*path}',
        '/files{/*path}',
        '/files{/*path}',
        '/legacy{/*path}',
        '/legacy{/*path}',
        '/legacy{/*path}',
        '/mixed',
        '/mixed',
        '/sse',
        '/sse',
      ]);
    });

    it('evaluate() explains decisions for path policies', async () => {
      const service = server.get(CorsPolicyService);
      const ok = await service.evaluate({
        origin: TENANT,
        method: 'POST',
        path: '/graphql',
        requestHeaders: { 'Content-Type': 'application/json' },
      });
      expect(ok).toMatchObject({
        allowed: true,
        reason: "allowed: the origin matches the path policy '/graphql'",
        route: { kind: 'path', controller: null, handler: null, method: 'POST', path: '/graphql' },
        preflight: { required: true, status: 204 },
        headers: { 'Access-Control-Allow-Origin': TENANT, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' },
      });
      expect(await service.evaluate({ origin: EVIL, method: 'GET', path: '/graphql' })).toMatchObject({
        allowed: false,
        reason: `origin "${EVIL}" is not allowed`,
      });
      expect((await service.evaluate({ origin: TENANT, method: 'DELETE', path: '/graphql' })).reason).toBe(
        'DELETE is not in the methods of the path policy at /graphql',
      );
      expect((await service.evaluate({ origin: 'https://x.test', method: 'GET', path: '/open-json' })).reason).toBe(
        "allowed: the path policy '/open-json' is open to '*'",
      );
      expect((await service.evaluate({ origin: APP, method: 'GET', path: '/files/private/a' })).reason).toMatch(
        /CORS is off for \/files\/private\/a/,
      );
      expect((await service.evaluate({ origin: APP, method: 'PUT', path: '/files/private/a' })).reason).toMatch(
        /preflight refused: CORS is off for this path/,
      );
      expect((await service.evaluate({ origin: APP, method: 'GET', path: '/mixed' })).route).toMatchObject({
        kind: 'controller',
        controller: 'MixedController',
      });
    });
  });
});

describe.each(ADAPTERS)('path policies and the global prefix (%s)', (adapter) => {
  it('patterns are the paths the browser requests: the global prefix is not added', async () => {
    const server = await app(adapter, { origin: APP, paths: { '/graphql': {}, '/v1/legacy{/*path}': {} } }, 'v1');
    try {
      // app.use() mounts (like Apollo, Swagger and ServeStatic by default) ignore the prefix; so do the patterns.
      expect((await preflight(server, '/graphql', APP, 'POST', 'content-type').expect(204)).headers['access-control-allow-origin']).toBe(
        APP,
      );
      expect((await http(server).get('/legacy/a').set('Origin', APP)).headers['access-control-allow-origin']).toBeUndefined();
      // A prefixed mount is written with its prefix.
      await preflight(server, '/v1/legacy/a', APP, 'GET', 'x-a').expect(204);
      // Controller routes keep the prefix as always.
      expect((await http(server).get('/v1/mixed').set('Origin', APP).expect(200)).headers['access-control-allow-origin']).toBe(APP);
    } finally {
      await server.close();
    }
  });
});

describe.each(ADAPTERS)('path policies at startup (%s)', (adapter) => {
  async function startupError(options: CorsModuleOptions): Promise<CorsConfigError> {
    try {
      const server = await app(adapter, options);
      await server.close();
    } catch (error) {
      return error as CorsConfigError;
    }
    throw new Error('bootstrap succeeded');
  }

  it('collects every problem of patterns and policies in one CorsConfigError, with route, field, value and fix', async () => {
    const error = await startupError({
      paths: {
        '/static/*': { origin: '*' },
        graphql: { origin: APP },
        '/api(.*)': { origin: APP },
        '/docs?x': { origin: APP },
        '/creds': { origin: '*', credentials: true },
        '/verbs': { origin: APP, methods: ['GET', 'CONNECT'], maxAge: -1 },
        '/no-origin': {},
        '/typo': { origin: APP, preflightContinue: true } as never,
        '/yes': true as never,
      },
    });
    expect(error).toBeInstanceOf(CorsConfigError);
    const of = (route: string) => error.errors.filter((e) => e.route === route);
    expect(of("paths['/static/*']")).toEqual([
      expect.objectContaining({
        field: 'path',
        value: "'/static/*'",
        reason: expect.stringMatching(/Missing parameter name.*'\/static\/\*path'/),
      }),
    ]);
    expect(of("paths['graphql']")[0]).toMatchObject({ field: 'path', reason: expect.stringMatching(/starts with '\/': use '\/graphql'/) });
    expect(of("paths['/api(.*)']")[0].reason).toMatch(/'\(\.\*\)' and a bare '\*' are gone/);
    expect(of("paths['/docs?x']")[0].reason).toMatch(/no query/);
    expect(of("paths['/creds']")[0]).toMatchObject({
      field: 'origin',
      reason: expect.stringMatching(/credentials cannot be used with '\*'/),
    });
    expect(
      of("paths['/verbs']")
        .map((e) => e.field)
        .sort(),
    ).toEqual(['maxAge', 'methods']);
    expect(of("paths['/no-origin']")[0]).toMatchObject({
      field: 'origin',
      reason: expect.stringMatching(/no origin here nor in the module defaults/),
    });
    expect(of("paths['/typo']")[0].reason).toMatch(/preflights are always answered by the library/);
    expect(of("paths['/yes']")[0].reason).toMatch(/use \{\} to apply the module defaults/);
    expect(error.errors).toHaveLength(10);
    expect(error.message).toContain("paths['/static/*']: path = '/static/*'");
  });

  it('validates the merged policy: a path policy with credentials over a plain-http default origin is refused', async () => {
    const error = await startupError({ origin: 'http://partner.example', paths: { '/graphql': { credentials: true } } });
    expect(error.errors).toEqual([
      expect.objectContaining({ route: "paths['/graphql']", field: 'origin', reason: expect.stringMatching(/plain-http/) }),
    ]);
  });

  it('a faulty default is reported once, for the defaults, not again for each path that inherits it', async () => {
    const error = await startupError({ origin: APP, maxAge: -1, paths: { '/graphql': {}, '/own': { maxAge: 99999 } } });
    expect(error.errors.map((e) => [e.route, e.field, e.value])).toEqual([
      ['CorsModule.forRoot', 'maxAge', '-1'],
      ["paths['/own']", 'maxAge', '99999'],
    ]);
  });

  it('paths that is not an object is refused', async () => {
    const error = await startupError({ origin: APP, paths: ['/graphql'] as never });
    expect(error.errors[0]).toMatchObject({ field: 'paths', reason: expect.stringMatching(/maps a path pattern/) });
  });

  it('a resolver class that is not a provider is reported for the path', async () => {
    class NotProvided extends CorsOriginResolver {
      isOriginAllowed() {
        return true;
      }
    }
    const error = await startupError({ paths: { '/graphql': { origin: NotProvided } } });
    expect(error.errors[0]).toMatchObject({ route: "paths['/graphql']", reason: expect.stringMatching(/not a provider/) });
  });
});
