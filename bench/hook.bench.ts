/**
 * The request hook alone, on real `http.ServerResponse` objects whose prototypes Express has swapped (as in an app):
 * what the library's Express hook adds to a request, next to `cors()` (what `enableCors` installs) and to no hook.
 * Each sample builds the request and response, runs the hook and ends the response; the three hooks run back to
 * back in every round, and the figure is the median over rounds of each hook's difference to no hook.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { createExpressCorsHook } from '../lib/adapters/express.binding.js';
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

const KINDS = {
  'GET, allowed origin': { method: 'GET', headers: { host: '127.0.0.1:3000', accept: '*/*', origin: ALLOWED_ORIGIN } },
  'GET, refused origin': { method: 'GET', headers: { host: '127.0.0.1:3000', accept: '*/*', origin: REFUSED_ORIGIN } },
  'preflight PUT, 2 headers': {
    method: 'OPTIONS',
    headers: { host: '127.0.0.1:3000', origin: ALLOWED_ORIGIN, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-api-key, x-request-id' },
  },
} as const;

export function runHookBench(log: (line: string) => void, rounds = 9, perRound = 8_000): HookResult[] {
  const require = createRequire(import.meta.url);
  const express = require('express') as () => { request: object; response: object };
  const cors = require('cors') as (options: object) => Middleware;
  const app = express();
  const origins = [ALLOWED_ORIGIN, 'https://admin.example.com'];
  const policy = compilePolicy({ origin: origins }, 'bench').policy!;
  const info = { controller: 'Items', handler: 'list', label: 'bench' };
  const index = new CorsRouteIndex<CorsRouteInfo>(
    [
      { method: 'GET', path: ROUTE, policy, info },
      { method: 'PUT', path: ROUTE, policy, info },
    ],
    { caseSensitive: false, ignoreTrailingSlash: true },
  );
  const hooks: Record<'none' | 'ours' | 'cors', Middleware> = {
    none: (_req, _res, next) => next(),
    ours: createExpressCorsHook({ index }) as Middleware,
    cors: cors({ origin: origins }),
  };
  const socket = new Socket();
  const sample = (kind: keyof typeof KINDS, hook: Middleware): number => {
    const { method, headers } = KINDS[kind];
    const started = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) {
      const req = new IncomingMessage(socket);
      req.url = ROUTE;
      req.method = method;
      req.headers = headers;
      const res = new ServerResponse(req);
      Object.setPrototypeOf(req, app.request); // what Express's init does on every request
      Object.setPrototypeOf(res, app.response);
      (res as unknown as { locals: object }).locals = {};
      let passed = false;
      hook(req, res, () => (passed = true));
      if (passed) {
        res.statusCode = method === 'OPTIONS' ? 404 : 200;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.end('{"items":[1,2,3]}');
      }
    }
    return Number(process.hrtime.bigint() - started) / perRound;
  };
  log(`request hook: ${Object.keys(KINDS).length} requests × 3 hooks × ${rounds} rounds × ${perRound.toLocaleString('en-US')}`);
  const samples = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const kind of Object.keys(KINDS) as (keyof typeof KINDS)[]) {
      const none = sample(kind, hooks.none);
      const ours = sample(kind, hooks.ours);
      const viaCors = sample(kind, hooks.cors);
      const none2 = sample(kind, hooks.none);
      const base = (none + none2) / 2; // either side of the two hooks, to cancel drift within the round
      for (const [key, value] of [[`${kind}/none`, base], [`${kind}/ours`, ours - base], [`${kind}/cors`, viaCors - base]] as const) {
        samples.set(key, [...(samples.get(key) ?? []), value]);
      }
    }
  }
  socket.destroy();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return (Object.keys(KINDS) as (keyof typeof KINDS)[]).map((kind) => ({
    request: kind,
    noneNs: median(samples.get(`${kind}/none`)!),
    oursNs: median(samples.get(`${kind}/ours`)!),
    corsNs: median(samples.get(`${kind}/cors`)!),
  }));
}
