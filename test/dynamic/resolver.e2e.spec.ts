/** Resolver and function origins through the Nest layer, no database: caching, invalidation, faults, options. */
import { Controller, Get, Injectable, LoggerService, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Cors, CorsConfigError, CorsModule, CorsOriginResolver, CorsPolicyService } from '../../lib/index.js';
import { ADAPTERS, createApp as createAppOnExpress, createAppOn, http, initApp, preflight } from '../helpers.js';

const A = 'https://a.example';
const B = 'https://b.example';

@Injectable()
class OriginStore {
  readonly allowed = new Set<string>([A]);
  calls = 0;
  mode: 'ok' | 'hang' | 'throw' = 'ok';
}

@Injectable()
class StoreOrigins extends CorsOriginResolver {
  constructor(private readonly store: OriginStore) {
    super();
  }

  isOriginAllowed(origin: string): Promise<boolean> {
    this.store.calls++;
    if (this.store.mode === 'throw') return Promise.reject(new Error('connection refused'));
    if (this.store.mode === 'hang') return new Promise(() => undefined);
    return Promise.resolve(this.store.allowed.has(origin));
  }
}

@Controller('with-cookies')
@Cors({ origin: StoreOrigins, credentials: true })
class WithCookies {
  @Get() get() {
    return 'ok';
  }
}

@Controller('without-cookies')
@Cors({ origin: StoreOrigins })
class WithoutCookies {
  @Get() get() {
    return 'ok';
  }
}

async function allowed(app: Awaited<ReturnType<typeof createAppOnExpress>>, path: string, origin: string) {
  const res = await http(app).get(path).set('Origin', origin);
  expect(res.status).toBe(200);
  return res.headers['access-control-allow-origin'] === origin;
}

