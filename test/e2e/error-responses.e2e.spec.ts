/**
 * Behaviour 2: every response of a CORS-enabled route carries its CORS headers, whatever produced it — so the page
 * can read the error. Guards run before interceptors, so an interceptor-based design fails the first two cases.
 */
import {
  ArgumentsHost, BadRequestException, Body, CanActivate, Catch, Controller, ExceptionFilter, ForbiddenException,
  Get, HttpException, INestApplication, Injectable, Post, UseFilters, UseGuards, ValidationPipe,
  MiddlewareConsumer, Module, NestModule, UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IsEmail, IsString } from 'class-validator';
import type { Response } from 'express';
import { Cors, CorsModule } from '../../lib/index.js';
import { createApp, expectNoCors, http, varyOf } from '../helpers.js';

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
    host.switchToHttp().getResponse<Response>().status(418).json({ filtered: true });
  }
}

@Controller('errors')
@Cors({ credentials: true, exposedHeaders: ['X-Trace'] })
class ErrorsController {
  @Get('guard') @UseGuards(DenyGuard) guarded() { return 'never'; }
  @Get('forbidden') forbidden() { return 'never'; }
  @Post('validate') validate(@Body() dto: CreateUserDto) { return dto; }
  @Get('http') http() { throw new BadRequestException('nope'); }
  @Get('crash') crash() { throw new Error('boom'); }
  @Get('filtered') @UseFilters(TeapotFilter) filtered() { throw new ForbiddenException(); }
  @Post('json') json(@Body() body: unknown) { return body; }
  @Get('middleware') middleware() { return 'never'; }
}

@Controller('closed')
@Cors(false)
class ClosedController {
  @Get('guard') @UseGuards(DenyGuard) guarded() { return 'never'; }
}

@Module({ controllers: [ErrorsController, ClosedController] })
class ErrorsModule implements NestModule {
  configure(consumer: MiddlewareConsumer) {
    consumer.apply((_req: unknown, _res: unknown, next: (e?: unknown) => void) => next(new ForbiddenException('mw'))).forRoutes('errors/middleware');
  }
}

describe('CORS headers on error responses', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      {
        imports: [CorsModule.forRoot({ origin: APP }), ErrorsModule],
        providers: [{ provide: APP_GUARD, useClass: GlobalForbidGuard }],
      },
      (a) => a.useGlobalPipes(new ValidationPipe()),
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
    ['a body-parser error (malformed JSON)', () => http(app).post('/errors/json').set('Content-Type', 'application/json').send('{"a":'), 400],
    ['a Nest middleware error', () => http(app).get('/errors/middleware'), 403],
  ])('%s carries the route\'s CORS headers', async (_name, send, status) => {
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
