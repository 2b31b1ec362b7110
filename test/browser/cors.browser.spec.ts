/**
 * The browser is the judge: pages on http://localhost:<page port> call a Nest app using the library on
 * http://localhost:<api port> with fetch(), in Debian's Chromium. Each case asserts what the page could see
 * (a readable response, or the TypeError of a CORS failure; which headers are readable) and what the API saw
 * (preflights, actual requests, handler runs). One browser for the file, a new context (own cookies, HTTP cache
 * and preflight cache) per case.
 */
import {
  CanActivate,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Injectable,
  INestApplication,
  Patch,
  Post,
  Put,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cors, CorsModule } from '../../lib/index.js';
import { createPlaygroundServer } from '../../sample/playground/playground.server.js';
import { ADAPTERS, createApp, setHeader } from '../helpers.js';
import {
  browserAvailable,
  describeWithBrowser,
  close,
  launchChromium,
  listen,
  listenApp,
  openPage,
  pageFetch,
  PageResult,
  ServerLog,
  startPageServer,
} from './browser.harness.js';

const run = browserAvailable('browser suite (test/browser)');

/** Handler runs, by name: the proof that a refused preflight kept the request from reaching the handler. */
const runs = new Map<string, number>();
const ran = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);
const runsOf = (name: string) => runs.get(name) ?? 0;

interface Origins {
  page: string;
  page2: string;
  other: string;
}

@Injectable()
class UnauthorizedGuard implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException('send a token');
  }
}

