import {
  CanActivate,
  Controller,
  ExecutionContext,
  Get,
  Header,
  Injectable,
  Post,
  UseGuards,
  UnauthorizedException,
  Body,
  HttpCode,
} from '@nestjs/common';
import { Cors } from '../lib/index.js';
import { FRONTEND_ORIGIN } from './sample.config.js';

/** Open to everyone, no credentials: `Access-Control-Allow-Origin: *`. */
@Controller('public')
@Cors({ origin: '*' })
export class PublicController {
  @Get('status')
  status() {
    return { status: 'ok' };
  }
}

/** One front-end, GET and POST, Content-Type and Authorization. */
@Controller('restricted')
@Cors({ origin: FRONTEND_ORIGIN, methods: ['GET', 'POST'], allowedHeaders: ['Content-Type', 'Authorization'] })
export class RestrictedController {
  @Get()
  list() {
    return { items: ['a', 'b'] };
  }

  @Post()
  create(@Body() body: unknown) {
    return { created: body };
  }
}

/** Cookies: the module's origin list, with credentials and an exposed header. */
@Controller('account')
@Cors({ credentials: true, exposedHeaders: ['X-Request-Id'] })
export class AccountController {
  @Get()
  @Header('X-Request-Id', 'req-42')
  get() {
    return { user: 'ada' };
  }
}

/** A preflight the browser may cache for ten minutes. */
@Controller('cached')
@Cors({ maxAge: 600 })
export class CachedController {
  @Post()
  @HttpCode(200)
  write(@Body() body: unknown) {
    return { stored: body };
  }
}

/** Server-to-server only: never any CORS header, preflights refused. */
@Controller('webhooks')
@Cors(false)
export class WebhooksController {
  @Post('payment')
  @HttpCode(202)
  payment() {
    return { received: true };
  }
}

@Injectable()
export class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (req.headers.authorization !== 'Bearer sample-token') throw new UnauthorizedException('send Authorization: Bearer sample-token');
    return true;
  }
}

/** A guard's 401 still carries the CORS headers, so the page can read the error. */
@Controller('guarded')
@UseGuards(TokenGuard)
@Cors({ allowedHeaders: ['Authorization'] })
export class GuardedController {
  @Get()
  secret() {
    return { secret: 42 };
  }
}
