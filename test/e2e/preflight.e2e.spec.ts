/** Behaviour 3: preflights are answered with the policy of the handler serving the requested method at that path. */
import {
  All,
  CanActivate,
  Controller,
  Delete,
  Get,
  INestApplication,
  Injectable,
  Module,
  Options,
  Param,
  Patch,
  Post,
  Put,
  RequestMethod,
  Version,
  VersioningType,
  HttpCode,
} from '@nestjs/common';
import { APP_GUARD, RouterModule } from '@nestjs/core';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, AdapterName, corsHeaders, createApp, expectNoCors, http, initApp, preflight } from '../helpers.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.com';
const VARY = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

const calls = { guard: 0, handler: 0, options: 0 };

@Injectable()
class CountingGuard implements CanActivate {
  canActivate() {
    calls.guard++;
    return true;
  }
}

@Controller('items')
class ItemsController {
  @Get() list() {
    calls.handler++;
    return [];
  }
  @Put(':id')
  @Cors({ origin: OTHER, credentials: true, allowedHeaders: ['Content-Type', 'X-CSRF-Token'], maxAge: 600 })
  update() {
    calls.handler++;
    return 'updated';
  }
  @Delete(':id') remove() {
    calls.handler++;
    return 'removed';
  }
  @Get('special') special() {
    return 'special';
  }
}

@Controller('readonly')
class ReadonlyController {
  @Get() get() {
    return 'ro';
  }
}

@Controller('status')
@Cors({ origin: '*', optionsSuccessStatus: 200 })
class StatusController {
  @Get() get() {
    return 'ok';
  }
  @Post() post() {
    return 'ok';
  }
}

@Controller('mixed')
class MixedController {
  @Get() @Cors({ origin: '*' }) read() {
    return 'r';
  }
  @Post() write() {
    return 'w';
  }
  @Patch() @Cors({ methods: ['PATCH'] }) patch() {
    return 'p';
  }
  @Delete() @Cors({ methods: ['GET'] }) remove() {
    return 'd';
  }
}

@Controller('hooks')
@Cors(false)
class HooksController {
  @Post() receive() {
    return 'ok';
  }
}

/** A named wildcard: Express 5 spells it '*path', Fastify's router '*' (platform-fastify refuses '*path'). */
function filesController(adapter: AdapterName) {
  @Controller('files')
  class FilesController {
    @Get(adapter === 'fastify' ? '*' : '*path') get(@Param(adapter === 'fastify' ? '*' : 'path') path: unknown) {
      return path;
    }
  }
  return FilesController;
}

@Controller('any')
class AnyController {
  @All() any() {
    return 'any';
  }
}

@Controller('own-options')
class OwnOptionsController {
  @Get() get() {
    return 'get';
  }
  @Options() @HttpCode(200) options() {
    calls.options++;
    return 'my options';
  }
}

@Controller('users')
class AdminUsersController {
  @Get() list() {
    return [];
  }
  @Post() create() {
    return 'created';
  }
}
@Module({ controllers: [AdminUsersController] })
class AdminModule {}

@Controller({ path: 'cats', version: '1' })
class CatsV1Controller {
  @Get() get() {
    return 'v1';
  }
}
@Controller({ path: 'cats', version: '2' })
@Cors({ origin: OTHER })
class CatsV2Controller {
  @Get() get() {
    return 'v2';
  }
  @Put() @Version('3') put3() {
    return 'v3';
  }
}

@Controller('health')
class HealthController {
  @Get() get() {
    return 'healthy';
  }
}

