/**
 * The benchmarked applications: one controller, one route (`GET /api/items`, `PUT /api/items`), one response body,
 * under each configuration of issue 5. Built with `NestFactory.create` like a real app.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Body, Controller, DynamicModule, Get, INestApplication, Injectable, Module, Param, Put, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getRepositoryToken, InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { Cors, CorsModule, CorsOriginResolver } from '../lib/index.js';
import { TenantOrigin } from '../sample/tenant-origin.entity.js';
import { TenantOrigins } from '../sample/tenant-origins.resolver.js';

export const ALLOWED_ORIGIN = 'https://app.example.com';
export const REFUSED_ORIGIN = 'https://evil.example.net';
export const ROUTE = '/api/items';

export const CONFIGS = {
  base: 'no CORS at all',
  nest: 'app.enableCors({ origin: [...] })',
  defaults: 'CorsModule.forRoot defaults only',
  merged: '@Cors on route + controller + module, 100 routes',
  large: '10,000 origins + 100 wildcard patterns',
  resolver: "the sample's CorsOriginResolver (TypeORM, SQLite), cache warm",
  'resolver-plain': "the sample's table, one lookup per origin (a resolver without allOrigins())",
  floor: 'hand-written app.handle wrapper: the same preflight answer, no route lookup (reference)',
  fbase: 'Fastify: no CORS at all',
  fnest: 'Fastify: app.enableCors({ origin: [...] }) (@fastify/cors)',
  fdefaults: 'Fastify: CorsModule.forRoot defaults only',
  fmerged: 'Fastify: @Cors on route + controller + module, 100 routes',
  routes: "no CORS, configuration 4's 100 routes (reference: what the routes cost without CORS)",
  froutes: "Fastify: no CORS, F4's 100 routes (reference)",
} as const;
export type ConfigId = keyof typeof CONFIGS;
export const CONFIG_NUMBER: Record<ConfigId, string> = {
  base: '1',
  nest: '2',
  defaults: '3',
  merged: '4',
  large: '5',
  resolver: '6',
  'resolver-plain': '7',
  floor: '3f',
  fbase: 'F1',
  fnest: 'F2',
  fdefaults: 'F3',
  fmerged: 'F4',
  routes: '1r',
  froutes: 'F1r',
};
/** The configurations on Fastify, and the configuration each one is on Express. */
export const ON_FASTIFY: Partial<Record<ConfigId, ConfigId>> = {
  fbase: 'base',
  fnest: 'nest',
  fdefaults: 'defaults',
  fmerged: 'merged',
  froutes: 'routes',
};
/** The configurations without CORS (no CORS headers expected on any response). */
export const WITHOUT_CORS: ReadonlySet<ConfigId> = new Set<ConfigId>(['base', 'fbase', 'routes', 'froutes']);

/** What the store was asked (configurations 6 and 7), read by the flood benchmark over IPC. */
export const storeStats = { queries: 0, inFlight: 0, maxInFlight: 0 };

async function counted<T>(query: () => Promise<T>): Promise<T> {
  storeStats.queries++;
  storeStats.maxInFlight = Math.max(storeStats.maxInFlight, ++storeStats.inFlight);
  try {
    return await query();
  } finally {
    storeStats.inFlight--;
  }
}

/** Configuration 6: the sample's resolver as it is (the whole list in memory through allOrigins()), queries counted. */
@Injectable()
class CountedTenantOrigins extends TenantOrigins {
  override allOrigins(): Promise<string[]> {
    return counted(() => super.allOrigins());
  }
  override isOriginAllowed(origin: string): Promise<boolean> {
    return counted(() => super.isOriginAllowed(origin));
  }
}

/** Configuration 7: the same table, asked once per origin (what a resolver without allOrigins() does). */
@Injectable()
class PerOriginTenantOrigins extends CorsOriginResolver {
  constructor(@InjectRepository(TenantOrigin) private readonly origins: Repository<TenantOrigin>) {
    super();
  }
  isOriginAllowed(origin: string): Promise<boolean> {
    return counted(() => this.origins.existsBy({ origin }));
  }
}

const SMALL_LIST = [ALLOWED_ORIGIN, 'https://admin.example.com'];

/** 10,000 exact origins (the allowed one in the middle) and 100 `https://*.tenant-N.example` patterns. */
export function largeOriginList(): string[] {
  const list: string[] = [];
  for (let i = 0; i < 10_000; i++) list.push(i === 5_000 ? ALLOWED_ORIGIN : `https://customer-${i}.example.org`);
  for (let i = 0; i < 100; i++) list.push(`https://*.tenant-${i}.example`);
  return list;
}

const BODY = {
  items: [
    { id: 1, name: 'alpha' },
    { id: 2, name: 'beta' },
    { id: 3, name: 'gamma' },
  ],
};

// The same controller in every configuration; config 4 gets its own copy carrying @Cors at both levels.
@Controller('api/items')
class ItemsController {
  @Get() list() {
    return BODY;
  }
  @Put() replace(@Body() body: unknown) {
    return { ok: body !== undefined };
  }
}

@Controller('api/items')
@Cors({ credentials: true, exposedHeaders: ['X-Request-Id'] })
class MergedItemsController {
  @Get() @Cors({ maxAge: 600 }) list() {
    return BODY;
  }
  @Put() @Cors({ methods: ['PUT'], allowedHeaders: ['Content-Type', 'X-Api-Key', 'X-Request-Id'] }) replace(@Body() body: unknown) {
    return { ok: body !== undefined };
  }
}

