/** Behaviour 4: a policy that would not work or would leak stops bootstrap with one CorsConfigError listing every problem. */
import { Controller, Get, Injectable, Module, Post, Put, VersioningType, Version } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cors, CorsConfigError, CorsModule, CorsOriginResolver } from '../../lib/index.js';
import { ADAPTERS, AdapterName, createApp, createAppOn } from '../helpers.js';

const bootstrapErrorOn =
  (adapter: AdapterName) =>
  async (metadata: Parameters<typeof Test.createTestingModule>[0], configure?: Parameters<typeof createApp>[1]) => {
    try {
      const app = await createApp(metadata, configure, adapter);
      await app.close();
    } catch (error) {
      return error as CorsConfigError;
    }
    throw new Error('bootstrap succeeded');
  };

@Controller('account')
@Cors({ credentials: true, origin: '*' })
class AccountController {
  @Get() get() {
    return 1;
  }
  @Put()
  @Cors({ methods: ['PUT', 'TRACE'], allowedHeaders: ['Content-Type', 'Cookie'], exposedHeaders: ['Set-Cookie'], maxAge: 90000 })
  update() {
    return 1;
  }
}

@Controller('origins')
class OriginsController {
  @Get('path') @Cors({ origin: 'https://app.example.com/' }) a() {
    return 1;
  }
  @Get('scheme') @Cors({ origin: 'app.example.com' }) b() {
    return 1;
  }
  @Get('port') @Cors({ origin: ['https://app.example.com:443', 'http://app.example.com:99999'] }) c() {
    return 1;
  }
  @Get('null') @Cors({ origin: 'null' }) d() {
    return 1;
  }
  @Get('regex') @Cors({ origin: [/https:\/\/app\.example\.com/, /^https:\/\/a\.example\.com$/g] }) e() {
    return 1;
  }
  @Get('suffix') @Cors({ origin: ['https://*.com', 'https://*.co.uk'] }) f() {
    return 1;
  }
  @Get('query') @Cors({ origin: 'https://app.example.com?x=1' }) g() {
    return 1;
  }
  @Get('insecure') @Cors({ origin: 'http://app.example.com', credentials: true }) h() {
    return 1;
  }
  @Get('reflect') @Cors({ origin: /^.*$/, credentials: true }) i() {
    return 1;
  }
  @Get('expose') @Cors({ exposedHeaders: '*', credentials: true }) j() {
    return 1;
  }
  @Get('token') @Cors({ methods: ['GE T'], allowedHeaders: ['bad header'] }) k() {
    return 1;
  }
  @Get('alternation') @Cors({ origin: /^https:\/\/a\.example\.com|https:\/\/b\.example\.com$/ }) l() {
    return 1;
  }
}