/** Controllers are declared once the page origins (ephemeral ports) are known. */
function controllers(o: Origins) {
  @Controller('simple')
  @Cors({ origin: o.page })
  class SimpleController {
    @Get()
    get() {
      ran('simple');
      return { hello: 'page' };
    }
  }

  @Controller('session')
  @Cors({ origin: [o.page], credentials: true })
  class SessionController {
    @Post('login')
    @HttpCode(200)
    @Header('Set-Cookie', 'sid=s3cr3t; Path=/; HttpOnly; SameSite=Lax')
    login() {
      ran('login');
      return { loggedIn: true };
    }

    @Get('me')
    me(@Req() req: { headers: Record<string, string | undefined> }) {
      ran('me');
      return { cookie: req.headers.cookie ?? null };
    }

    @Put('me')
    update(@Req() req: { headers: Record<string, string | undefined> }) {
      ran('me-put');
      return { cookie: req.headers.cookie ?? null };
    }
  }

  @Controller('decided')
  @Cors({ origin: async (origin: string) => origin === o.page })
  class DecidedController {
    @Get()
    get() {
      return { decidedBy: 'function' };
    }
  }

  @Controller('no-credentials')
  @Cors({ origin: o.page })
  class NoCredentialsController {
    @Get()
    get() {
      ran('no-credentials');
      return { ok: true };
    }
  }

  @Controller('open')
  @Cors({ origin: '*' })
  class OpenController {
    @Get()
    get() {
      ran('open');
      return { open: true };
    }
  }

  @Controller('items')
  @Cors({ origin: o.page, methods: ['GET', 'PUT', 'DELETE', 'PATCH'] })
  class ItemsController {
    @Put('put')
    put() {
      ran('put');
      return { method: 'PUT' };
    }

    @Delete('delete')
    remove() {
      ran('delete');
      return { method: 'DELETE' };
    }

    @Patch('patch')
    patch() {
      ran('patch');
      return { method: 'PATCH' };
    }
  }

  @Controller('read-only')
  @Cors({ origin: o.page, methods: ['GET'] })
  class ReadOnlyController {
    @Delete()
    remove() {
      ran('read-only-delete');
      return { deleted: true };
    }
  }

  @Controller('headers')
  @Cors({ origin: o.page, allowedHeaders: ['X-One', 'X-Two', 'Content-Type'] })
  class HeadersController {
    @Post('listed')
    @HttpCode(200)
    listed(@Req() req: { headers: Record<string, string | undefined> }) {
      ran('headers-listed');
      return { one: req.headers['x-one'], two: req.headers['x-two'], type: req.headers['content-type'] };
    }

    @Post('unlisted')
    @HttpCode(200)
    unlisted() {
      ran('headers-unlisted');
      return { ok: true };
    }
  }

  @Controller('any-headers')
  @Cors({ origin: o.page, allowedHeaders: '*' })
  class AnyHeadersController {
    @Get()
    get(@Req() req: { headers: Record<string, string | undefined> }) {
      ran('any-headers');
      return { auth: req.headers.authorization ?? null, custom: req.headers['x-custom'] ?? null };
    }
  }

  @Controller('expose')
  class ExposeController {
    @Get('list')
    @Cors({ origin: o.page, exposedHeaders: ['X-Request-Id', 'X-Total'] })
    @Header('X-Request-Id', 'req-1')
    @Header('X-Total', '7')
    @Header('X-Hidden', 'nope')
    list() {
      return { ok: true };
    }

    @Get('star')
    @Cors({ origin: '*', exposedHeaders: '*' })
    @Header('X-Request-Id', 'req-2')
    @Header('X-Hidden', 'visible-now')
    star() {
      return { ok: true };
    }
  }

  @Controller('preflight-cache')
  class PreflightCacheController {
    @Put('cached')
    @Cors({ origin: o.page, maxAge: 600 })
    cached() {
      ran('pf-cached');
      return { ok: true };
    }

    @Put('uncached')
    @Cors({ origin: o.page, maxAge: 0 })
    uncached() {
      ran('pf-uncached');
      return { ok: true };
    }
  }

  @Controller('errors')
  @Cors({ origin: o.page })
  class ErrorsController {
    @Get('guarded')
    @UseGuards(UnauthorizedGuard)
    guarded() {
      ran('guarded');
      return { secret: 42 };
    }

    @Get('boom')
    boom(): never {
      ran('boom');
      throw new Error('handler failed');
    }
  }

  @Controller('webhook')
  @Cors(false)
  class WebhookController {
    @Get()
    get() {
      ran('webhook-get');
      return { ok: true };
    }

    @Post()
    @HttpCode(202)
    post() {
      ran('webhook-post');
      return { received: true };
    }
  }

  @Controller('override')
  @Cors({ origin: o.other })
  class OverrideController {
    @Get('controller')
    fromController() {
      return { policy: 'controller' };
    }

    @Get('handler')
    @Cors({ origin: o.page })
    fromHandler() {
      return { policy: 'handler' };
    }
  }

  let version = 0;
  @Controller('cacheable')
  class CacheableController {
    /** Reflected origin on a response the HTTP cache keeps: safe only with Vary: Origin (the library adds it). */
    @Get('with-library')
    @Cors({ origin: [o.page, o.page2] })
    @Header('Cache-Control', 'public, max-age=600')
    @Header('ETag', '"v1"')
    withLibrary() {
      ran('cacheable-lib');
      return { version: 1 };
    }

    /** Control: the same response reflecting the origin by hand, without Vary, to show what the browser does then. */
    @Get('without-vary')
    @Cors(false)
    withoutVary(@Req() req: { headers: Record<string, string | undefined> }, @Res({ passthrough: true }) res: unknown) {
      ran('cacheable-control');
      setHeader(res, 'Access-Control-Allow-Origin', req.headers.origin ?? '');
      setHeader(res, 'Cache-Control', 'public, max-age=600');
      setHeader(res, 'ETag', `"c${++version}"`);
      return { version };
    }
  }

  return [
    SimpleController,
    SessionController,
    DecidedController,
    NoCredentialsController,
    OpenController,
    ItemsController,
    ReadOnlyController,
    HeadersController,
    AnyHeadersController,
    ExposeController,
    PreflightCacheController,
    ErrorsController,
    WebhookController,
    OverrideController,
    CacheableController,
  ];
}

function expectReadable(result: PageResult, status: number): asserts result is Extract<PageResult, { ok: true }> {
  // toEqual(objectContaining) prints the whole result (the TypeError's message) when it fails.
  expect(result).toEqual(expect.objectContaining({ ok: true, status }));
}

function expectBlocked(result: PageResult): void {
  // Fetch: a failed CORS check is a network error, which fetch() reports as a TypeError (no status, no body).
  expect(result).toMatchObject({ ok: false, error: 'TypeError' });
}

