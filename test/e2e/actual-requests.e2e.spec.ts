/** Behaviour 1: actual (non-preflight) requests get exactly the headers their route's merged policy grants. */
import { Controller, Get, Header, INestApplication, Put, Res } from '@nestjs/common';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, corsHeaders, createApp, expectNoCors, http, rawResponse, send, setHeader, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';

@Controller('public')
@Cors({ origin: '*', exposedHeaders: '*' })
class PublicController {
  @Get() get() {
    return 'public';
  }
}

@Controller('account')
@Cors({ credentials: true, exposedHeaders: ['X-Request-Id'] })
class AccountController {
  @Get() @Header('X-Request-Id', '1') get() {
    return 'account';
  }
  @Put() @Cors({ credentials: false, exposedHeaders: ['X-Other'] }) put() {
    return 'put';
  }
}

@Controller('defaults')
class DefaultsController {
  @Get() get() {
    return 'defaults';
  }
  @Get('accept') @Header('Vary', 'Accept') withDecoratorVary() {
    return 'vary';
  }
  // Express: res.setHeader; Fastify: reply.header, which Fastify hands to writeHead, where it replaces the value.
  @Get('manual') manual(@Res() res: unknown) {
    setHeader(res, 'Vary', 'Accept-Language'); // replaces whatever was there
    send(res, 'manual');
  }
  @Get('write-head') writeHead(@Res() res: unknown) {
    rawResponse(res).writeHead(200, { Vary: 'Accept-Encoding', 'Content-Type': 'text/plain' });
    rawResponse(res).end('raw');
  }
  @Get('vary-last') @Header('Vary', 'Accept, Origin') varyLast() {
    return 'vary';
  }
  @Get('vary-lookalikes') @Header('Vary', 'X-Origin, Origin-Hint') varyLookalikes() {
    return 'vary';
  }
  @Get('vary-star') @Header('Vary', '*') varyStar() {
    return 'vary';
  }
  @Get('write-head-plain') writeHeadPlain(@Res() res: unknown) {
    rawResponse(res).writeHead(200, { 'Content-Type': 'text/plain' });
    rawResponse(res).end('raw');
  }
  @Get('vary-empty') @Header('Vary', '') varyEmpty() {
    return 'vary';
  }
  @Get('write-head-null') writeHeadNull(@Res() res: unknown) {
    rawResponse(res).writeHead(200, null as unknown as Record<string, string>); // Node accepts it: no headers
    rawResponse(res).end('raw');
  }
  // A Vary given as a list (Node accepts arrays for any header): on the response, or in writeHead's headers.
  @Get('vary-array') varyArray(@Res() res: unknown) {
    rawResponse(res).setHeader('Vary', ['Accept', 'Cookie']);
    rawResponse(res).end('raw');
  }
  @Get('write-head-vary-array') writeHeadVaryArray(@Res() res: unknown) {
    rawResponse(res).writeHead(200, { 'Content-Type': 'text/plain', Vary: ['Accept', 'Cookie'] });
    rawResponse(res).end('raw');
  }
  @Get('write-head-origin') writeHeadOrigin(@Res() res: unknown) {
    rawResponse(res).writeHead(200, { 'Content-Type': 'text/plain', Vary: 'Origin, Accept' });
    rawResponse(res).end('raw');
  }
  @Get('append') append(@Res() res: { vary?(field: string): void; getHeader(name: string): unknown }) {
    // Express's res.vary(); on Fastify, appending to the value the reply reports (which includes Node's headers).
    if (typeof res.vary === 'function') res.vary('Accept-Encoding');
    else setHeader(res, 'Vary', `${String(res.getHeader('vary'))}, Accept-Encoding`);
    send(res, 'append');
  }
}

@Controller('webhooks')
@Cors(false)
class WebhooksController {
  @Get() get() {
    return 'hook';
  }
}