describe.each(ADAPTERS)('preflight (%s)', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      {
        imports: [
          CorsModule.forRoot({ origin: [APP, OTHER], maxAge: 60 }),
          AdminModule,
          RouterModule.register([{ path: 'admin', module: AdminModule }]),
        ],
        controllers: [
          ItemsController,
          ReadonlyController,
          StatusController,
          MixedController,
          HooksController,
          filesController(adapter),
          AnyController,
          OwnOptionsController,
          CatsV1Controller,
          CatsV2Controller,
          HealthController,
        ],
        providers: [{ provide: APP_GUARD, useClass: CountingGuard }],
      },
      (a) => {
        a.setGlobalPrefix('api', { exclude: [{ path: 'health', method: RequestMethod.GET }] });
        a.enableVersioning({ type: VersioningType.URI });
      },
      adapter,
      // Express matches paths case-insensitively and with or without a trailing slash; Fastify's router is strict
      // unless told (test/e2e/fastify-router.e2e.spec.ts covers its defaults).
      { routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } },
    );
  });
  afterAll(() => app.close());
  beforeEach(() => Object.assign(calls, { guard: 0, handler: 0, options: 0 }));

  it('grants with the policy of the handler serving the requested method', async () => {
    const res = await preflight(app, '/api/items/42', OTHER, 'PUT', 'content-type,x-csrf-token').expect(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': OTHER,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'PUT',
      'access-control-allow-headers': 'content-type, x-csrf-token',
      'access-control-max-age': '600',
    });
    expect(res.headers['vary']).toBe(VARY);
    expect(res.text).toBe('');
  });

  it("lists only methods routed at the concrete path, and checks the origin against that handler's policy", async () => {
    const res = await preflight(app, '/api/items/42', APP, 'DELETE').expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('DELETE');
    expect(res.headers['access-control-max-age']).toBe('60');
    // The module's origin APP is not allowed by the PUT handler's own policy.
    const put = await preflight(app, '/api/items/42', APP, 'PUT').expect(403);
    expectNoCors(put);
  });

  it('never grants a method the path does not route (enableCors would grant PUT here)', async () => {
    const res = await preflight(app, '/api/readonly', APP, 'PUT').expect(403);
    expectNoCors(res);
    expect(res.headers['vary']).toBe(VARY);
  });

  it('grants a GET-only path its GET, listing only GET', async () => {
    const res = await preflight(app, '/api/readonly', APP, 'GET', 'x-custom').expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('GET');
    expect(res.headers['access-control-allow-headers']).toBe('x-custom');
  });

  it('uses optionsSuccessStatus and answers * without credentials', async () => {
    const res = await preflight(app, '/api/status', 'https://anyone.test', 'POST', 'x-a').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('picks per method at one path: GET is open, POST uses the defaults, PATCH its own methods', async () => {
    const get = await preflight(app, '/api/mixed', 'https://anyone.test', 'GET', 'x-a').expect(204);
    expect(get.headers['access-control-allow-origin']).toBe('*');
    await preflight(app, '/api/mixed', 'https://anyone.test', 'POST', 'x-a').expect(403);
    const post = await preflight(app, '/api/mixed', APP, 'POST', 'x-a').expect(204);
    expect(post.headers['access-control-allow-methods']).toBe('POST');
    const patch = await preflight(app, '/api/mixed', APP, 'PATCH').expect(204);
    expect(patch.headers['access-control-allow-methods']).toBe('PATCH');
  });

  it.each([
    ['an unknown origin', () => preflight(app, '/api/items/1', 'https://evil.test', 'DELETE')],
    ['an unrouted method', () => preflight(app, '/api/items/1', APP, 'PATCH')],
    ['a disallowed request header', () => preflight(app, '/api/items/1', OTHER, 'PUT', 'x-evil')],
    ['@Cors(false)', () => preflight(app, '/api/hooks', APP, 'POST', 'content-type')],
    ['a method outside the policy methods', () => preflight(app, '/api/mixed', APP, 'DELETE')],
    ["the 'null' origin", () => preflight(app, '/api/items/1', 'null', 'DELETE')],
  ])('refuses %s with 403 and no Access-Control-Allow-* headers', async (_name, send) => {
    const res = await send();
    expect(res.status).toBe(403);
    expectNoCors(res);
    expect(res.headers['vary']).toBe(VARY);
  });

  it('never reaches guards or handlers', async () => {
    await preflight(app, '/api/items/1', OTHER, 'PUT', 'content-type');
    await preflight(app, '/api/items/1', 'https://evil.test', 'PUT');
    expect(calls).toEqual({ guard: 0, handler: 0, options: 0 });
  });

  it('works under a global prefix exclusion, and only at the paths Nest serves', async () => {
    const res = await preflight(app, '/health', APP, 'GET', 'x-a').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    // Not a Nest route: the app answers as before (404), without CORS headers.
    const miss = await preflight(app, '/api/health', APP, 'GET').expect(404);
    expectNoCors(miss);
    const noPrefix = await preflight(app, '/readonly', APP, 'GET').expect(404);
    expectNoCors(noPrefix);
  });

  it('follows URI versioning: each version has its own policy', async () => {
    const v1 = await preflight(app, '/api/v1/cats', APP, 'GET', 'x-a').expect(204);
    expect(v1.headers['access-control-allow-origin']).toBe(APP);
    await preflight(app, '/api/v2/cats', APP, 'GET', 'x-a').expect(403);
    await preflight(app, '/api/v2/cats', OTHER, 'GET', 'x-a').expect(204);
    const v3 = await preflight(app, '/api/v3/cats', OTHER, 'PUT').expect(204);
    expect(v3.headers['access-control-allow-methods']).toBe('PUT');
    await preflight(app, '/api/v3/cats', OTHER, 'GET').expect(403);
  });

  it('follows RouterModule paths', async () => {
    const res = await preflight(app, '/api/admin/users', APP, 'POST', 'content-type').expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST');
    await preflight(app, '/api/users', APP, 'POST').expect(404);
  });

  it('matches params and named wildcards, case-insensitively and with a trailing slash', async () => {
    await preflight(app, '/api/files/a/b/c.txt', APP, 'GET', 'x-a').expect(204);
    await preflight(app, '/API/Items/7/', APP, 'DELETE').expect(204);
  });

  it('@All() routes grant the requested method', async () => {
    const res = await preflight(app, '/api/any', APP, 'DELETE').expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('DELETE');
  });

  it('OPTIONS without Access-Control-Request-Method is not a preflight: the app answers as before', async () => {
    const res = await http(app).options('/api/readonly').set('Origin', APP);
    expect(res.status).toBe(404);
    const own = await http(app).options('/api/own-options').set('Origin', APP).expect(200, 'my options');
    expect(calls.options).toBe(1);
    expect(own.headers['access-control-allow-origin']).toBe(APP);
  });

  it('neither an OPTIONS without Origin nor a GET carrying Access-Control-Request-Method is a preflight', async () => {
    const noOrigin = await http(app).options('/api/own-options').set('Access-Control-Request-Method', 'GET').expect(200, 'my options');
    expect(noOrigin.headers['access-control-allow-methods']).toBeUndefined();
    expect(calls.options).toBe(1);
    const get = await http(app).get('/api/own-options').set('Origin', APP).set('Access-Control-Request-Method', 'PUT').expect(200, 'get');
    expect(get.headers['access-control-allow-origin']).toBe(APP);
    expect(get.headers['access-control-allow-methods']).toBeUndefined();
  });

  it("a preflight to a path with the user's own @Options() is answered by the library", async () => {
    const res = await preflight(app, '/api/own-options', APP, 'GET', 'x-a').expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('GET, OPTIONS');
    expect(calls.options).toBe(0);
  });
});

