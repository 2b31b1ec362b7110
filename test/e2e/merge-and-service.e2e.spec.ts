/** Merge rules (handler > controller > module defaults, per field), forRootAsync, and CorsPolicyService. */
import { Controller, Delete, Get, Injectable, INestApplication, Module, Post, Put } from '@nestjs/common';
import { Cors, CorsModule, CorsModuleOptions, CorsPolicyService } from '../../lib/index.js';
import { ADAPTERS, corsHeaders, createAppOn, http, preflight } from '../helpers.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';

@Controller('layers')
@Cors({ credentials: true, exposedHeaders: ['X-Ctrl'], maxAge: 120 })
class LayersController {
  @Get() inherits() {
    return 1;
  }
  @Put() @Cors({ origin: ADMIN, maxAge: 5 }) handlerWins() {
    return 1;
  }
  @Post() @Cors() usesDefaults() {
    return 1;
  }
  @Delete() @Cors(false) off() {
    return 1;
  }
}

@Controller('off')
@Cors(false)
class OffController {
  @Get() off() {
    return 1;
  }
  @Post() @Cors({ allowedHeaders: ['X-Token'] }) reenabled() {
    return 1;
  }
}

@Injectable()
class CorsConfigService {
  readonly origins = [APP, ADMIN];
}
@Module({ providers: [CorsConfigService], exports: [CorsConfigService] })
class ConfigModule {}

describe.each(ADAPTERS)('merge rules (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp({
      imports: [
        CorsModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CorsConfigService],
          useFactory: (config: CorsConfigService): CorsModuleOptions => ({ origin: config.origins, maxAge: 60 }),
        }),
      ],
      controllers: [LayersController, OffController],
    });
  });
  afterAll(() => app.close());

  it('a handler without @Cors inherits the controller over the module defaults', async () => {
    const res = await preflight(app, '/layers', APP, 'GET', 'x-a').expect(204);
    expect(corsHeaders(res)).toMatchObject({ 'access-control-allow-credentials': 'true', 'access-control-max-age': '120' });
    const get = await http(app).get('/layers').set('Origin', APP);
    expect(get.headers['access-control-expose-headers']).toBe('X-Ctrl');
  });

  it('a handler field beats the controller and the module, the rest is inherited', async () => {
    await preflight(app, '/layers', APP, 'PUT').expect(403);
    const res = await preflight(app, '/layers', ADMIN, 'PUT').expect(204);
    expect(corsHeaders(res)).toMatchObject({ 'access-control-max-age': '5', 'access-control-allow-credentials': 'true' });
  });

  it('@Cors() on a handler means "no change": controller and module fields apply', async () => {
    const res = await preflight(app, '/layers', APP, 'POST').expect(204);
    expect(res.headers['access-control-max-age']).toBe('120');
  });

  it('@Cors(false) on a handler switches CORS off for it only', async () => {
    await preflight(app, '/layers', APP, 'DELETE').expect(403);
    const del = await http(app).delete('/layers').set('Origin', APP).expect(200);
    expect(corsHeaders(del)).toEqual({});
  });

  it('@Cors(false) on a controller, re-enabled by a handler with the module defaults under it', async () => {
    await preflight(app, '/off', APP, 'GET').expect(403);
    const res = await preflight(app, '/off', APP, 'POST', 'x-token').expect(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'x-token',
      'access-control-max-age': '60',
    });
  });
});

describe.each(ADAPTERS)('forRootAsync with useClass (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  @Injectable()
  class CorsOptionsFactory {
    create(): CorsModuleOptions {
      return { origin: APP };
    }
  }
  @Controller('x')
  class XController {
    @Get() get() {
      return 1;
    }
  }

  it('builds the defaults from the class', async () => {
    const app = await createApp({
      imports: [CorsModule.forRootAsync({ useClass: CorsOptionsFactory })],
      controllers: [XController],
    });
    const res = await http(app).get('/x').set('Origin', APP);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    await app.close();
  });
});