describe.each(ADAPTERS)('actual requests (%s)', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      {
        imports: [CorsModule.forRoot({ origin: [APP, 'https://*.tenant.example'] })],
        controllers: [PublicController, AccountController, DefaultsController, WebhooksController],
      },
      undefined,
      adapter,
    );
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

  it('appends Origin to a Vary that names it only in longer names, and never twice to one that names it', async () => {
    const last = await http(app).get('/defaults/vary-last').set('Origin', APP).expect(200);
    expect(varyOf(last)).toEqual(['accept', 'origin']);
    const lookalikes = await http(app).get('/defaults/vary-lookalikes').set('Origin', APP).expect(200);
    expect(varyOf(lookalikes)).toEqual(['x-origin', 'origin-hint', 'origin']);
    const star = await http(app).get('/defaults/vary-star').set('Origin', APP).expect(200);
    expect(star.headers['vary']).toBe('*');
  });

  it('writeHead(status, headers) without Vary gets Vary: Origin; with one naming Origin, it is left as it is', async () => {
    const plain = await http(app).get('/defaults/write-head-plain').set('Origin', APP).expect(200, 'raw');
    expect(plain.headers['vary']).toBe('Origin');
    expect(Object.keys(plain.headers).filter((name) => name === 'undefined' || name === 'null')).toEqual([]);
    const none = await http(app).get('/defaults/write-head-null').set('Origin', APP).expect(200, 'raw');
    expect(none.headers['vary']).toBe('Origin');
    const empty = await http(app).get('/defaults/vary-empty').set('Origin', APP).expect(200);
    expect(empty.headers['vary']).toBe('Origin');
    const named = await http(app).get('/defaults/write-head-origin').set('Origin', APP).expect(200, 'raw');
    expect(named.headers['vary']).toBe('Origin, Accept');
  });

  it('a Vary given as a list, on the response or to writeHead, keeps its names and gets Origin after them', async () => {
    const set = await http(app).get('/defaults/vary-array').set('Origin', APP).expect(200, 'raw');
    expect(set.headers['vary']).toBe('Accept, Cookie, Origin');
    const written = await http(app).get('/defaults/write-head-vary-array').set('Origin', APP).expect(200, 'raw');
    expect(written.headers['vary']).toBe('Accept, Cookie, Origin');
  });

  it('@Cors(false) sends no CORS header and no Vary', async () => {
    const res = await http(app).get('/webhooks').set('Origin', APP).expect(200, 'hook');
    expectNoCors(res);
    expect(res.headers['vary']).toBeUndefined();
  });

  it("HEAD is served with the GET route's policy", async () => {
    const res = await http(app).head('/account').set('Origin', APP).expect(200);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });
});

describe.each(ADAPTERS)('a route with no origin anywhere (%s)', (adapter) => {
  it('sends no CORS headers', async () => {
    @Controller('plain')
    class PlainController {
      @Get() get() {
        return 'x';
      }
    }
    const app = await createApp(
      { imports: [CorsModule.forRoot({ credentials: true })], controllers: [PlainController] },
      undefined,
      adapter,
    );
    const res = await http(app).get('/plain').set('Origin', APP).expect(200);
    expectNoCors(res);
    expect(res.headers['vary']).toBeUndefined();
    await app.close();
  });
});

describe.each(ADAPTERS)('HEAD (%s)', (adapter) => {
  it('is served with the policy of the handler the router runs for it', async () => {
    const { Head } = await import('@nestjs/common');
    // Express: the first registered GET or HEAD handler serves HEAD, here the GET. Fastify adds a HEAD route for each
    // GET (exposeHeadRoutes) and refuses a @Head() declared after the @Get() at the same path ("Method 'HEAD'
    // already declared"), so there the @Head() comes first, and serves HEAD.
    @Controller('file')
    class GetFirst {
      @Get() @Cors({ origin: 'https://a.example' }) get() {
        return 'get';
      }
      @Head() @Cors({ origin: 'https://b.example' }) head() {
        return '';
      }
    }
    @Controller('file')
    class HeadFirst {
      @Head() @Cors({ origin: 'https://b.example' }) head() {
        return '';
      }
      @Get() @Cors({ origin: 'https://a.example' }) get() {
        return 'get';
      }
    }
    const app = await createApp(
      { imports: [CorsModule.forRoot()], controllers: [adapter === 'fastify' ? HeadFirst : GetFirst] },
      undefined,
      adapter,
    );
    const [served, other] = adapter === 'fastify' ? ['https://b.example', 'https://a.example'] : ['https://a.example', 'https://b.example'];
    const a = await http(app).head('/file').set('Origin', served).expect(200);
    expect(a.headers['access-control-allow-origin']).toBe(served);
    const b = await http(app).head('/file').set('Origin', other).expect(200);
    expectNoCors(b);
    await app.close();
  });
});
