/**
 * The preflight and the actual request are decided by the same route: the one the platform's router runs. A
 * preflight granted by one route's policy for a request another route serves lets a refused origin run a side
 * effect (a PUT or DELETE after a "successful" preflight). Each case sends the actual request to learn which
 * handler runs, then checks that the preflight answered exactly for that handler's policy, on every adapter.
 * Also here: a static path policy beats a parametric controller route that merely also matches; path policies in
 * the order written for routes outside Nest; and a bug of ours never turns into a 500 or a hung request.
 */
import { jest } from '@jest/globals';
import { Controller, Delete, Get, INestApplication, Post, Put } from '@nestjs/common';
import { OutgoingMessage } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Cors, CorsModule } from '../../lib/index.js';
import type { CorsModuleOptions } from '../../lib/index.js';
import { CorsRouteIndex, RouteGroup } from '../../lib/core/cors-route-index.js';
import { ADAPTERS, AppClass, createAppOn, http, preflight, send } from '../helpers.js';

const ADMIN = 'https://admin.example';
const PUBLIC = 'https://public.example';
const APP = 'https://app.example';
const EVIL = 'https://evil.example';

const echo = (name: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.setHeader('Content-Type', 'text/plain');
  res.end(name);
};

@Controller()
class PercentController {
  @Put('admin/x') @Cors({ origin: ADMIN }) admin() {
    return 'admin';
  }
  @Put(':any/x') @Cors({ origin: PUBLIC }) any() {
    return 'any';
  }
}

@Controller()
class SlugController {
  @Post(':slug') @Cors({ origin: PUBLIC }) slug() {
    return 'slug';
  }
}

@Controller('items')
@Cors({ origin: APP })
class ItemsController {
  @Get() list() {
    return 'items';
  }
}

const ASYNC_ALLOWED = (origin: string) => Promise.resolve(origin === APP);
@Controller('async-items')
@Cors({ origin: ASYNC_ALLOWED })
class AsyncItemsController {
  @Get() list() {
    return 'async-items';
  }
}

/** The preflight's Access-Control-Allow-Origin for `origin`, or undefined when refused. */
async function grantedTo(app: INestApplication, path: string, origin: string, method: string): Promise<string | undefined> {
  const res = await preflight(app, path, origin, method);
  return res.headers['access-control-allow-origin'] as string | undefined;
}