describe.each(ADAPTERS)('CorsPolicyService (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  let app: INestApplication;
  let service: CorsPolicyService;
  beforeAll(async () => {
    app = await createApp(
      { imports: [CorsModule.forRoot({ origin: APP, maxAge: 60 })], controllers: [LayersController, OffController] },
      (a) => a.setGlobalPrefix('api'),
    );
    service = app.get(CorsPolicyService);
  });
  afterAll(() => app.close());

  it('routes() lists every route with its full path and effective policy', () => {
    const routes = service.routes();
    expect(routes).toContainEqual({
      kind: 'controller',
      method: 'PUT',
      path: '/api/layers',
      controller: 'LayersController',
      handler: 'handlerWins',
      policy: { origin: ADMIN, maxAge: 5, credentials: true, exposedHeaders: ['X-Ctrl'] },
    });
    expect(routes.find((r) => r.handler === 'off' && r.method === 'DELETE')?.policy).toBe(false);
    expect(routes.find((r) => r.handler === 'off' && r.method === 'GET')?.policy).toBe(false);
    expect(routes).toHaveLength(6);
  });

  it('evaluate() explains an allowed credentialed request with its preflight', async () => {
    const result = await service.evaluate({ origin: ADMIN, method: 'PUT', path: '/api/layers', requestHeaders: ['X-A'] });
    expect(result).toMatchObject({
      allowed: true,
      route: { controller: 'LayersController', handler: 'handlerWins', method: 'PUT', path: '/api/layers' },
      preflight: { required: true, status: 204 },
      headers: { 'Access-Control-Allow-Origin': ADMIN, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' },
    });
    expect(result.preflight.headers).toMatchObject({ 'Access-Control-Allow-Methods': 'PUT', 'Access-Control-Allow-Headers': 'x-a' });
  });

  it('evaluate() says why a request is refused', async () => {
    expect(await service.evaluate({ origin: 'https://evil.test', method: 'GET', path: '/api/layers' })).toMatchObject({
      allowed: false,
      reason: 'origin "https://evil.test" is not allowed',
      preflight: { required: false },
    });
    expect((await service.evaluate({ origin: APP, method: 'PATCH', path: '/api/layers' })).reason).toBe(
      'no route serves PATCH /api/layers',
    );
    expect((await service.evaluate({ origin: APP, method: 'GET', path: '/nowhere' })).reason).toBe('no route serves /nowhere');
    expect((await service.evaluate({ origin: APP, method: 'DELETE', path: '/api/layers' })).reason).toMatch(
      /preflight refused: CORS is off/,
    );
  });
});

describe.each(ADAPTERS)('CorsPolicyService.evaluate() and Content-Type (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  @Controller('form')
  @Cors({ origin: APP, allowedHeaders: ['X-Token'] })
  class FormController {
    @Post() post() {
      return 1;
    }
  }
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp({ imports: [CorsModule.forRoot()], controllers: [FormController] });
  });
  afterAll(() => app.close());

  it('a JSON body needs a preflight, which this route refuses', async () => {
    const service = app.get(CorsPolicyService);
    const byName = await service.evaluate({ origin: APP, method: 'POST', path: '/form', requestHeaders: ['Content-Type'] });
    expect(byName).toMatchObject({ allowed: false, preflight: { required: true, status: 403 } });
    const json = await service.evaluate({
      origin: APP,
      method: 'POST',
      path: '/form',
      requestHeaders: { 'Content-Type': 'application/json' },
    });
    expect(json).toMatchObject({ allowed: false, preflight: { required: true } });
  });

  it('a form body is a simple request: no preflight, allowed', async () => {
    const service = app.get(CorsPolicyService);
    const form = await service.evaluate({
      origin: APP,
      method: 'POST',
      path: '/form',
      requestHeaders: { 'Content-Type': 'text/plain;charset=UTF-8', Accept: '*/*' },
    });
    expect(form).toMatchObject({ allowed: true, preflight: { required: false } });
  });
});

describe('an application context without HTTP', () => {
  it('initializes (no hook to install) and still lists the routes', async () => {
    const { NestFactory } = await import('@nestjs/core');
    @Controller('ctx')
    class CtxController {
      @Get() get() {
        return 1;
      }
    }
    @Module({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [CtxController] })
    class CtxModule {}
    const context = await NestFactory.createApplicationContext(CtxModule, { logger: false });
    expect(context.get(CorsPolicyService).routes()).toMatchObject([{ method: 'GET', path: '/ctx', policy: { origin: APP } }]);
    await context.close();
  });
});
