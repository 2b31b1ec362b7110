/**
 * A real browser as the judge: Debian's Chromium driven by playwright-core (never a downloaded browser), pages
 * served from one origin calling a Nest app on another, and a record of what the API server saw.
 */
import { existsSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The probe's flags: without the background-networking ones Chromium dials out at start and is refused. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const MISSING = `${CHROMIUM_PATH} is missing (apt-get install -y chromium; under CI=true this fails instead)`;

/**
 * Skip rule: without Chromium the suite skips with one line saying why, except under CI=true, where it runs
 * (and fails at launch) so that a CI without a browser can never pass silently.
 */
export function browserAvailable(suite: string): boolean {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return true;
  process.stderr.write(`skipped "${suite}": ${MISSING}\n`);
  return false;
}

/** `describe` when Chromium is there (or under CI=true); else the suite is skipped with the reason in its title. */
export function describeWithBrowser(run: boolean, name: string, fn: () => void): void {
  if (run) describe(name, fn);
  // Skipped only without /usr/bin/chromium and outside CI (CI=true runs it and fails): the reason, MISSING, is in the title.
  else describe.skip(`${name}: skipped, ${MISSING}`, fn);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A page origin: a tiny server answering every path with an empty HTML page. */
export async function startPageServer(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('<!doctype html><meta charset="utf-8"><title>page</title><p>browser suite page</p>');
  });
  const port = await listen(server);
  return { origin: `http://localhost:${port}`, server };
}

export interface SeenRequest {
  method: string;
  path: string;
  origin?: string;
  cookie?: string;
  acrMethod?: string;
  acrHeaders?: string;
  ifNoneMatch?: string;
  /** Status and headers the server answered with (set once the response is finished). */
  status?: number;
  responseHeaders?: Record<string, unknown>;
}

/** Every request the API's HTTP server received, recorded before Express (and so before the CORS hook) sees it. */
export class ServerLog {
  readonly requests: SeenRequest[] = [];

  attach(server: Server): void {
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        origin: req.headers.origin,
        cookie: req.headers.cookie,
        acrMethod: req.headers['access-control-request-method'] as string | undefined,
        acrHeaders: req.headers['access-control-request-headers'] as string | undefined,
        ifNoneMatch: req.headers['if-none-match'] as string | undefined,
      };
      this.requests.push(seen);
      res.once('finish', () => {
        seen.status = res.statusCode;
        seen.responseHeaders = res.getHeaders();
      });
    });
  }

  to(path: string): SeenRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  preflights(path: string): SeenRequest[] {
    return this.to(path).filter((r) => r.method === 'OPTIONS');
  }

  actual(path: string): SeenRequest[] {
    return this.to(path).filter((r) => r.method !== 'OPTIONS');
  }
}

/** Starts an initialized Nest app on an ephemeral port; its origin uses `localhost`, like the pages. */
export async function listenApp(app: INestApplication, log: ServerLog): Promise<string> {
  log.attach(app.getHttpServer());
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return `http://localhost:${port}`;
}

export interface FetchSpec {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  credentials?: 'omit' | 'same-origin' | 'include';
  cache?: 'default' | 'no-store' | 'reload' | 'no-cache' | 'force-cache';
  /** Response headers the page tries to read. */
  read?: string[];
}

/** What the page saw: either a readable response or the TypeError a CORS failure gives. */
export type PageResult =
  { ok: true; status: number; body: string; headers: Record<string, string | null> } | { ok: false; error: string; message: string };

/** `fetch()` from inside the page, as the page's script would do it. */
export function pageFetch(page: Page, url: string, spec: FetchSpec = {}): Promise<PageResult> {
  return page.evaluate(
    async ({ url, spec }) => {
      try {
        // Runs in the page (DOM fetch); typed loosely because the test compiles without the DOM lib.
        const init: Record<string, unknown> = {
          method: spec.method ?? 'GET',
          headers: spec.headers,
          body: spec.body,
          credentials: spec.credentials ?? 'same-origin',
          cache: spec.cache ?? 'default',
          mode: 'cors',
        };
        const res = await fetch(url, init as RequestInit);
        const headers: Record<string, string | null> = {};
        for (const name of spec.read ?? []) headers[name] = res.headers.get(name);
        return { ok: true as const, status: res.status, body: await res.text(), headers };
      } catch (error) {
        const e = error as Error;
        return { ok: false as const, error: e.name, message: e.message };
      }
    },
    { url, spec },
  );
}

/** A fresh context (own cookies, HTTP cache and preflight cache) with a page opened on `origin`. */
export async function openPage(browser: Browser, origin: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${origin}/`);
  return { context, page };
}
