/**
 * Behaviour 2: every response of a CORS-enabled route carries its CORS headers, whatever produced it — so the page
 * can read the error. Guards run before interceptors, so an interceptor-based design fails the first two cases.
 */
import {
  ArgumentsHost,
  BadRequestException,
  Body,
  CanActivate,
  Catch,
  Controller,
  ExceptionFilter,
  ForbiddenException,
  Get,
  HttpException,
  INestApplication,
  Injectable,
  Post,
  UseFilters,
  UseGuards,
  ValidationPipe,
  MiddlewareConsumer,
  Module,
  NestModule,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IsEmail, IsString } from 'class-validator';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, createApp, expectNoCors, http, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException('no token');
  }
}

@Injectable()
class GlobalForbidGuard implements CanActivate {
  canActivate(ctx: import('@nestjs/common').ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<{ url: string }>();
    return !req.url.startsWith('/errors/forbidden');
  }
}

class CreateUserDto {
  @IsEmail() email!: string;
  @IsString() name!: string;
}

@Catch(HttpException)
class TeapotFilter implements ExceptionFilter {
  catch(_e: HttpException, host: ArgumentsHost) {
    // Express's res.status().json(), Fastify's reply.code().send().
    const res = host.switchToHttp().getResponse<{ status(s: number): { json?(b: unknown): void; send(b: unknown): void } }>();
    const status = res.status(418);
    if (typeof status.json === 'function') status.json({ filtered: true });
    else status.send({ filtered: true });
  }
}

@Controller('errors')
@Cors({ credentials: true, exposedHeaders: ['X-Trace'] })
class ErrorsController {
  @Get('guard') @UseGuards(DenyGuard) guarded() {
    return 'never';
  }
  @Get('forbidden') forbidden() {
    return 'never';
  }
  @Post('validate') validate(@Body() dto: CreateUserDto) {
    return dto;
  }
  @Get('http') http() {
    throw new BadRequestException('nope');
  }
  @Get('crash') crash() {
    throw new Error('boom');
  }
  @Get('filtered') @UseFilters(TeapotFilter) filtered() {
    throw new ForbiddenException();
  }
  @Post('json') json(@Body() body: unknown) {
    return body;
  }
  @Get('middleware') middleware() {
    return 'never';
  }
  @Get('middleware-ends') middlewareEnds() {
    return 'never';
  }
  @Get('use-ends') useEnds() {
    return 'never';
  }
}

/** Ends the request itself on Node's response, as auth middleware does: nothing of the framework runs after it. */
function endWith401(_req: unknown, res: import('node:http').ServerResponse) {
  res.statusCode = 401;
  res.setHeader('Content-Type', 'text/plain');
  res.end('no token');
}

@Controller('closed')
@Cors(false)
class ClosedController {
  @Get('guard') @UseGuards(DenyGuard) guarded() {
    return 'never';
  }
}

@Module({ controllers: [ErrorsController, ClosedController] })
class ErrorsModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer
      .apply((_req: unknown, _res: unknown, next: (e?: unknown) => void) => next(new ForbiddenException('mw')))
      .forRoutes('errors/middleware');
    consumer.apply(endWith401).forRoutes('errors/middleware-ends');
  }
}

describe.each(ADAPTERS)('CORS headers on error responses (%s)', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      {
        imports: [CorsModule.forRoot({ origin: APP }), ErrorsModule],
        providers: [{ provide: APP_GUARD, useClass: GlobalForbidGuard }],
      },
      (a) => {
        a.useGlobalPipes(new ValidationPipe());
        a.use('/errors/use-ends', endWith401);
      },
      adapter,
    );
  });
  afterAll(() => app.close());

  const expectCors = (res: { headers: Record<string, unknown> }) => {
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('X-Trace');
    expect(varyOf(res)).toContain('origin');
  };

  it.each([
    ['a guard throwing 401', () => http(app).get('/errors/guard'), 401],
    ['a global guard refusing (403)', () => http(app).get('/errors/forbidden'), 403],
    ['ValidationPipe (400)', () => http(app).post('/errors/validate').send({ email: 'not-an-email' }), 400],
    ['a thrown HttpException', () => http(app).get('/errors/http'), 400],
    ['an unexpected error (500)', () => http(app).get('/errors/crash'), 500],
    ['an exception filter', () => http(app).get('/errors/filtered'), 418],
    [
      'a body-parser error (malformed JSON)',
      () => http(app).post('/errors/json').set('Content-Type', 'application/json').send('{"a":'),
      400,
    ],
    ['a Nest middleware error', () => http(app).get('/errors/middleware'), 403],
    ['a Nest middleware ending the response itself', () => http(app).get('/errors/middleware-ends'), 401],
    ['an app.use() middleware ending the response itself', () => http(app).get('/errors/use-ends'), 401],
  ])("%s carries the route's CORS headers", async (_name, send, status) => {
    const res = await send().set('Origin', APP);
    expect(res.status).toBe(status);
    expectCors(res);
  });

  it('a refused origin gets no CORS headers on errors either', async () => {
    const res = await http(app).get('/errors/guard').set('Origin', 'https://evil.test').expect(401);
    expectNoCors(res);
  });

  it('@Cors(false) routes stay without CORS headers on errors', async () => {
    const res = await http(app).get('/closed/guard').set('Origin', APP).expect(401);
    expectNoCors(res);
  });
});

/**
 * NestFactory.create() registers Fastify's middleware engine (middie) before any provider exists, so a hook a provider
 * adds with addHook() would run after the middleware (under Test.createTestingModule() it would not: middie comes at
 * app.init() there). The library's hook must be ahead of it both ways.
 */
describe.each(ADAPTERS)('middleware-ended responses under NestFactory.create (%s)', (adapter) => {
  let app: INestApplication;
  beforeAll(async () => {
    const { NestFactory } = await import('@nestjs/core');
    const { httpAdapterFor } = await import('../helpers.js');
    @Module({ imports: [CorsModule.forRoot({ origin: APP }), ErrorsModule] })
    class FactoryModule {}
    app = await NestFactory.create(FactoryModule, await httpAdapterFor(adapter), { logger: false });
    app.use('/errors/use-ends', endWith401);
    await app.init();
    if (adapter === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  });
  afterAll(() => app.close());

  it.each(['/errors/middleware-ends', '/errors/use-ends'])('%s: the 401 carries the CORS headers', async (path) => {
    const res = await http(app).get(path).set('Origin', APP).expect(401);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(varyOf(res)).toContain('origin');
  });
});
