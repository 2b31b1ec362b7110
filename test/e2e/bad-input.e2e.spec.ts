/** Behaviour 5: malformed or hostile input gets a clear answer — never a 500, a hang or a reflected value. */
import { Controller, Get, INestApplication, Put } from '@nestjs/common';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, corsHeaders, createAppOn, expectNoCors, http, preflight } from '../helpers.js';

const APP = 'https://app.example.com';

@Controller('api')
@Cors({ origin: [APP, 'https://*.tenant.example', /^https:\/\/(?:a|b)\.regex\.example$/] })
class ApiController {
  @Get() get() {
    return 'ok';
  }
  @Put() put() {
    return 'ok';
  }
}

@Controller('listed')
@Cors({ origin: APP, allowedHeaders: ['X-A', 'X-B'] })
class ListedController {
  @Put() put() {
    return 'ok';
  }
}

@Controller('dynamic')
@Cors({
  origin: (origin: string) => {
    if (origin === 'https://throws.example') throw new Error('store down');
    if (origin === 'https://rejects.example') return Promise.reject(new Error('store down'));
    return origin === 'https://dyn.example';
  },
})
class DynamicController {
  @Get() get() {
    return 'ok';
  }
}

describe.each(ADAPTERS)('bad input (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp({ imports: [CorsModule.forRoot()], controllers: [ApiController, ListedController, DynamicController] });
  });
  afterAll(() => app.close());

  const hostileOrigins: [string, string][] = [
    ['null', 'null'],
    ['a comma list', `${APP}, https://evil.test`],
    ['8 KB', `https://${'a'.repeat(8192)}.example.com`],
    ['a suffix trick', 'https://app.example.com.evil.test'],
    ['a prefix trick', 'https://evilapp.example.com'],
    ['a wildcard suffix trick', 'https://tenant.example.evil.test'],
    ['a wildcard prefix trick', 'https://eviltenant.example'],
    ['a path appended', `${APP}/x`],
    ['an uppercase variant', 'https://APP.example.com'],
    ['a default port spelled out', 'https://app.example.com:443'],
    ['a port over 65535', 'https://a.tenant.example:99999'],
    ['an empty value', ''],
    ['userinfo', 'https://app.example.com@evil.test'],
    ['a regex near miss', 'https://ab.regex.example'],
    ['a wildcard with a slash in the label', 'https://x/y.tenant.example'],
  ];

  it.each(hostileOrigins)('refuses %s on GET and preflight without reflecting it', async (_name, origin) => {
    const get = await http(app).get('/api').set('Origin', origin).expect(200);
    expectNoCors(get);
    const pre = await preflight(app, '/api', origin, 'PUT').expect(403);
    expectNoCors(pre);
  });

  it('refuses non-ASCII origins (sent raw by a non-browser client)', async () => {
    const res = await http(app).get('/api').set('Origin', Buffer.from('https://äpp.example.com', 'utf8').toString('latin1')).expect(200);
    expectNoCors(res);
  });

  it('refuses CRLF injection: Node rejects it before the app, and nothing is reflected', async () => {
    const net = await import('node:net');
    const server = app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address();
    const raw = await new Promise<string>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write(`GET /api HTTP/1.1\r\nHost: x\r\nOrigin: ${APP}\rX-Injected: 1\r\nConnection: close\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
    });
    await new Promise((resolve) => server.close(resolve));
    expect(raw).toMatch(/^HTTP\/1.1 400/);
    expect(raw).not.toMatch(/access-control/i);
  });

  it.each([
    ['lowercase method', 'put'],
    ['garbage', 'P<U>T'],
    ['a very long token', 'X'.repeat(5000)],
    ['an empty value', ''],
    ['a list', 'PUT, GET'],
  ])('refuses a preflight whose Access-Control-Request-Method is %s', async (_name, method) => {
    const res = await preflight(app, '/api', APP, method).expect(403);
    expectNoCors(res);
  });

  it.each([
    ['ten thousand commas', ','.repeat(10000)],
    ['hundreds of names', Array.from({ length: 500 }, (_, i) => `x-h${i}`).join(',')],
    ['a name with a space inside', 'x-a b'],
    ['non-token characters', 'x-a,<script>'],
  ])('refuses a preflight whose Access-Control-Request-Headers has %s', async (_name, headers) => {
    const res = await preflight(app, '/listed', APP, 'PUT', headers);
    expect(res.status).toBe(403);
    expectNoCors(res);
    expect(res.text).toBe('');
  });

  it('a few thousand commas are empty list elements: nothing is granted beyond the method', async () => {
    const res = await preflight(app, '/listed', APP, 'PUT', ','.repeat(4000)).expect(204);
    expect(res.headers['access-control-allow-methods']).toBe('PUT');
  });

  it("a header block over Node's limit is refused by Node (431), not by a crash", async () => {
    const res = await preflight(app, '/listed', APP, 'PUT', Array.from({ length: 3000 }, (_, i) => `x-h${i}`).join(','));
    expect(res.status).toBe(431);
    expectNoCors(res);
  });

  it('accepts a well-formed header list with optional whitespace and empty elements', async () => {
    const res = await preflight(app, '/listed', APP, 'PUT', ' X-A ,, x-b ').expect(204);
    expect(res.headers['access-control-allow-headers']).toBe('x-a, x-b');
  });

  it('a throwing or rejecting origin function means "not allowed", never a 500', async () => {
    for (const origin of ['https://throws.example', 'https://rejects.example']) {
      const res = await http(app).get('/dynamic').set('Origin', origin).expect(200, 'ok');
      expectNoCors(res);
      await preflight(app, '/dynamic', origin, 'GET', 'x-a').expect(403);
    }
    const ok = await http(app).get('/dynamic').set('Origin', 'https://dyn.example').expect(200);
    expect(corsHeaders(ok)).toEqual({ 'access-control-allow-origin': 'https://dyn.example' });
  });

  it('user code never sees a malformed origin', async () => {
    const seen: string[] = [];
    @Controller('spy')
    @Cors({ origin: (o: string) => (seen.push(o), false) })
    class SpyController {
      @Get() get() {
        return 1;
      }
    }
    const spyApp = await createApp({ imports: [CorsModule.forRoot()], controllers: [SpyController] });
    for (const [, origin] of hostileOrigins) await http(spyApp).get('/spy').set('Origin', origin);
    await spyApp.close();
    expect(seen).toEqual([
      'https://app.example.com.evil.test',
      'https://evilapp.example.com',
      'https://tenant.example.evil.test',
      'https://eviltenant.example',
      'https://ab.regex.example',
    ]);
  });
});
