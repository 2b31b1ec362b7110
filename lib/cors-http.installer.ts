import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Subscription } from 'rxjs';
import { bindingFor, HTTP_BINDINGS } from './adapters/cors-http.bindings.js';
import { CorsPolicyService } from './cors-policy.service.js';

/**
 * Installs the request hook as soon as the HTTP adapter exists: under `NestFactory.create` that is before any
 * provider is built; under `Test.createTestingModule()` it is when `createNestApplication()` sets the adapter.
 * Either way it comes before body parsers, `app.use()` middleware registered at init, guards and routes.
 */
@Injectable()
export class CorsHttpInstaller implements OnModuleInit, OnModuleDestroy {
  private readonly subscription: Subscription;
  /** Thrown from onModuleInit, so it stops bootstrap (a throw inside the subscriber would surface later, uncaught). */
  private unsupported: Error | null = null;

  constructor(adapterHost: HttpAdapterHost, policies: CorsPolicyService) {
    this.subscription = adapterHost.init$.subscribe(() => {
      const adapter = adapterHost.httpAdapter;
      if (!adapter) return; // an application context without HTTP: nothing to install
      const type = adapter.getType();
      const binding = bindingFor(type);
      if (!binding) {
        this.unsupported = new Error(
          `nestjs-route-cors supports the ${HTTP_BINDINGS.map((b) => b.type).join(' and ')} adapters; this app uses '${type}'`,
        );
        return;
      }
      binding.install(adapter, policies);
    });
  }

  onModuleInit(): void {
    if (this.unsupported) throw this.unsupported;
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}
