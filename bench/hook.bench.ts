/**
 * The request hook alone, on real `http.IncomingMessage`/`ServerResponse` objects, each installed where it is in an
 * app: the library's hook through its Express binding, in front of `app.handle`; `cors()` (what `enableCors`
 * installs) as the first middleware, after `app.handle` has swapped the prototypes. What each adds to a request that
 * is built, handed to the app and ended. The three run back to back in every round; the figure is the median over
 * rounds of each one's difference to no hook.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { expressBinding } from '../lib/adapters/express.binding.js';
import { compilePolicy } from '../lib/core/cors-compiler.js';
import { CorsRouteIndex } from '../lib/core/cors-route-index.js';
import type { CorsRouteInfo } from '../lib/cors-route-table.js';
import { ALLOWED_ORIGIN, REFUSED_ORIGIN, ROUTE } from './bench-apps.js';

export interface HookResult {
  request: string;
  /** ns for the request without any hook. */
  noneNs: number;
  /** ns the library's hook adds. */
  oursNs: number;
  /** ns cors() adds. */
  corsNs: number;
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
interface App {
  handle(req: IncomingMessage, res: ServerResponse): void;
}

const KINDS = {
  'GET, allowed origin': { method: 'GET', headers: { host: '127.0.0.1:3000', accept: '*/*', origin: ALLOWED_ORIGIN } },
  'GET, refused origin': { method: 'GET', headers: { host: '127.0.0.1:3000', accept: '*/*', origin: REFUSED_ORIGIN } },
  'preflight PUT, 2 headers': {
    method: 'OPTIONS',
    headers: {
      host: '127.0.0.1:3000',
      origin: ALLOWED_ORIGIN,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'x-api-key, x-request-id',
    },
  },
} as const;
type Kind = keyof typeof KINDS;

export function runHookBench(log: (line: string) => void, rounds = 9, perRound = 8_000): HookResult[] {
  const require = createRequire(import.meta.url);
  const express = require('express') as () => { request: object; response: object };
  const cors = require('cors') as (options: object) => Middleware;
  const express_ = express();
  const origins = [ALLOWED_ORIGIN, 'https://admin.example.com'];
  const policy = compilePolicy({ origin: origins }, 'bench').policy!;
  const info = { controller: 'Items', handler: 'list', label: 'bench', cors: 'on' as const };
  const index = new CorsRouteIndex<CorsRouteInfo>(
    [
      { method: 'GET', path: ROUTE, policy, info },
      { method: 'PUT', path: ROUTE, policy, info },
    ],
    { caseSensitive: false, ignoreTrailingSlash: true },
  );

  /** A stand-in for an Express app: `handle` does what Express's does before its router, then runs `inner`. */
  const makeApp = (inner: Middleware) => {
    const app = {
      request: express_.request,
      response: express_.response,
      enabled: (_setting: string) => true,
      handle(req: IncomingMessage, res: ServerResponse): void {
        if (app.enabled('x-powered-by')) res.setHeader('X-Powered-By', 'Express');
        (req as unknown as { res: unknown }).res = res;
        Object.setPrototypeOf(req, express_.request);
        Object.setPrototypeOf(res, express_.response);
        (res as unknown as { locals: object }).locals = Object.create(null);
        inner(req, res, () => {
          res.statusCode = req.method === 'OPTIONS' ? 404 : 200;
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          res.end('{"items":[1,2,3]}');
        });
      },
    };
    return app;
  };
  const passThrough: Middleware = (_req, _res, next) => next();
  const ours = makeApp(passThrough);
  expressBinding.install(
    {
      getInstance: () => ours,
      use: () => {
        throw new Error('bench: expected the binding to wrap app.handle');
      },
    },
    { index },
  );
  const apps: Record<'none' | 'ours' | 'cors', App> = { none: makeApp(passThrough), ours, cors: makeApp(cors({ origin: origins })) };

  const socket = new Socket();
  const sample = (kind: Kind, app: App): number => {
    const { method, headers } = KINDS[kind];
    const started = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) {
      const req = new IncomingMessage(socket);
      req.url = ROUTE;
      req.method = method;
      req.headers = headers;
      app.handle(req, new ServerResponse(req));
    }
    return Number(process.hrtime.bigint() - started) / perRound;
  };
  log(`request hook: ${Object.keys(KINDS).length} requests × 3 hooks × ${rounds} rounds × ${perRound.toLocaleString('en-US')}`);
  const samples = new Map<string, number[]>();
  const push = (key: string, value: number) => samples.set(key, [...(samples.get(key) ?? []), value]);
  for (let r = 0; r < rounds; r++) {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const before = sample(kind, apps.none);
      const withOurs = sample(kind, apps.ours);
      const withCors = sample(kind, apps.cors);
      const after = sample(kind, apps.none);
      const base = (before + after) / 2; // either side of the two hooks, to cancel drift within the round
      push(`${kind}/none`, base);
      push(`${kind}/ours`, withOurs - base);
      push(`${kind}/cors`, withCors - base);
    }
  }
  socket.destroy();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return (Object.keys(KINDS) as Kind[]).map((kind) => ({
    request: kind,
    noneNs: median(samples.get(`${kind}/none`)!),
    oursNs: median(samples.get(`${kind}/ours`)!),
    corsNs: median(samples.get(`${kind}/cors`)!),
  }));
}
