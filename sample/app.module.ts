import { Module } from '@nestjs/common';
import { CorsModule } from '../lib/index.js';
import { DynamicController, TenantOrigins, TenantOriginStore } from './dynamic-origins.js';
import { FRONTEND_ORIGIN } from './sample.config.js';
import {
  AccountController,
  CachedController,
  GuardedController,
  PublicController,
  RestrictedController,
  TokenGuard,
  WebhooksController,
} from './sample.controllers.js';

@Module({
  imports: [CorsModule.forRoot({ origin: [FRONTEND_ORIGIN, 'https://app.example.com'], maxAge: 60 })],
  controllers: [
    PublicController,
    RestrictedController,
    AccountController,
    CachedController,
    WebhooksController,
    GuardedController,
    DynamicController,
  ],
  providers: [TokenGuard, TenantOriginStore, TenantOrigins],
})
export class AppModule {}