/** 98 more routes in 7 controllers (static and parameterized), registered after the measured one. */
function fillerControllers(): Type[] {
  const out: Type[] = [];
  for (let c = 0; c < 7; c++) {
    @Controller(`api/things-${c}`)
    @Cors(c % 2 === 0 ? { maxAge: 60 * c } : { origin: [`https://things-${c}.example.com`] })
    class Filler {}
    for (let r = 0; r < 14; r++) {
      const path = r % 2 === 0 ? `list-${r}` : `:id/part-${r}`;
      const name = `route${r}`;
      const handler = function (this: unknown, id?: string) {
        return { c, r, id };
      };
      Object.defineProperty(Filler.prototype, name, { value: handler, writable: true, configurable: true });
      const descriptor = Object.getOwnPropertyDescriptor(Filler.prototype, name)!;
      if (r % 2 === 1) Param('id')(Filler.prototype, name, 0);
      (r % 3 === 0 ? Put(path) : Get(path))(Filler.prototype, name, descriptor);
      if (r % 4 === 0) Cors({ exposedHeaders: ['X-Page'] })(Filler.prototype, name, descriptor);
    }
    out.push(Filler);
  }
  return out;
}

/** Configuration 6: the sample's resolver and entity, on a fresh SQLite file (better-sqlite3) removed at exit. */
function sampleDatabase(): DynamicModule[] {
  const dir = mkdtempSync(join(tmpdir(), 'cors-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return [
    TypeOrmModule.forRoot({ type: 'better-sqlite3', database: join(dir, 'origins.sqlite'), entities: [TenantOrigin], synchronize: true }),
    TypeOrmModule.forFeature([TenantOrigin]),
  ];
}

/** The allowed origin among 1,000 other tenants' rows. */
async function seed(app: INestApplication): Promise<void> {
  const repo = app.get<Repository<TenantOrigin>>(getRepositoryToken(TenantOrigin));
  const rows = [ALLOWED_ORIGIN, ...Array.from({ length: 1_000 }, (_, i) => `https://shop-${i}.example.com`)];
  for (let i = 0; i < rows.length; i += 200) {
    await repo
      .createQueryBuilder()
      .insert()
      .values(rows.slice(i, i + 200).map((origin) => ({ origin })))
      .updateEntity(false)
      .execute();
  }
}

function appModule(config: ConfigId): Type {
  const imports: DynamicModule[] = [];
  let controllers: Type[] = [ItemsController];
  const providers: Type[] = [];
  if (config === 'defaults') imports.push(CorsModule.forRoot({ origin: SMALL_LIST }));
  // 'routes': the same controllers without CorsModule (their @Cors metadata unread).
  if (config === 'merged' || config === 'routes') controllers = [MergedItemsController, ...fillerControllers()];
  if (config === 'merged') imports.push(CorsModule.forRoot({ origin: SMALL_LIST, maxAge: 60 }));
  if (config === 'large') imports.push(CorsModule.forRoot({ origin: largeOriginList() }));
  if (config === 'resolver') {
    imports.push(...sampleDatabase(), CorsModule.forRoot({ origin: CountedTenantOrigins }));
    providers.push(CountedTenantOrigins);
  }
  if (config === 'resolver-plain') {
    imports.push(...sampleDatabase(), CorsModule.forRoot({ origin: PerOriginTenantOrigins }));
    providers.push(PerOriginTenantOrigins);
  }
  @Module({ imports, controllers, providers })
  class BenchAppModule {}
  return BenchAppModule;
}

/**
 * The preflight floor on Express: what a hand-written wrapper of `app.handle` costs when it answers this route's
 * preflight with exactly the headers the library sends (configuration 3), checking the origin in a Set and
 * nothing else (no route lookup, no policy). Everything else goes to the app unchanged.
 */
function installPreflightFloor(app: INestApplication): void {
  const express = app.getHttpAdapter().getInstance() as { handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void };
  const handle = express.handle;
  const allowed = new Set(SMALL_LIST);
  express.handle = function floor(req: IncomingMessage, res: ServerResponse, next?: unknown) {
    const h = req.headers;
    const origin = h.origin;
    if (req.method === 'OPTIONS' && origin !== undefined && h['access-control-request-method'] !== undefined && req.url === ROUTE) {
      res.statusCode = allowed.has(origin) ? 204 : 403;
      res.setHeader('X-Powered-By', 'Express');
      res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
      if (res.statusCode === 204) {
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Access-Control-Allow-Methods', 'GET, PUT');
        const requested = h['access-control-request-headers'];
        if (requested)
          res.setHeader(
            'Access-Control-Allow-Headers',
            requested
              .split(',')
              .map((s) => s.trim().toLowerCase())
              .join(', '),
          );
      }
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
    handle.call(this, req, res, next);
  };
}

export async function createBenchApp(config: ConfigId): Promise<INestApplication> {
  const onFastify = ON_FASTIFY[config];
  const module = appModule(onFastify ?? config);
  let app: INestApplication;
  if (onFastify) {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    app = await NestFactory.create(module, new FastifyAdapter() as never, { logger: false });
  } else app = await NestFactory.create(module, { logger: false });
  if (config === 'nest' || config === 'fnest') app.enableCors({ origin: SMALL_LIST });
  if (config === 'floor') installPreflightFloor(app);
  if (config === 'resolver' || config === 'resolver-plain') {
    await app.init();
    await seed(app);
  }
  return app;
}
