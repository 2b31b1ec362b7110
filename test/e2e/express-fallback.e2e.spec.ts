/**
 * Express only: the hook's fallback. The hook wraps `app.handle` (express-hook.e2e.spec.ts); an Express-compatible
 * instance that does not show `handle` as a function, or lacks the `request`/`response` prototypes the hook gives a
 * request early, cannot be wrapped, and the hook becomes the app's first middleware instead (`app.use()`, where
 * `enableCors` puts `cors()`). The answers are the same; only where the hook sits differs.
 *
 * Stock Express always can be wrapped, so these apps show Express through a Proxy that hides one of the three.
 * The Proxy is what `getInstance()` returns (what the hook and the HTTP server see); the Express app behind it still
 * handles every request itself.
 */
import { Controller, Get, INestApplication, Put } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Request } from 'express';
import { Cors, CorsModule } from '../../lib/index.js';
import { corsHeaders, expectNoCors, http, preflight, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';
const OTHER = 'https://other.example.com';

type Hidden = 'handle' | 'request' | 'response';

/** Express behind a Proxy that hides one property from whoever reads the instance. */
class PartlyHiddenExpressAdapter extends ExpressAdapter {
  /** The Express app itself, as the tests inspect it. */
  readonly express: { handle: { name: string }; router: { stack: { name: string }[] } };
  private readonly view: object;
  constructor(hidden: Hidden) {
    super();
    this.express = super.getInstance();
    this.view = new Proxy(this.express, { get: (target, key) => (key === hidden ? undefined : Reflect.get(target, key)) });
  }
  override getInstance<T = unknown>(): T {
    return this.view as T;
  }
}

@Controller('account')
@Cors({ origin: APP, credentials: true, exposedHeaders: ['X-Request-Id'] })
class AccountController {
  @Get() get() {
    return 'account';
  }
  @Put() put() {
    return 'put';
  }
}

@Controller({ path: 'hosted', host: 'admin.example.com' })
@Cors({ origin: APP })
class AdminHostController {
  @Put() put() {
    return 'admin put';
  }
}

/** An origin function that reads Express's req.hostname: in the middleware the request is Express's already. */
@Controller('tenant')
@Cors({ origin: (origin: string, req: Request) => req.hostname === 'api.example.com' && origin === APP })
class TenantController {
  @Get() get() {
    return 'tenant';
  }
  @Put() put() {
    return 'tenant put';
  }
}

@Controller('webhook')
@Cors(false)
class WebhookController {
  @Get() get() {
    return 'hook';
  }
}

describe.each<Hidden>(['handle', 'request', 'response'])('an Express app whose %s the hook cannot see', (hidden) => {
  let app: INestApplication;
  let adapter: PartlyHiddenExpressAdapter;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      // originCache: false: the tenant function's answer depends on the Host, not on the origin alone.
      imports: [CorsModule.forRoot({ originCache: false })],
      controllers: [AccountController, AdminHostController, TenantController, WebhookController],
    }).compile();
    adapter = new PartlyHiddenExpressAdapter(hidden);
    app = moduleRef.createNestApplication(adapter, { logger: false });
    await app.init();
  });
  afterAll(() => app.close());

  it('leaves app.handle as it is and runs as a middleware ahead of the body parsers', () => {
    expect(adapter.express.handle.name).toBe('handle');
    // Ahead of the body parsers (and so of every middleware the app adds).
    const names = adapter.express.router.stack.map((layer) => layer.name);
    expect(names.slice(0, names.indexOf('jsonParser'))).toContain('nestjsRouteCors');
  });

  it('answers a preflight itself, with what Express adds to every response', async () => {
    const res = await preflight(app, '/account', APP, 'PUT', 'content-type').expect(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, PUT',
      'access-control-allow-headers': 'content-type',
    });
    expect(res.headers['x-powered-by']).toBe('Express');
    expect(res.text).toBe('');
  });

  it('refuses a preflight from an origin the route does not allow', async () => {
    const res = await preflight(app, '/account', OTHER, 'PUT').expect(403);
    expectNoCors(res);
  });

  it("grants the allowed origin's GET and varies on Origin", async () => {
    const res = await http(app).get('/account').set('Origin', APP).expect(200, 'account');
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('X-Request-Id');
    expect(varyOf(res)).toEqual(['origin']);
    const other = await http(app).get('/account').set('Origin', OTHER).expect(200, 'account');
    expectNoCors(other);
    expect(varyOf(other)).toEqual(['origin']);
  });

  it("reads req.hostname for a host-bound route (the request is Express's by then)", async () => {
    const admin = await preflight(app, '/hosted', APP, 'PUT').set('Host', 'admin.example.com').expect(204);
    expect(admin.headers['access-control-allow-origin']).toBe(APP);
  });

  it('gives an origin function the request as Express has it, for a preflight and for a GET', async () => {
    const pre = await preflight(app, '/tenant', APP, 'PUT').set('Host', 'api.example.com').expect(204);
    expect(pre.headers['access-control-allow-origin']).toBe(APP);
    await preflight(app, '/tenant', APP, 'PUT').set('Host', 'other.example.com').expect(403);
    const get = await http(app).get('/tenant').set('Host', 'api.example.com').set('Origin', APP).expect(200, 'tenant');
    expect(get.headers['access-control-allow-origin']).toBe(APP);
    const other = await http(app).get('/tenant').set('Host', 'other.example.com').set('Origin', APP).expect(200, 'tenant');
    expectNoCors(other);
  });

  it('passes a @Cors(false) route and a path no route has to the app, untouched', async () => {
    const hook = await http(app).get('/webhook').set('Origin', APP).expect(200, 'hook');
    expectNoCors(hook);
    const missing = await preflight(app, '/nowhere', APP, 'PUT').expect(404);
    expectNoCors(missing);
  });
});