// Skipped only without Chromium and outside CI, with the reason in the suite's title; under CI=true it runs.
describeWithBrowser(run, 'browser suite (Chromium)', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  describe.each(ADAPTERS)('CORS in Chromium (pages on one origin, the API on another) (%s)', (adapter) => {
    let app: INestApplication;
    let api: string;
    const log = new ServerLog();
    const pageServers: Server[] = [];
    const o = {} as Origins;
    const contexts: BrowserContext[] = [];

    beforeAll(async () => {
      const [page, page2, other] = await Promise.all([startPageServer(), startPageServer(), startPageServer()]);
      pageServers.push(page.server, page2.server, other.server);
      Object.assign(o, { page: page.origin, page2: page2.origin, other: other.origin });
      app = await createApp({ imports: [CorsModule.forRoot({})], controllers: controllers(o) }, undefined, adapter);
      api = await listenApp(app, log);
    });

    afterEach(async () => {
      await Promise.all(contexts.splice(0).map((c) => c.close()));
    });

    afterAll(async () => {
      await app?.close();
      await Promise.all(pageServers.map(close));
    });

    async function pageAt(origin: string) {
      const { context, page } = await openPage(browser, origin);
      contexts.push(context);
      return page;
    }

    it('simple GET from an allowed origin: readable, no preflight', async () => {
      const page = await pageAt(o.page);
      const result = await pageFetch(page, `${api}/simple`);
      expectReadable(result, 200);
      expect(JSON.parse(result.body)).toEqual({ hello: 'page' });
      expect(log.preflights('/simple')).toHaveLength(0);
      expect(log.actual('/simple')).toHaveLength(1);
    });

    it('simple GET from another origin: the handler runs, the page gets a TypeError', async () => {
      const page = await pageAt(o.other);
      const before = runsOf('simple');
      expectBlocked(await pageFetch(page, `${api}/simple`));
      // A simple request is sent anyway; only reading the response is refused.
      expect(runsOf('simple')).toBe(before + 1);
      expect(log.actual('/simple').at(-1)?.origin).toBe(o.other);
    });

    it('credentialed GET carries the cookie the API set (same site, other port)', async () => {
      const page = await pageAt(o.page);
      expectReadable(await pageFetch(page, `${api}/session/login`, { method: 'POST', credentials: 'include' }), 200);
      const me = await pageFetch(page, `${api}/session/me`, { credentials: 'include' });
      expectReadable(me, 200);
      expect(JSON.parse(me.body)).toEqual({ cookie: 'sid=s3cr3t' });
      expect(log.to('/session/me').at(-1)?.cookie).toBe('sid=s3cr3t');

      // Without credentials the browser leaves the cookie out.
      const anonymous = await pageFetch(page, `${api}/session/me`);
      expectReadable(anonymous, 200);
      expect(JSON.parse(anonymous.body)).toEqual({ cookie: null });
    });

    it('credentialed PUT: the preflight goes without the cookie, the request with it', async () => {
      const page = await pageAt(o.page);
      expectReadable(await pageFetch(page, `${api}/session/login`, { method: 'POST', credentials: 'include' }), 200);
      const put = await pageFetch(page, `${api}/session/me`, { method: 'PUT', credentials: 'include' });
      expectReadable(put, 200);
      expect(JSON.parse(put.body)).toEqual({ cookie: 'sid=s3cr3t' });
      // Fetch §CORS-preflight request: credentials mode "same-origin", so a cross-origin preflight never has cookies.
      const [preflight, actual] = log.to('/session/me').filter((r) => r.method === 'OPTIONS' || r.method === 'PUT');
      expect(preflight).toMatchObject({ method: 'OPTIONS', cookie: undefined, acrMethod: 'PUT' });
      expect(preflight.responseHeaders?.['access-control-allow-credentials']).toBe('true');
      expect(actual).toMatchObject({ method: 'PUT', cookie: 'sid=s3cr3t' });
    });

    it('an async origin function decides in the browser too', async () => {
      const page = await pageAt(o.page);
      const result = await pageFetch(page, `${api}/decided`);
      expectReadable(result, 200);
      expect(JSON.parse(result.body)).toEqual({ decidedBy: 'function' });
      expectBlocked(await pageFetch(await pageAt(o.other), `${api}/decided`));
    });

    it('credentialed GET to a route without credentials: true is sent, but unreadable (no ACAC)', async () => {
      const page = await pageAt(o.page);
      const before = runsOf('no-credentials');
      expectBlocked(await pageFetch(page, `${api}/no-credentials`, { credentials: 'include' }));
      expect(runsOf('no-credentials')).toBe(before + 1);
      expectReadable(await pageFetch(page, `${api}/no-credentials`), 200);
    });

    it("'*' is readable by any origin without credentials, and refused with them", async () => {
      const page = await pageAt(o.other);
      const plain = await pageFetch(page, `${api}/open`);
      expectReadable(plain, 200);
      expect(JSON.parse(plain.body)).toEqual({ open: true });
      // Fetch §CORS check: with credentials, ACAO '*' fails.
      expectBlocked(await pageFetch(page, `${api}/open`, { credentials: 'include' }));
    });

    it.each(['PUT', 'DELETE', 'PATCH'])('%s is preflighted once, then sent', async (method) => {
      const page = await pageAt(o.page);
      const path = `/items/${method.toLowerCase()}`;
      const before = runsOf(method.toLowerCase());
      const result = await pageFetch(page, `${api}${path}`, { method });
      expectReadable(result, 200);
      expect(JSON.parse(result.body)).toEqual({ method });
      expect(log.preflights(path)).toHaveLength(1);
      expect(log.preflights(path)[0].acrMethod).toBe(method);
      expect(log.actual(path)).toHaveLength(1);
      expect(runsOf(method.toLowerCase())).toBe(before + 1);
    });

    it('a method outside the policy is refused at the preflight; the handler never runs', async () => {
      const page = await pageAt(o.page);
      expectBlocked(await pageFetch(page, `${api}/read-only`, { method: 'DELETE' }));
      expect(log.preflights('/read-only')).toHaveLength(1);
      expect(log.actual('/read-only')).toHaveLength(0);
      expect(runsOf('read-only-delete')).toBe(0);
    });

    it('several custom request headers at once, all listed: one preflight, then the request with them', async () => {
      const page = await pageAt(o.page);
      const result = await pageFetch(page, `${api}/headers/listed`, {
        method: 'POST',
        headers: { 'X-One': '1', 'X-Two': '2', 'Content-Type': 'application/json' },
        body: '{}',
      });
      expectReadable(result, 200);
      expect(JSON.parse(result.body)).toEqual({ one: '1', two: '2', type: 'application/json' });
      const [preflight] = log.preflights('/headers/listed');
      expect(preflight.acrHeaders).toBe('content-type,x-one,x-two');
      expect(log.actual('/headers/listed')).toHaveLength(1);
    });

    it('a request header outside the list is refused at the preflight; the handler never runs', async () => {
      const page = await pageAt(o.page);
      expectBlocked(
        await pageFetch(page, `${api}/headers/unlisted`, { method: 'POST', headers: { 'X-One': '1', 'X-Three': '3' }, body: 'x' }),
      );
      expect(log.preflights('/headers/unlisted')).toHaveLength(1);
      expect(log.actual('/headers/unlisted')).toHaveLength(0);
      expect(runsOf('headers-unlisted')).toBe(0);
    });

    it("allowedHeaders '*' lets custom headers and Authorization through (Authorization named explicitly)", async () => {
      const page = await pageAt(o.page);
      const result = await pageFetch(page, `${api}/any-headers`, { headers: { Authorization: 'Bearer t', 'X-Custom': 'c' } });
      expectReadable(result, 200);
      expect(JSON.parse(result.body)).toEqual({ auth: 'Bearer t', custom: 'c' });
      expect(log.preflights('/any-headers')).toHaveLength(1);
    });

    it('exposed headers: the listed ones are readable, the others are not', async () => {
      const page = await pageAt(o.page);
      const result = await pageFetch(page, `${api}/expose/list`, { read: ['X-Request-Id', 'X-Total', 'X-Hidden', 'Content-Type'] });
      expectReadable(result, 200);
      expect(result.headers).toEqual({
        'X-Request-Id': 'req-1',
        'X-Total': '7',
        'X-Hidden': null,
        'Content-Type': 'application/json; charset=utf-8', // safelisted response header
      });
    });

    it("exposedHeaders '*' without credentials: every header is readable", async () => {
      const page = await pageAt(o.other);
      const result = await pageFetch(page, `${api}/expose/star`, { read: ['X-Request-Id', 'X-Hidden', 'ETag'] });
      expectReadable(result, 200);
      expect(result.headers['X-Request-Id']).toBe('req-2');
      expect(result.headers['X-Hidden']).toBe('visible-now');
      // Express adds an ETag of its own (not safelisted, so readable only through '*'); Fastify sends none by default.
      if (adapter === 'express') expect(result.headers['ETag']).not.toBeNull();
    });

    it('maxAge: 600 — the second identical request sends no preflight, even after the 5 s default', async () => {
      const page = await pageAt(o.page);
      const path = '/preflight-cache/cached';
      expectReadable(await pageFetch(page, `${api}${path}`, { method: 'PUT' }), 200);
      expect(log.preflights(path)[0].responseHeaders?.['access-control-max-age']).toBe('600');
      // Without Access-Control-Max-Age Chromium (and Fetch) cache a preflight for 5 s: wait past that.
      await new Promise((r) => setTimeout(r, 5500));
      expectReadable(await pageFetch(page, `${api}${path}`, { method: 'PUT' }), 200);
      expect(log.preflights(path)).toHaveLength(1);
      expect(log.actual(path)).toHaveLength(2);
    });

    it('maxAge: 0 — every request is preflighted again', async () => {
      const page = await pageAt(o.page);
      const path = '/preflight-cache/uncached';
      expectReadable(await pageFetch(page, `${api}${path}`, { method: 'PUT' }), 200);
      expectReadable(await pageFetch(page, `${api}${path}`, { method: 'PUT' }), 200);
      // Within the 5 s default, so only 'Access-Control-Max-Age: 0' explains the second preflight.
      expect(log.preflights(path)).toHaveLength(2);
      expect(log.preflights(path)[0].responseHeaders?.['access-control-max-age']).toBe('0');
      expect(log.actual(path)).toHaveLength(2);
    });

    it("a guard's 401 is readable by the page (status and message)", async () => {
      const page = await pageAt(o.page);
      const result = await pageFetch(page, `${api}/errors/guarded`);
      expectReadable(result, 401);
      expect(JSON.parse(result.body)).toMatchObject({ statusCode: 401, message: 'send a token' });
      expect(runsOf('guarded')).toBe(0);
    });

    it("a handler's 500 is readable by the page", async () => {
      const page = await pageAt(o.page);
      const result = await pageFetch(page, `${api}/errors/boom`);
      expectReadable(result, 500);
      expect(JSON.parse(result.body)).toMatchObject({ statusCode: 500 });
      expect(runsOf('boom')).toBeGreaterThan(0);
    });

    it('@Cors(false): a simple GET is unreadable and a preflighted POST never reaches the handler', async () => {
      const getsBefore = runsOf('webhook-get');
      const page = await pageAt(o.page);
      expectBlocked(await pageFetch(page, `${api}/webhook`));
      expect(runsOf('webhook-get')).toBe(getsBefore + 1);
      expectBlocked(
        await pageFetch(page, `${api}/webhook`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }),
      );
      expect(log.preflights('/webhook')).toHaveLength(1);
      expect(runsOf('webhook-post')).toBe(0);
    });

    it("the handler's policy overrides the controller's", async () => {
      const page = await pageAt(o.page);
      const handler = await pageFetch(page, `${api}/override/handler`);
      expectReadable(handler, 200);
      expect(JSON.parse(handler.body)).toEqual({ policy: 'handler' });
      expectBlocked(await pageFetch(page, `${api}/override/controller`));

      const other = await pageAt(o.other);
      expectReadable(await pageFetch(other, `${api}/override/controller`), 200);
      expectBlocked(await pageFetch(other, `${api}/override/handler`));
    });

    it('control: a cached reflected response without Vary is served to the second origin, which is then refused', async () => {
      const first = await pageAt(o.page);
      const second = await first.context().newPage();
      await second.goto(`${o.page2}/`);
      const path = '/cacheable/without-vary';
      expectReadable(await pageFetch(first, `${api}${path}`), 200);
      // Same site (localhost), same HTTP cache entry: Chromium reuses it, with the first origin's ACAO.
      expectBlocked(await pageFetch(second, `${api}${path}`));
      expect(log.actual(path)).toHaveLength(1);
    });

    it('Vary: Origin keeps a cached reflected response from being served to another origin', async () => {
      const first = await pageAt(o.page);
      const second = await first.context().newPage();
      await second.goto(`${o.page2}/`);
      const path = '/cacheable/with-library';
      const a = await pageFetch(first, `${api}${path}`, { read: ['Vary'] });
      expectReadable(a, 200);
      const b = await pageFetch(second, `${api}${path}`);
      expectReadable(b, 200);
      expect(JSON.parse(b.body)).toEqual({ version: 1 });
      // The browser went back to the server for the second origin (a full or a conditional request).
      const seen = log.actual(path);
      expect(seen.map((r) => r.origin)).toEqual([o.page, o.page2]);
      expect(seen[0].responseHeaders?.['vary']).toMatch(/\bOrigin\b/);
      // Chromium 156 revalidates the stored entry (If-None-Match: "v1", answered 304) rather than refetching; the
      // 304 carries the second origin's ACAO, which the cache merges into the entry it then serves.
      expect(seen[1].responseHeaders?.['access-control-allow-origin']).toBe(o.page2);
      // ...and the first origin still gets its entry from the cache.
      expectReadable(await pageFetch(first, `${api}${path}`), 200);
    });
  });

  // One playground page server for both adapters: the sample reads FRONTEND_ORIGIN once, when its modules load.
  let playground: Server | undefined;
  let pageOrigin: string;
  let playgroundApi = '';
  let savedFrontend: string | undefined;
  afterAll(async () => {
    if (playground) await close(playground);
    if (savedFrontend === undefined) delete process.env.FRONTEND_ORIGIN;
    else process.env.FRONTEND_ORIGIN = savedFrontend;
  });

  describe.each(ADAPTERS)('the sample playground (sample/playground) (%s)', (adapter) => {
    let app: INestApplication | undefined;
    let api = '';
    let dir: string;
    const log = new ServerLog();
    let context: BrowserContext;

    beforeAll(async () => {
      // The playground's origin must be known before the sample's modules read FRONTEND_ORIGIN.
      if (playground === undefined) {
        playground = createPlaygroundServer(() => playgroundApi);
        pageOrigin = `http://localhost:${await listen(playground)}`;
        savedFrontend = process.env.FRONTEND_ORIGIN;
        process.env.FRONTEND_ORIGIN = pageOrigin;
      }
      const { startSample } = await import('../dynamic/sample-app.js');
      dir = mkdtempSync(join(tmpdir(), 'cors-playground-'));
      app = await startSample({ database: { type: 'sqlite', path: join(dir, 'sample.sqlite') } }, adapter);
      api = await listenApp(app, log);
      playgroundApi = api;
      context = await browser.newContext();
    });

    afterAll(async () => {
      await context?.close();
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function runScenario(page: Page, id: string) {
      const card = page.locator(`[data-scenario="${id}"]`);
      await card.getByRole('button', { name: 'Run' }).click();
      await page.locator(`[data-scenario="${id}"][data-result]`).waitFor();
      return {
        result: await card.getAttribute('data-result'),
        status: await card.getAttribute('data-status'),
        text: await card.innerText(),
      };
    }

    it('a button fires the real cross-origin request and shows what the browser allowed, and why', async () => {
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.locator('#api-origin').innerText()).toBe(api);

      const post = await runScenario(page, 'restricted-post');
      expect(post).toMatchObject({ result: 'allowed', status: '201' });
      expect(post.text).toContain('allowed: the origin matches');
      expect(log.preflights('/restricted')).toHaveLength(1);

      const account = await runScenario(page, 'account');
      expect(account.result).toBe('allowed');
      expect(account.text).toContain('x-request-id: req-42');

      const webhook = await runScenario(page, 'webhook');
      expect(webhook.result).toBe('blocked');
      expect(webhook.text).toContain('TypeError');
      expect(webhook.text).toContain('preflight refused: CORS is off for the route');

      const header = await runScenario(page, 'restricted-header');
      expect(header.result).toBe('blocked');
      expect(header.text).toContain("preflight refused: request header 'x-debug' is not allowed");
    });

    describe('beyond controllers (CorsModule paths)', () => {
      let stranger: { origin: string; server: Server };
      const query = (q: string) => JSON.stringify({ query: q });
      const graphql = (page: Page, body: string) =>
        pageFetch(page, `${api}/graphql`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
          credentials: 'include',
        });

      beforeAll(async () => {
        stranger = await startPageServer(); // an origin the tenant table does not list
      });

      afterAll(async () => {
        await close(stranger.server);
      });

      it('GraphQL from a tenant origin (from the database): a credentialed JSON POST succeeds, and carries the cookie', async () => {
        const page = await context.newPage();
        await page.goto(`${pageOrigin}/`);
        const signIn = await graphql(page, query('mutation { signIn(user: "grace") { user signedIn } }'));
        expectReadable(signIn, 200);
        expect(JSON.parse(signIn.body)).toEqual({ data: { signIn: { user: 'grace', signedIn: true } } });
        const me = await graphql(page, query('{ me { user calledFrom signedIn } }'));
        expectReadable(me, 200);
        expect(JSON.parse(me.body)).toEqual({ data: { me: { user: 'grace', calledFrom: pageOrigin, signedIn: true } } });
        // Fetch §CORS-preflight request: the preflight goes without cookies, the POST after it with them.
        const seen = log.to('/graphql').filter((r) => r.origin === pageOrigin);
        const preflights = seen.filter((r) => r.method === 'OPTIONS');
        expect(preflights.length).toBeGreaterThanOrEqual(1);
        expect(preflights[0]).toMatchObject({ cookie: undefined, acrMethod: 'POST', acrHeaders: 'content-type', status: 204 });
        expect(seen.filter((r) => r.method === 'POST').at(-1)?.cookie).toBe('sample_session=grace');
        await page.close();
      });

      it('GraphQL from an origin the database does not list: the preflight is refused, the query never runs', async () => {
        const { context: ctx, page } = await openPage(browser, stranger.origin);
        try {
          expectBlocked(await graphql(page, query('mutation { signIn(user: "mallory") { user } }')));
          const seen = log.to('/graphql').filter((r) => r.origin === stranger.origin);
          expect(seen.map((r) => [r.method, r.status])).toEqual([['OPTIONS', 403]]);
        } finally {
          await ctx.close();
        }
      });

      it('/api-json is readable from any origin; so is a static file', async () => {
        const { context: ctx, page } = await openPage(browser, stranger.origin);
        try {
          const doc = await pageFetch(page, `${api}/api-json`);
          expectReadable(doc, 200);
          expect(JSON.parse(doc.body)).toMatchObject({ openapi: expect.any(String), info: { title: 'nestjs-route-cors sample' } });
          const file = await pageFetch(page, `${api}/static/release-notes.txt`);
          expectReadable(file, 200);
          expect(file.body).toMatch(/ServeStaticModule/);
        } finally {
          await ctx.close();
        }
      });
    });

    it('the tenant feed card connects to the Socket.IO gateway with cookies, gets a push, and shows why an unknown origin is refused', async () => {
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/`);
      await page.waitForSelector('body[data-ready="true"]');
      const feed = await runScenario(page, 'tenant-feed');
      expect(feed.result).toBe('allowed');
      expect(feed.text).toMatch(/Connected over (polling|websocket) — pushed: plan/);
      expect(feed.text).toContain("allowed: the origin matches the gateway's policy");
      expect(feed.text).toContain('https://unknown.example: handshake refused');
    });

    it('"Run all": every scenario ends as the sample intends', async () => {
      const page = await context.newPage();
      await page.goto(`${pageOrigin}/`);
      await page.waitForSelector('body[data-ready="true"]');
      await page.click('#run-all');
      await page.waitForFunction("[...document.querySelectorAll('.card')].every((c) => c.hasAttribute('data-result'))");
      const cards = await page.locator('.card').all();
      expect(cards.length).toBeGreaterThanOrEqual(10);
      for (const card of cards) {
        const id = await card.getAttribute('data-scenario');
        expect({ id, verdict: await card.locator('.expected').innerText() }).toEqual({ id, verdict: '✓ as intended' });
      }
      // The GraphQL cards: signed in by the card before, the query carries the cookie; "why" names the path policy.
      const me = await page.locator('[data-scenario="graphql-me"]').innerText();
      expect(me).toContain('"signedIn":true');
      expect(me).toContain("route\npath policy '/graphql' (POST; CorsModule paths)");
      expect(me).toContain("allowed: the origin matches the path policy '/graphql'");
    });
  });
});
