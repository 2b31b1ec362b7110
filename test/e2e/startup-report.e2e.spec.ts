/** The startup report: one table of every route's policy through Nest's Logger (context CorsModule), and a warning for app.enableCors(). */
import { Controller, Delete, Get, INestApplication, Injectable, LoggerService, ModuleMetadata, Post, Put } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Cors, CorsConfigError, CorsModule, CorsOriginResolver } from '../../lib/index.js';
import { captureLogger, http, LoggedLine } from '../helpers.js';

@Injectable()
class TenantOrigins extends CorsOriginResolver {
  isOriginAllowed() {
    return true;
  }
}

@Controller('public')
@Cors({ origin: '*' })
class PublicController {
  @Get('status') status() {
    return 'ok';
  }
}

@Controller('account')
@Cors({ credentials: true })
class AccountController {
  @Get() get() {
    return 1;
  }
  @Put() @Cors({ methods: ['PUT'] }) put() {
    return 1;
  }
}

@Controller('tenant')
@Cors({ origin: TenantOrigins, credentials: true })
class TenantController {
  @Get() get() {
    return 1;
  }
}

@Controller('webhooks')
@Cors(false)
class WebhooksController {
  @Post() post() {
    return 1;
  }
}

@Controller('plain')
class PlainController {
  @Delete() remove() {
    return 1;
  }
}

const ORIGINS = [
  'https://app.example.com',
  'https://admin.example.com',
  'https://a-third-origin.example.com',
  'https://fourth.example.com',
];

async function boot(metadata: ModuleMetadata, logger: LoggerService, configure?: (app: INestApplication) => void) {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger });
  configure?.(app);
  await app.init();
  return app;
}

const controllers = [PublicController, AccountController, TenantController, WebhooksController];

describe('startup report', () => {
  it("logs one table at 'log' level, context CorsModule: method, path, origins (summarized), credentials, methods", async () => {
    const logger = captureLogger();
    const app = await boot({ imports: [CorsModule.forRoot({ origin: ORIGINS })], controllers, providers: [TenantOrigins] }, logger);
    const reports = logger.lines.filter((l) => l.context === 'CorsModule');
    expect(reports).toHaveLength(1);
    expect(reports[0].level).toBe('log');
    const many = 'https://app.example.com, https://admin.example.com, +2 more';
    const row = (m: string, p: string, o: string, c: string, ms: string) =>
      `${m.padEnd(6)}  ${p.padEnd(14)}  ${o.padEnd(many.length)}  ${c.padEnd(11)}  ${ms}`;
    expect(reports[0].message.split('\n')).toEqual([
      'CORS policy per route (5 routes, 4 with CORS):',
      row('METHOD', 'PATH', 'ORIGINS', 'CREDENTIALS', 'METHODS'),
      row('GET', '/public/status', '*', 'no', 'as routed'),
      row('GET', '/account', many, 'yes', 'as routed'),
      row('PUT', '/account', many, 'yes', 'PUT'),
      row('GET', '/tenant', 'TenantOrigins (resolver)', 'yes', 'as routed'),
      row('POST', '/webhooks', 'off (@Cors(false))', '-', '-'),
    ]);
    await app.close();
  });

  it("says when a route has no origin at any level, and logs at 'debug' when asked", async () => {
    const logger = captureLogger();
    const app = await boot({ imports: [CorsModule.forRoot({ report: 'debug' })], controllers: [PlainController] }, logger);
    const reports = logger.lines.filter((l) => l.context === 'CorsModule');
    expect(reports.map((r) => r.level)).toEqual(['debug']);
    expect(reports[0].message).toMatch(/DELETE {2}\/plain {2}none \(no origin configured\)/);
    await app.close();
  });

  it('report: false logs nothing from CorsModule', async () => {
    const logger = captureLogger();
    const app = await boot({ imports: [CorsModule.forRoot({ origin: ORIGINS, report: false })], controllers: [PublicController] }, logger);
    expect(logger.lines.filter((l) => l.context === 'CorsModule')).toEqual([]);
    expect(logger.lines.length).toBeGreaterThan(0); // Nest's own lines were captured, so the logger did work
    await app.close();
  });

  it('a bad report value is a startup problem with its fix', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [CorsModule.forRoot({ report: 'info' as never })] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    const error = (await app.init().catch((e: unknown) => e)) as CorsConfigError;
    expect(error).toBeInstanceOf(CorsConfigError);
    expect(error.errors).toEqual([
      expect.objectContaining({
        field: 'report',
        value: "'info'",
        reason: expect.stringMatching(/'log' \(default\), 'debug', 'verbose', or false/),
      }),
    ]);
    await app.close();
  });
});

describe('app.enableCors() next to the module', () => {
  const warnings = (logger: { lines: LoggedLine[] }) => logger.lines.filter((l) => l.context === 'CorsModule' && l.level === 'warn');

  it('warns once it is called, and the warning is right: its middleware leaks onto a @Cors(false) route', async () => {
    const logger = captureLogger();
    const app = await boot({ imports: [CorsModule.forRoot({ origin: ORIGINS })], controllers, providers: [TenantOrigins] }, logger, (a) =>
      a.enableCors({ origin: '*' }),
    );
    expect(warnings(logger)).toHaveLength(1);
    expect(warnings(logger)[0].message).toMatch(/app.enableCors\(\) is in use as well.*put its options in CorsModule.forRoot\(\)/);
    // What the warning is about: the webhook says @Cors(false), and the page may read it anyway.
    const res = await http(app).post('/webhooks').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    await app.close();
  });

  it('warns for NestFactory.create(..., { cors: true }) too', async () => {
    const logger = captureLogger();
    const { Module } = await import('@nestjs/common');
    @Module({ imports: [CorsModule.forRoot({ origin: ORIGINS, report: false })], controllers: [PublicController] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, { cors: true, logger });
    await app.init();
    expect(warnings(logger)).toHaveLength(1);
    await app.close();
  });

  it('stays quiet without it', async () => {
    const logger = captureLogger();
    const app = await boot({ imports: [CorsModule.forRoot({ origin: ORIGINS })], controllers: [PublicController] }, logger);
    expect(warnings(logger)).toEqual([]);
    await app.close();
  });
});