describe.each(ADAPTERS)('route order (%s)', (adapter) => {
  @Controller('things')
  class ThingsController {
    @Get(':id') one() {
      return 'one';
    }
    @Get('special') @Cors({ origin: '*' }) special() {
      return 'special';
    }
  }

  async function appWith(routeResolutionStrategy?: 'specificity') {
    const { Test } = await import('@nestjs/testing');
    const moduleRef = await Test.createTestingModule({
      imports: [CorsModule.forRoot({ origin: APP })],
      controllers: [ThingsController],
    }).compile();
    return initApp(moduleRef, adapter, { routeResolutionStrategy });
  }

  async function expectServedBy(app: INestApplication, handler: 'one' | 'special') {
    await http(app).get('/things/special').expect(200, handler);
    if (handler === 'one') await preflight(app, '/things/special', 'https://anyone.test', 'GET', 'x-a').expect(403);
    else {
      const res = await preflight(app, '/things/special', 'https://anyone.test', 'GET', 'x-a').expect(204);
      expect(res.headers['access-control-allow-origin']).toBe('*');
    }
  }

  it('follows the router: Express in declaration order (/things/:id serves /things/special), Fastify by specificity', async () => {
    const app = await appWith();
    await expectServedBy(app, adapter === 'express' ? 'one' : 'special');
    await app.close();
  });

  it("follows Nest's specificity ordering when the app asks for it", async () => {
    const app = await appWith('specificity');
    await expectServedBy(app, 'special');
    await app.close();
  });
});

// Express only: Fastify's router has no optional segment but a last parameter (`:lang?`, below), and refuses the
// '{/:lang}' path platform-fastify hands it ("The first character of a path should be `/` or `*`").
describe('optional leading segments (express)', () => {
  @Controller('{/:lang}/shop')
  class ShopController {
    @Get('items') items() {
      return 'items';
    }
  }

  it('serves /shop/items and /en/shop/items as Nest does', async () => {
    const app = await createApp({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [ShopController] });
    for (const path of ['/shop/items', '/en/shop/items']) {
      await http(app).get(path).expect(200, 'items');
      const res = await preflight(app, path, APP, 'GET', 'x-a').expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    }
    await app.close();
  });
});

describe.each(ADAPTERS)('an optional last parameter (%s)', (adapter) => {
  it('serves /shop/items and /shop/items/en, each spelled the way its router spells it', async () => {
    @Controller('shop')
    class ShopController {
      @Get(adapter === 'fastify' ? 'items/:lang?' : 'items{/:lang}') items() {
        return 'items';
      }
    }
    const app = await createApp({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [ShopController] }, undefined, adapter);
    for (const path of ['/shop/items', '/shop/items/en']) {
      await http(app).get(path).expect(200, 'items');
      const res = await preflight(app, path, APP, 'GET', 'x-a').expect(204);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    }
    await preflight(app, '/shop/items/en/more', APP, 'GET', 'x-a').expect(404);
    await app.close();
  });
});