describe.each(ADAPTERS)('startup validation (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  const bootstrapError = bootstrapErrorOn(adapter);
  it('collects every problem with its route, field, value and fix', async () => {
    const error = await bootstrapError({
      imports: [CorsModule.forRoot({ origin: 'https://app.example.com' })],
      controllers: [AccountController, OriginsController],
    });
    expect(error).toBeInstanceOf(CorsConfigError);
    const find = (route: string, field: string) => error.errors.filter((e) => e.route.startsWith(route) && e.field === field);
    expect(find('AccountController.get GET /account', 'origin')[0].reason).toMatch(/credentials cannot be used with '\*'/);
    const update = 'AccountController.update PUT /account';
    expect(find(update, 'methods')[0]).toMatchObject({ value: "'TRACE'" });
    expect(find(update, 'allowedHeaders')[0].reason).toMatch(/forbidden request header/);
    expect(find(update, 'exposedHeaders')[0].reason).toMatch(/never exposed/);
    expect(find(update, 'maxAge')[0].value).toBe('90000');
    const reasons = (path: string) =>
      find(`OriginsController.`, 'origin')
        .filter((e) => e.route.endsWith(path))
        .map((e) => e.reason)
        .join(' | ');
    expect(reasons('/origins/path')).toMatch(/no path.*trailing slash.*use 'https:\/\/app.example.com'/);
    expect(reasons('/origins/scheme')).toMatch(/starts with its scheme: use 'https:\/\/app.example.com'/);
    expect(reasons('/origins/port')).toMatch(/default port/);
    expect(reasons('/origins/port')).toMatch(/'99999' is not a port/);
    expect(reasons('/origins/null')).toMatch(/'null'/);
    expect(reasons('/origins/regex')).toMatch(/anchor it/);
    expect(reasons('/origins/regex')).toMatch(/'g' flag/);
    expect(reasons('/origins/suffix')).toMatch(/public suffix 'com'/);
    expect(reasons('/origins/suffix')).toMatch(/public suffix 'co.uk'/);
    expect(reasons('/origins/query')).toMatch(/found a query/);
    expect(reasons('/origins/insecure')).toMatch(/dangerouslyAllowInsecureOrigins/);
    expect(reasons('/origins/reflect')).toMatch(/allows any origin/);
    expect(reasons('/origins/alternation')).toMatch(/group the alternatives/);
    expect(find('OriginsController.j GET /origins/expose', 'exposedHeaders')[0].reason).toMatch(/with credentials '\*'/);
    expect(find('OriginsController.k GET /origins/token', 'methods')).toHaveLength(1);
    expect(find('OriginsController.k GET /origins/token', 'allowedHeaders')).toHaveLength(1);
    // One error, one message listing them all.
    expect(error.message.split('\n').length).toBe(error.errors.length + 1);
    expect(error.message).toContain('AccountController.update PUT /account: methods');
  });

  it('accepts plain-http origins with credentials on localhost, or elsewhere with the dangerous flag', async () => {
    @Controller('ok')
    class OkController {
      @Get('local') @Cors({ origin: ['http://localhost:*', 'http://127.0.0.1:5173'], credentials: true }) a() {
        return 1;
      }
      @Get('flag') @Cors({ origin: 'http://intranet.example', credentials: true, dangerouslyAllowInsecureOrigins: true }) b() {
        return 1;
      }
    }
    const app = await createApp({ imports: [CorsModule.forRoot()], controllers: [OkController] });
    await app.close();
  });

  it('rejects bad module defaults at bootstrap (forRoot)', async () => {
    const error = await bootstrapError({ imports: [CorsModule.forRoot({ origin: '*', credentials: true })] });
    expect(error).toBeInstanceOf(CorsConfigError);
    expect(error.message).toMatch(/CorsModule.forRoot: origin = '\*': credentials cannot be used/);
  });

  it('rejects bad defaults from forRootAsync factories too', async () => {
    const error = await bootstrapError({
      imports: [CorsModule.forRootAsync({ useFactory: async () => ({ origin: 'https://app.example.com/', maxAge: -1 }) })],
    });
    expect(error).toBeInstanceOf(CorsConfigError);
    expect(error.errors.map((e) => e.field).sort()).toEqual(['maxAge', 'origin']);
  });

  it('names unknown options', async () => {
    const error = await bootstrapError({ imports: [CorsModule.forRoot({ origins: ['https://a.example'] } as never)] });
    expect(error.message).toMatch(/unknown option 'origins'/);
  });

  describe('module defaults and routes, in one error', () => {
    @Controller('evil')
    class EvilController {
      @Get() @Cors({ origin: /evil/ }) get() {
        return 1;
      }
    }
    @Controller('inherits')
    class InheritsController {
      @Get() a() {
        return 1;
      }
      @Post() @Cors({ credentials: true }) b() {
        return 1;
      }
      @Put() @Cors({ maxAge: 90000 }) c() {
        return 1;
      }
    }
    const metadata = (defaults: ReturnType<typeof CorsModule.forRoot>) => ({
      imports: [defaults],
      controllers: [EvilController, InheritsController],
    });
    const badDefaults = { origin: ['http://a.test/'], maxAge: -1, originCache: { ttl: -5 } };

    function expectOneErrorForAll(error: CorsConfigError) {
      expect(error).toBeInstanceOf(CorsConfigError);
      const summary = error.errors.map((e) => `${e.route} | ${e.field} | ${e.value}`);
      expect(summary).toEqual([
        "CorsModule.forRoot | origin | 'http://a.test/'",
        'CorsModule.forRoot | maxAge | -1',
        'CorsModule.forRoot | originCache.ttl | -5',
        'EvilController.get GET /evil | origin | /evil/',
        // its own maxAge is wrong; the inherited origin is reported once, under the defaults
        'InheritsController.c PUT /inherits | maxAge | 90000',
      ]);
      // Each problem says how to fix it.
      expect(error.errors[0].reason).toMatch(/use 'http:\/\/a.test'/);
      expect(error.errors[1].reason).toMatch(/0 to 86400/);
      expect(error.errors[3].reason).toMatch(/anchor it as \/\^…\$\//);
      expect(error.message.split('\n')).toHaveLength(error.errors.length + 1);
      expect(error.message).toContain('Invalid CORS configuration (5 problems)');
    }

    it("forRoot: the defaults' problems and a handler's bad @Cors are reported together", async () => {
      expectOneErrorForAll(await bootstrapError(metadata(CorsModule.forRoot(badDefaults as never))));
    });

    it('forRootAsync: the same, at bootstrap', async () => {
      expectOneErrorForAll(await bootstrapError(metadata(CorsModule.forRootAsync({ useFactory: async () => badDefaults as never }))));
    });

    it('a route that sets the faulty field itself is reported; one that overrides it with a good value is not', async () => {
      @Controller('own')
      class OwnController {
        @Get('same') @Cors({ maxAge: -1 }) same() {
          return 1;
        }
        @Get('fixed') @Cors({ maxAge: 60, origin: 'https://ok.example' }) fixed() {
          return 1;
        }
      }
      const error = await bootstrapError({
        imports: [CorsModule.forRoot({ origin: 'https://app.example.com', maxAge: -1 })],
        controllers: [OwnController],
      });
      expect(error.errors.map((e) => `${e.route} | ${e.field}`)).toEqual([
        'CorsModule.forRoot | maxAge',
        'OwnController.same GET /own/same | maxAge',
      ]);
    });

    it('a default that is not an object is one problem, and the routes are still checked', async () => {
      const error = await bootstrapError({ imports: [CorsModule.forRoot('https://a.example' as never)], controllers: [EvilController] });
      expect(error.errors.map((e) => `${e.route} | ${e.field}`)).toEqual([
        'CorsModule.forRoot | (policy)',
        'EvilController.get GET /evil | origin',
      ]);
    });
  });

  it('requires resolver classes to be providers', async () => {
    @Injectable()
    class Tenants extends CorsOriginResolver {
      isOriginAllowed() {
        return true;
      }
    }
    @Controller('t')
    @Cors({ origin: Tenants })
    class TController {
      @Get() get() {
        return 1;
      }
    }
    const error = await bootstrapError({ imports: [CorsModule.forRoot()], controllers: [TController] });
    expect(error.errors[0].reason).toMatch(/Tenants is not a provider/);
  });

  it('refuses different policies on handlers that share a path by header version', async () => {
    @Controller('cats')
    class CatsController {
      @Get() @Version('1') v1() {
        return 1;
      }
      @Get() @Version('2') @Cors({ origin: 'https://other.example' }) v2() {
        return 2;
      }
    }
    const error = await bootstrapError(
      { imports: [CorsModule.forRoot({ origin: 'https://app.example.com' })], controllers: [CatsController] },
      (app) => app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Version' }),
    );
    expect(error.errors[0].route).toBe('CatsController.v2 GET /cats');
    expect(error.errors[0].reason).toMatch(/preflight carries no version header/);
  });
});

