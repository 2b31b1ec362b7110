import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
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
      warnOnEnableCors(adapter as unknown as Record<string, unknown>);
    });
  }

  onModuleInit(): void {
    if (this.unsupported) throw this.unsupported;
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}

const WATCHED = Symbol('nestjs-route-cors: enableCors watched');

/**
 * `app.enableCors()` and `NestFactory.create(AppModule, { cors })` both reach the adapter's public `enableCors()`,
 * which registers the `cors` package as app-wide middleware. The hook is installed before user code can call it, so
 * wrapping that method sees every such call. (A `cors()` middleware added by hand with `app.use()` is not seen.)
 */
function warnOnEnableCors(adapter: Record<string, unknown>): void {
  const original = adapter.enableCors;
  if (typeof original !== 'function' || (original as unknown as Record<symbol, unknown>)[WATCHED]) return;
  const logger = new Logger('CorsModule');
  const watched = function (this: unknown, ...args: unknown[]) {
    logger.warn(
      'app.enableCors() is in use as well: its middleware (cors, @fastify/cors) adds one app-wide policy to every response the ' +
        'per-route policies decide (even on @Cors(false) routes, and over their Access-Control-Allow-Origin) and answers ' +
        'the preflights nestjs-route-cors passes on; remove app.enableCors() (or the cors option of NestFactory.create) ' +
        'and put its options in CorsModule.forRoot()',
    );
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  (watched as unknown as Record<symbol, unknown>)[WATCHED] = true;
  adapter.enableCors = watched;
}
