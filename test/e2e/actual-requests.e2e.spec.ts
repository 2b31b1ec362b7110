/** Behaviour 1: actual (non-preflight) requests get exactly the headers their route's merged policy grants. */
import { Controller, Get, Header, INestApplication, Put, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Cors, CorsModule } from '../../lib/index.js';
import { corsHeaders, createApp, expectNoCors, http, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';

@Controller('public')
@Cors({ origin: '*', exposedHeaders: '*' })
class PublicController {
  @Get() get() { return 'public'; }
}

@Controller('account')
@Cors({ credentials: true, exposedHeaders: ['X-Request-Id'] })
class AccountController {
  @Get() @Header('X-Request-Id', '1') get() { return 'account'; }
  @Put() @Cors({ credentials: false, exposedHeaders: ['X-Other'] }) put() { return 'put'; }
}

@Controller('defaults')
class DefaultsController {
  @Get() get() { return 'defaults'; }
  @Get('accept') @Header('Vary', 'Accept') withDecoratorVary() { return 'vary'; }
  @Get('manual') manual(@Res() res: Response) {
    res.setHeader('Vary', 'Accept-Language'); // replaces whatever was there
    res.send('manual');
  }
  @Get('write-head') writeHead(@Res() res: Response) {
    res.writeHead(200, { Vary: 'Accept-Encoding', 'Content-Type': 'text/plain' });
    res.end('raw');
  }
  @Get('append') append(@Res() res: Response) {
    res.vary('Accept-Encoding');
    res.send('append');
  }
}

@Controller('webhooks')
@Cors(false)
class WebhooksController {
  @Get() get() { return 'hook'; }
}

describe('actual requests', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp({
      imports: [CorsModule.forRoot({ origin: [APP, 'https://*.tenant.example'] })],
      controllers: [PublicController, AccountController, DefaultsController, WebhooksController],
    });
  });
  afterAll(() => app.close());

  it('reflects an allowed origin once, with Vary: Origin', async () => {
    const res = await http(app).get('/defaults').set('Origin', APP).expect(200, 'defaults');
    expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': APP });
    expect(res.headers['access-control-allow-origin']).not.toContain(',');
    expect(varyOf(res)).toEqual(['origin']);
  });

  it("answers '*' without Vary (the answer does not depend on the origin)", async () => {
    const res = await http(app).get('/public').set('Origin', 'https://anyone.test').expect(200);
    expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': '*', 'access-control-expose-headers': '*' });
    expect(res.headers['vary']).toBeUndefined();
  });

  it('adds credentials and exposed headers from the controller', async () => {
    const res = await http(app).get('/account').set('Origin', APP).expect(200);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'X-Request-Id',
    });
  });

  it('lets the handler override the controller field by field', async () => {
    const res = await http(app).put('/account').set('Origin', APP).expect(200);
    expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': APP, 'access-control-expose-headers': 'X-Other' });
  });

  it('matches subdomain wildcards but not the apex', async () => {
    const ok = await http(app).get('/defaults').set('Origin', 'https://a.b.tenant.example').expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://a.b.tenant.example');
    const apex = await http(app).get('/defaults').set('Origin', 'https://tenant.example').expect(200);
    expectNoCors(apex);
  });

  it('refuses an unknown origin without blocking the request, and still varies on Origin', async () => {
    const res = await http(app).get('/defaults').set('Origin', 'https://evil.test').expect(200, 'defaults');
    expectNoCors(res);
    expect(varyOf(res)).toEqual(['origin']);
  });

  it('sends Vary: Origin (only) when there is no Origin header', async () => {
    const res = await http(app).get('/defaults').expect(200);
    expectNoCors(res);
    expect(varyOf(res)).toEqual(['origin']);
  });

  it('keeps a Vary the handler sets with @Header and appends Origin', async () => {
    const res = await http(app).get('/defaults/accept').set('Origin', APP).expect(200);
    expect(varyOf(res).sort()).toEqual(['accept', 'origin']);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });

  it('keeps Origin in Vary when the handler replaces the header', async () => {
    const res = await http(app).get('/defaults/manual').set('Origin', APP).expect(200);
    expect(varyOf(res).sort()).toEqual(['accept-language', 'origin']);
  });

  it('keeps Origin in Vary when the handler passes Vary to writeHead', async () => {
    const res = await http(app).get('/defaults/write-head').set('Origin', APP).expect(200, 'raw');
    expect(varyOf(res).sort()).toEqual(['accept-encoding', 'origin']);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });

  it('does not duplicate Origin when the handler appends to Vary', async () => {
    const res = await http(app).get('/defaults/append').set('Origin', APP).expect(200);
    expect(varyOf(res).sort()).toEqual(['accept-encoding', 'origin']);
  });

  it('@Cors(false) sends no CORS header and no Vary', async () => {
    const res = await http(app).get('/webhooks').set('Origin', APP).expect(200, 'hook');
    expectNoCors(res);
    expect(res.headers['vary']).toBeUndefined();
  });

  it('HEAD is served with the GET route\'s policy', async () => {
    const res = await http(app).head('/account').set('Origin', APP).expect(200);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
});

describe('a route with no origin anywhere', () => {
  it('sends no CORS headers', async () => {
    @Controller('plain') class PlainController { @Get() get() { return 'x'; } }
    const app = await createApp({ imports: [CorsModule.forRoot({ credentials: true })], controllers: [PlainController] });
    const res = await http(app).get('/plain').set('Origin', APP).expect(200);
    expectNoCors(res);
    expect(res.headers['vary']).toBeUndefined();
    await app.close();
  });
});

describe('HEAD', () => {
  it('is served by the first registered GET or HEAD handler, as Express routes it', async () => {
    const { Head } = await import('@nestjs/common');
    @Controller('file')
    class FileController {
      @Get() @Cors({ origin: 'https://a.example' }) get() { return 'get'; }
      @Head() @Cors({ origin: 'https://b.example' }) head() { return ''; }
    }
    const app = await createApp({ imports: [CorsModule.forRoot()], controllers: [FileController] });
    const a = await http(app).head('/file').set('Origin', 'https://a.example').expect(200);
    expect(a.headers['access-control-allow-origin']).toBe('https://a.example');
    const b = await http(app).head('/file').set('Origin', 'https://b.example').expect(200);
    expectNoCors(b);
    await app.close();
  });
});