describe.each(ADAPTERS)('the preflight follows the route the router runs (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  const build = (controllers: AppClass[], options: CorsModuleOptions = {}, configure?: (app: INestApplication) => void) =>
    createApp({ imports: [CorsModule.forRoot(options)], controllers }, configure);

  it('percent-encoded static segments: the preflight grants exactly what the handler that runs allows', async () => {
    const app = await build([PercentController]);
    try {
      for (const path of ['/admin/x', '/adm%69n/x', '/%61dmin/x', '/other/x']) {
        const served = (await http(app).put(path).expect(200)).text;
        const allowed = served === 'admin' ? ADMIN : PUBLIC;
        expect([path, await grantedTo(app, path, PUBLIC, 'PUT')]).toEqual([path, allowed === PUBLIC ? PUBLIC : undefined]);
        expect([path, await grantedTo(app, path, ADMIN, 'PUT')]).toEqual([path, allowed === ADMIN ? ADMIN : undefined]);
      }
      // Fastify's router decodes static segments (Express matches the raw path): the admin route serves them.
      expect((await http(app).put('/adm%69n/x')).text).toBe(adapter === 'fastify' ? 'admin' : 'any');
    } finally {
      await app.close();
    }
  });

  it('a static path policy beats a parametric controller route that also matches it (and Express and Fastify agree)', async () => {
    const app = await build([SlugController], { paths: { '/graphql': { origin: [APP], credentials: true } } }, (a) =>
      a.use('/graphql', echo('graphql')),
    );
    try {
      // What is mounted at /graphql serves it; the path policy decides, not @Post(':slug').
      expect(await grantedTo(app, '/graphql', APP, 'POST')).toBe(APP);
      expect(await grantedTo(app, '/graphql', PUBLIC, 'POST')).toBeUndefined();
      const fromApp = await http(app).post('/graphql').set('Origin', APP).expect(200, 'graphql');
      expect(fromApp.headers['access-control-allow-origin']).toBe(APP);
      expect(fromApp.headers['access-control-allow-credentials']).toBe('true');
      const fromPublic = await http(app).post('/graphql').set('Origin', PUBLIC).expect(200, 'graphql');
      expect(fromPublic.headers['access-control-allow-origin']).toBeUndefined();
      // Every other path is still the controller's.
      expect(await grantedTo(app, '/other', PUBLIC, 'POST')).toBe(PUBLIC);
      const slug = await http(app).post('/other').set('Origin', PUBLIC).expect(201, 'slug');
      expect(slug.headers['access-control-allow-origin']).toBe(PUBLIC);
      // Other spellings of /graphql: Fastify's middleware matches them decoded and in any case, its router does
      // not. Whatever serves them, no origin is granted that the serving handler's policy does not allow.
      for (const path of ['/GRAPHQL', '/graph%71l', '/Graph%71L']) {
        for (const origin of [APP, PUBLIC]) {
          const actual = await http(app).post(path).set('Origin', origin);
          const allowed = actual.text === 'graphql' ? APP : PUBLIC;
          const acao = actual.headers['access-control-allow-origin'];
          expect([path, origin, acao]).toEqual([path, origin, acao === undefined ? undefined : allowed]);
          const granted = await grantedTo(app, path, origin, 'POST');
          expect([path, origin, granted]).toEqual([path, origin, granted === undefined ? undefined : allowed]);
        }
      }
    } finally {
      await app.close();
    }
  });

  it('a route outside Nest follows the path policies in the order written: an earlier false pattern wins over a later exact one', async () => {
    const paths = { '/api/*rest': false as const, '/api/public': { origin: '*' } };
    const app = await build([ItemsController], { origin: APP, paths }, (a) =>
      a.getHttpAdapter().get('/api/public', (_req: unknown, res: unknown) => send(res, 'public')),
    );
    try {
      const actual = await http(app).get('/api/public').set('Origin', EVIL).expect(200, 'public');
      expect(actual.headers['access-control-allow-origin']).toBeUndefined();
      expect(await grantedTo(app, '/api/public', EVIL, 'GET')).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe.each(ADAPTERS)('a bug of ours is never a 500 or a hung request (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp({ imports: [CorsModule.forRoot({ originCache: false })], controllers: [ItemsController, AsyncItemsController] });
  });
  afterAll(() => app.close());
  afterEach(() => jest.restoreAllMocks());

  it('a throw while deciding: the app answers, without CORS headers', async () => {
    jest.spyOn(RouteGroup.prototype, 'forMethod').mockImplementation(() => {
      throw new Error('a bug of ours');
    });
    const res = await http(app).get('/items').set('Origin', APP).expect(200, 'items');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['a synchronous decision', '/items', 'items'],
    ['an async origin decision', '/async-items', 'async-items'],
  ])('a throw while setting the headers after %s: the app answers, without them', async (_what, path, body) => {
    const setHeader = OutgoingMessage.prototype.setHeader;
    jest.spyOn(OutgoingMessage.prototype, 'setHeader').mockImplementation(function (
      this: OutgoingMessage,
      name: string,
      value: string | number | readonly string[],
    ) {
      if (name === 'Access-Control-Allow-Origin') throw new Error('a bug of ours');
      return setHeader.call(this, name, value);
    });
    const res = await http(app).get(path).set('Origin', APP).timeout(3000).expect(200, body);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('find-my-way precedence (fastify)', () => {
  const createApp = createAppOn('fastify');

  @Controller('cats')
  class ById {
    @Delete(':id(^\\d+$)') @Cors({ origin: ADMIN }) byId() {
      return 'byId';
    }
  }
  @Controller('cats')
  class BySlug {
    @Delete(':slug') @Cors({ origin: PUBLIC }) bySlug() {
      return 'bySlug';
    }
  }
  @Controller('files')
  class Files {
    @Put(':name') @Cors({ origin: PUBLIC }) plain() {
      return 'plain';
    }
    @Put(':name.png') @Cors({ origin: ADMIN }) png() {
      return 'png';
    }
  }

  it.each([
    ['regex first', [ById, BySlug]],
    ['plain first', [BySlug, ById]],
  ] as [string, AppClass[]][])('a regex parameter beats a plain one whatever the registration order (%s)', async (_order, controllers) => {
    const app = await createApp({ imports: [CorsModule.forRoot({})], controllers });
    try {
      for (const [path, handler] of [
        ['/cats/123', 'byId'],
        ['/cats/abc', 'bySlug'],
      ]) {
        expect((await http(app).delete(path).expect(200)).text).toBe(handler);
        const owner = handler === 'byId' ? ADMIN : PUBLIC;
        const other = handler === 'byId' ? PUBLIC : ADMIN;
        expect([path, await grantedTo(app, path, owner, 'DELETE')]).toEqual([path, owner]);
        expect([path, await grantedTo(app, path, other, 'DELETE')]).toEqual([path, undefined]);
      }
    } finally {
      await app.close();
    }
  });

  it('a parameter with a static suffix beats a plain one', async () => {
    const app = await createApp({ imports: [CorsModule.forRoot({})], controllers: [Files] });
    try {
      expect((await http(app).put('/files/x.png').expect(200)).text).toBe('png');
      expect(await grantedTo(app, '/files/x.png', ADMIN, 'PUT')).toBe(ADMIN);
      expect(await grantedTo(app, '/files/x.png', PUBLIC, 'PUT')).toBeUndefined();
      expect(await grantedTo(app, '/files/x', PUBLIC, 'PUT')).toBe(PUBLIC);
    } finally {
      await app.close();
    }
  });

  it('among many routes under one prefix, the preflight names the route that runs and only the methods it serves at that URL', async () => {
    @Controller('api/things')
    class Things {
      @Get(':id') @Cors({ origin: ADMIN }) read() {
        return 'read';
      }
      @Put(':id') @Cors({ origin: ADMIN }) write() {
        return 'write';
      }
      @Get('special') @Cors({ origin: PUBLIC }) special() {
        return 'special';
      }
    }
    // 60 more routes under /api, static and parametric, registered before and after the measured ones.
    const fillers = [0, 1, 2].map((c) => {
      @Controller(`api/things-${c}`)
      class Filler {}
      for (let r = 0; r < 20; r++) {
        const descriptor = { value: () => `${c}-${r}`, writable: true, configurable: true };
        Object.defineProperty(Filler.prototype, `r${r}`, descriptor);
        (r % 2 ? Put : Get)(r % 3 ? `:id/part-${r}` : `list-${r}`)(Filler.prototype, `r${r}`, descriptor);
      }
      return Filler;
    });
    const app = await createApp({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [fillers[0], Things, ...fillers.slice(1)] });
    try {
      expect((await http(app).get('/api/things/special').expect(200)).text).toBe('special');
      expect((await http(app).put('/api/things/special').expect(200)).text).toBe('write');
      for (let round = 0; round < 2; round++) {
        // PUT /api/things/special runs write(), and GET there runs special(): the grant is ADMIN's, for PUT only.
        const put = await preflight(app, '/api/things/special', ADMIN, 'PUT').expect(204);
        expect(put.headers['access-control-allow-origin']).toBe(ADMIN);
        expect(put.headers['access-control-allow-methods']).toBe('PUT');
        const read = await preflight(app, '/api/things/7', ADMIN, 'PUT').expect(204);
        expect(read.headers['access-control-allow-methods']).toBe('GET, PUT');
        expect(await grantedTo(app, '/api/things/special', PUBLIC, 'PUT')).toBeUndefined();
        expect(await grantedTo(app, '/api/things-2/9/part-5', APP, 'PUT')).toBe(APP);
        expect(await grantedTo(app, '/api/things-1/list-3', APP, 'PUT')).toBe(APP);
        expect(await grantedTo(app, '/api/things-1/list-4', APP, 'PUT')).toBeUndefined(); // GET only there
      }
    } finally {
      await app.close();
    }
  });

  it('requests no path policy can concern are not matched against the route table (no paths: a 404 and a Nest route do no lookup)', async () => {
    const app = await createApp({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [ItemsController] });
    try {
      const lookup = jest.spyOn(CorsRouteIndex.prototype, 'lookup');
      await http(app).get('/items').set('Origin', APP).expect(200);
      await http(app).get('/static/app.js').set('Origin', APP).expect(404);
      expect(lookup).not.toHaveBeenCalled();
    } finally {
      jest.restoreAllMocks();
      await app.close();
    }
  });
});