describe.each(ADAPTERS)('resolver origins through CorsModule (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  const build = (options: Parameters<typeof CorsModule.forRoot>[0] = {}) =>
    createApp({
      imports: [CorsModule.forRoot(options)],
      controllers: [WithCookies, WithoutCookies],
      providers: [OriginStore, StoreOrigins],
    });

  it('asks the resolver once per origin, shared by every route that names it, until invalidate()', async () => {
    const app = await build();
    const store = app.get(OriginStore);
    try {
      expect(await allowed(app, '/with-cookies', A)).toBe(true);
      expect(await allowed(app, '/without-cookies', A)).toBe(true);
      expect(await allowed(app, '/with-cookies', B)).toBe(false);
      expect(await allowed(app, '/without-cookies', B)).toBe(false);
      expect(store.calls).toBe(2);
      store.allowed.add(B);
      store.allowed.delete(A);
      expect(await allowed(app, '/without-cookies', B)).toBe(false); // cached "no"
      await app.get(CorsPolicyService).invalidate(B);
      expect(await allowed(app, '/with-cookies', B)).toBe(true);
      expect(await allowed(app, '/without-cookies', B)).toBe(true);
      expect(await allowed(app, '/with-cookies', A)).toBe(true); // still cached
      await app.get(CorsPolicyService).invalidate();
      expect(await allowed(app, '/with-cookies', A)).toBe(false);
      expect(store.calls).toBe(4);
    } finally {
      await app.close();
    }
  });

  it('originCache: false asks every time', async () => {
    const app = await build({ originCache: false });
    const store = app.get(OriginStore);
    try {
      for (let i = 0; i < 3; i++) expect(await allowed(app, '/with-cookies', A)).toBe(true);
      expect(store.calls).toBe(3);
    } finally {
      await app.close();
    }
  });

  it('a hanging resolver: refused after the timeout, never a 500, never a hung request', async () => {
    const app = await build({ originCache: { timeout: 100 } });
    const store = app.get(OriginStore);
    store.mode = 'hang';
    try {
      const started = performance.now();
      const results = await Promise.all([
        ...Array.from({ length: 10 }, () => allowed(app, '/with-cookies', B)),
        preflight(app, '/with-cookies', B, 'GET', 'x-custom').then((r) => r.status),
      ]);
      const took = performance.now() - started;
      expect(results.slice(0, 10)).toEqual(Array(10).fill(false));
      expect(results[10]).toBe(403);
      expect(took).toBeLessThan(3_000); // a 100 ms timeout, not the hanging store (which never answers); room for a loaded machine
      expect(store.calls).toBe(1); // one shared lookup
    } finally {
      await app.close();
    }
  });

  it('a throwing resolver: refused; once it answers again, allowed without a restart', async () => {
    const app = await build({ originCache: { errorTtl: 50 } });
    const store = app.get(OriginStore);
    store.mode = 'throw';
    try {
      expect(await allowed(app, '/with-cookies', A)).toBe(false);
      store.mode = 'ok';
      await new Promise((r) => setTimeout(r, 60));
      expect(await allowed(app, '/with-cookies', A)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it("logs a failing resolver once per burst through Nest's logger, and its recovery", async () => {
    const lines: [string, string, string?][] = [];
    const capture: LoggerService = {
      log: (message, context) => lines.push(['log', String(message), context]),
      warn: (message, context) => lines.push(['warn', String(message), context]),
      error: (message, context) => lines.push(['error', String(message), context]),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [CorsModule.forRoot({ originCache: { errorTtl: 0, timeout: 50 }, report: false })],
      controllers: [WithCookies],
      providers: [OriginStore, StoreOrigins],
    }).compile();
    const app = await initApp(moduleRef, adapter, { logger: capture });
    const store = app.get(OriginStore);
    try {
      store.mode = 'throw';
      for (let i = 0; i < 5; i++) expect(await allowed(app, '/with-cookies', B)).toBe(false);
      store.mode = 'hang';
      await Promise.all(
        Array.from({ length: 5 }, () => allowed(app, '/with-cookies', `https://c${Math.random()}.example`.replace('0.', ''))),
      );
      store.mode = 'ok';
      expect(await allowed(app, '/with-cookies', A)).toBe(true);
      const mine = lines.filter(([, , context]) => context === 'CorsModule');
      expect(mine).toEqual([
        ['warn', 'StoreOrigins failed for https://b.example: connection refused; refusing origins it cannot confirm', 'CorsModule'],
        ['log', 'StoreOrigins answers again after 10 failed lookups', 'CorsModule'],
      ]);
    } finally {
      await app.close();
    }
  });

  it('rejects bad cache settings at bootstrap, each with its reason', async () => {
    await expect(build({ originCache: { ttl: -1, timeout: 0, maxx: 5 } as never })).rejects.toThrow(CorsConfigError);
    const error = await build({ originCache: { ttl: -1, timeout: 0, maxx: 5 } as never }).catch((e: CorsConfigError) => e);
    expect((error as CorsConfigError).errors.map((e) => e.field).sort()).toEqual([
      'originCache.maxx',
      'originCache.timeout',
      'originCache.ttl',
    ]);
    await expect(build({ invalidation: {} as never })).rejects.toThrow(/invalidation is a transport/);
  });

  it('module-only settings are not policy fields (forRootAsync with ConfigModule)', async () => {
    @Module({ imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ cors: { ttl: 5000 } })] })], exports: [ConfigModule] })
    class SettingsModule {}
    const app = await createApp({
      imports: [
        CorsModule.forRootAsync({
          imports: [SettingsModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ origin: StoreOrigins, originCache: { ttl: config.get<number>('cors.ttl') } }),
        }),
      ],
      controllers: [WithoutCookies],
      providers: [OriginStore, StoreOrigins],
    });
    try {
      expect(await allowed(app, '/without-cookies', A)).toBe(true);
      expect(app.get(CorsPolicyService).routes()[0].policy).toEqual({ origin: StoreOrigins });
    } finally {
      await app.close();
    }
  });
});