describe.each(ADAPTERS)('header versioning with one policy, and host-bound controllers (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  @Controller('cats')
  class CatsController {
    @Get() @Version('1') v1() {
      return 'v1';
    }
    @Get() @Version('2') v2() {
      return 'v2';
    }
  }
  @Controller({ path: 'dash', host: 'admin.example.com' })
  @Cors({ origin: 'https://admin-ui.example.com' })
  class AdminDashController {
    @Get() get() {
      return 'admin';
    }
  }
  @Controller('dash')
  class PublicDashController {
    @Post() post() {
      return 'public';
    }
    @Get() get() {
      return 'public';
    }
  }
  // Fastify refuses a second GET /dash ("Method 'GET' already declared"): Nest filters hosts in the handler, not in
  // Fastify's router, so there a host-bound controller cannot share a method and path with another one.
  @Controller('dash')
  class PublicDashPostController {
    @Post() post() {
      return 'public';
    }
  }
  @Module({ controllers: [CatsController, AdminDashController, adapter === 'fastify' ? PublicDashPostController : PublicDashController] })
  class VersionedModule {}

  it('serves the shared policy to every version, and picks host-bound policies by Host', async () => {
    const { http, preflight } = await import('../helpers.js');
    const app = await createApp({ imports: [CorsModule.forRoot({ origin: 'https://app.example.com' }), VersionedModule] }, (a) =>
      a.enableVersioning({ type: VersioningType.HEADER, header: 'X-Version' }),
    );
    const v2 = await http(app).get('/cats').set('X-Version', '2').set('Origin', 'https://app.example.com').expect(200, 'v2');
    expect(v2.headers['access-control-allow-origin']).toBe('https://app.example.com');
    await preflight(app, '/cats', 'https://app.example.com', 'GET', 'x-version').expect(204);

    const admin = await preflight(app, '/dash', 'https://admin-ui.example.com', 'GET').set('Host', 'admin.example.com').expect(204);
    expect(admin.headers['access-control-allow-origin']).toBe('https://admin-ui.example.com');
    await preflight(app, '/dash', 'https://admin-ui.example.com', 'GET').set('Host', 'www.example.com').expect(403);
    if (adapter === 'express') {
      const other = await preflight(app, '/dash', 'https://app.example.com', 'GET').set('Host', 'www.example.com').expect(204);
      expect(other.headers['access-control-allow-methods']).toBe('POST, GET');
    } else {
      await preflight(app, '/dash', 'https://app.example.com', 'GET').set('Host', 'www.example.com').expect(403);
      const other = await preflight(app, '/dash', 'https://app.example.com', 'POST').set('Host', 'www.example.com').expect(204);
      expect(other.headers['access-control-allow-methods']).toBe('POST');
    }
    const get = await http(app)
      .get('/dash')
      .set('Host', 'admin.example.com')
      .set('Origin', 'https://admin-ui.example.com')
      .expect(200, 'admin');
    expect(get.headers['access-control-allow-origin']).toBe('https://admin-ui.example.com');
    await app.close();
  });
});

describe('an HTTP adapter the library has no binding for', () => {
  it('stops bootstrap with a clear message', async () => {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    class OtherAdapter extends ExpressAdapter {
      override getType() {
        return 'other';
      }
    }
    @Controller('x')
    class XController {
      @Get() get() {
        return 1;
      }
    }
    const moduleRef = await Test.createTestingModule({ imports: [CorsModule.forRoot()], controllers: [XController] }).compile();
    const app = moduleRef.createNestApplication(new OtherAdapter(), { logger: false });
    await expect(app.init()).rejects.toThrow("nestjs-route-cors supports the express and fastify adapters; this app uses 'other'");
    await app.close();
  });
});
