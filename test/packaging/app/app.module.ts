// A user's app, as it would be written against the published package (no path into the package but its entry).
import { CanActivate, Controller, Get, Injectable, Module, Put, UnauthorizedException, UseGuards } from '@nestjs/common';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Cors, CorsModule, CorsOriginResolver, CorsPolicyService } from 'nestjs-route-cors';

export const APP = 'https://app.example.com';
export const TENANT = 'https://tenant.example.com';

@Injectable()
export class TenantOrigins extends CorsOriginResolver {
  isOriginAllowed(origin: string): boolean {
    return origin === TENANT;
  }
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException('no token');
  }
}

@Controller('account')
@Cors({ credentials: true })
class AccountController {
  // The service injected by its type: one CorsPolicyService token whichever way the package was loaded.
  constructor(private readonly cors: CorsPolicyService) {}

  @Get() get() {
    return { routes: this.cors.routes().length };
  }
  @Put() put() {
    return { ok: true };
  }
  @Get('guarded') @UseGuards(DenyGuard) guarded() {
    return 'never';
  }
}

@Controller('tenant')
@Cors({ origin: TenantOrigins })
class TenantController {
  @Get() get() {
    return 'tenant';
  }
}

@Controller('webhook')
@Cors(false)
class WebhookController {
  @Get() get() {
    return 'hook';
  }
}

/** A Socket.IO gateway on the HTTP server (path /socket.io/): the module's origins, with cookies. */
@WebSocketGateway()
@Cors({ credentials: true })
class FeedGateway {
  @SubscribeMessage('ping') ping() {
    return 'pong';
  }
}

@Module({
  imports: [CorsModule.forRoot({ origin: [APP], methods: ['GET', 'PUT'] })],
  controllers: [AccountController, TenantController, WebhookController],
  providers: [TenantOrigins, FeedGateway],
})
export class AppModule {}

@Controller('bad')
@Cors({ origin: '*', credentials: true, maxAge: -1 })
class BadController {
  @Get() get() {
    return 'never';
  }
}

/** Leaks by design: credentials with '*', and a negative maxAge. Must stop bootstrap with one CorsConfigError naming the route. */
@Module({
  imports: [CorsModule.forRoot({ origin: [APP] })],
  controllers: [BadController],
})
export class BadModule {}