describe.each(ADAPTERS)('a flood of unknown origins against a resolver route (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  /** A store that answers after `delay` ms and records how many lookups ran at once. */
  @Injectable()
  class SlowStore {
    running = 0;
    most = 0;
    calls = 0;
  }
  @Injectable()
  class SlowOrigins extends CorsOriginResolver {
    constructor(private readonly store: SlowStore) {
      super();
    }
    async isOriginAllowed(origin: string): Promise<boolean> {
      this.store.calls++;
      this.store.most = Math.max(this.store.most, ++this.store.running);
      await new Promise((r) => setTimeout(r, 100));
      this.store.running--;
      return origin === A;
    }
  }
  @Controller('slow')
  @Cors({ origin: SlowOrigins })
  class SlowController {
    @Get() get() {
      return 'ok';
    }
  }

  it('never runs more lookups at once than originCache.concurrency; the rest are refused at once, logged once', async () => {
    const lines: [string, string, string?][] = [];
    const capture: LoggerService = {
      log: (message, context) => lines.push(['log', String(message), context]),
      warn: (message, context) => lines.push(['warn', String(message), context]),
      error: (message, context) => lines.push(['error', String(message), context]),
    };
    const moduleRef = await Test.createTestingModule({
      imports: [CorsModule.forRoot({ originCache: { concurrency: 4, timeout: 1_000 }, report: false })],
      controllers: [SlowController],
      providers: [SlowStore, SlowOrigins],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: capture });
    await app.init();
    try {
      const store = app.get(SlowStore);
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => allowed(app, '/slow', `https://flood-${i}.example`)));
      expect(answers.every((a) => a === false)).toBe(true);
      expect(store.most).toBeLessThanOrEqual(4);
      expect(store.calls).toBeLessThanOrEqual(4 * Math.ceil((performance.now() - started) / 100) + 4);
      expect(store.calls).toBeLessThan(40);
      const mine = lines.filter(([, , context]) => context === 'CorsModule');
      expect(mine.filter(([level]) => level === 'warn')).toHaveLength(1);
      expect(mine[0][1]).toMatch(/^SlowOrigins: 4 lookups already running; refusing origins not yet known/);
      // Once the burst is over, a legitimate origin is looked up and allowed as usual.
      await new Promise((r) => setTimeout(r, 150));
      expect(await allowed(app, '/slow', A)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('rejects a bad concurrency at bootstrap', async () => {
    const error = await createApp({ imports: [CorsModule.forRoot({ originCache: { concurrency: 0 } })] }).catch((e: CorsConfigError) => e);
    expect((error as CorsConfigError).errors).toEqual([expect.objectContaining({ field: 'originCache.concurrency', value: '0' })]);
  });
});

describe.each(ADAPTERS)('a resolver that lists its origins (allOrigins) (%s)', (adapter) => {
  const createApp = createAppOn(adapter);
  @Injectable()
  class ListStore {
    readonly allowed = new Set<string>([A]);
    lists = 0;
    perOrigin = 0;
  }
  @Injectable()
  class ListedOrigins extends CorsOriginResolver {
    constructor(private readonly store: ListStore) {
      super();
    }
    isOriginAllowed(origin: string): boolean {
      this.store.perOrigin++;
      return this.store.allowed.has(origin);
    }
    async allOrigins(): Promise<string[]> {
      this.store.lists++;
      return [...this.store.allowed];
    }
  }
  @Controller('listed')
  @Cors({ origin: ListedOrigins, credentials: true })
  class ListedController {
    @Get() get() {
      return 'ok';
    }
  }
  const build = (options: Parameters<typeof CorsModule.forRoot>[0] = {}) =>
    createApp({
      imports: [CorsModule.forRoot({ report: false, ...options })],
      controllers: [ListedController],
      providers: [ListStore, ListedOrigins],
    });

  it('answers every origin from the list: one load for a flood, none per origin; invalidate() reloads', async () => {
    const app = await build();
    try {
      const store = app.get(ListStore);
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => allowed(app, '/listed', `https://r${i}.example`)));
      expect(answers.every((a) => a === false)).toBe(true);
      expect(await allowed(app, '/listed', A)).toBe(true);
      expect(store).toMatchObject({ lists: 1, perOrigin: 0 });
      store.allowed.add(B);
      expect(await allowed(app, '/listed', B)).toBe(false); // the list in memory is fresh for ttl
      await app.get(CorsPolicyService).invalidate(B);
      expect(await allowed(app, '/listed', B)).toBe(true);
      expect(store).toMatchObject({ lists: 2, perOrigin: 0 });
      expect((await app.get(CorsPolicyService).evaluate({ origin: B, method: 'GET', path: '/listed' })).allowed).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('with originCache: false the list is not kept; each origin is asked (the resolver may depend on the request)', async () => {
    const app = await build({ originCache: false });
    try {
      const store = app.get(ListStore);
      expect(await allowed(app, '/listed', A)).toBe(true);
      expect(await allowed(app, '/listed', A)).toBe(true);
      expect(store).toMatchObject({ lists: 0, perOrigin: 2 });
    } finally {
      await app.close();
    }
  });
});
