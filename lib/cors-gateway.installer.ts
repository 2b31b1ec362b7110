import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import type { CorsGatewayBinding, CorsGatewayEntry } from './adapters/cors-gateway.binding.js';
import { socketIoBinding } from './adapters/socket-io.binding.js';
import { wsBinding } from './adapters/ws.binding.js';
import { CorsConfigError } from './cors-config.error.js';
import { addServerHook, gatewayMetadataOf, GatewayMetadata, onServerAssigned, serverOf } from './cors-nest.internals.js';
import { compileGateway, CorsGatewayRoute, describeGateway, handlerPolicyProblems } from './cors-gateway.table.js';
import { moduleOptionsProblems } from './cors-module-options.validator.js';
import { CorsPolicyService } from './cors-policy.service.js';
import { CORS_POLICY_METADATA } from './cors.constants.js';
import { CORS_MODULE_OPTIONS } from './cors.module-definition.js';
import { type CorsModuleOptions, defaultPolicyOf } from './cors.interfaces.js';
import type { CorsProblem } from './core/cors-compiler.js';
import type { CorsPolicy } from './core/cors-policy.js';

const BINDINGS: readonly CorsGatewayBinding[] = [socketIoBinding, wsBinding];

interface FoundGateway {
  metatype: Function;
  meta: GatewayMetadata;
  instance: () => unknown;
}

/**
 * Puts every `@WebSocketGateway` under an origin check. Constructed with the other providers, before `app.init()`
 * connects the gateways, it marks a server property on each gateway class so Nest hands it the gateway's server.
 * The moment Nest assigns a server (in `registerModules()`, before any `onModuleInit`: a gateway on its own port is
 * already listening) the binding guards it: handshakes wait for this module's init. When the module initializes,
 * it compiles each gateway's policy and installs the check behind the guards, then lets the waiting handshakes be
 * decided; if the policies do not compile, every waiting and later handshake is refused. Reads no
 * `@nestjs/websockets` code: apps without gateways never load it.
 */
@Injectable()
export class CorsGatewayInstaller implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('CorsModule');
  private readonly found: FoundGateway[] = [];
  private readonly ready: Promise<void>;
  private settle!: { resolve: () => void; reject: (error: unknown) => void };
  private readonly stopListening: () => void;

  constructor(
    modules: ModulesContainer,
    private readonly policies: CorsPolicyService,
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions,
  ) {
    const seen = new Set<Function>();
    for (const moduleRef of modules.values()) {
      for (const wrapper of moduleRef.providers.values()) {
        const metatype = wrapper.metatype as Function | null;
        const meta = gatewayMetadataOf(metatype);
        if (!meta || !metatype || seen.has(metatype)) continue;
        seen.add(metatype);
        addServerHook(metatype);
        this.found.push({ metatype, meta, instance: () => wrapper.instance });
      }
    }
    this.ready = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.ready.catch(() => undefined); // a refusal for the guards, not an unhandled rejection
    this.stopListening = onServerAssigned((instance, server) => this.guard(instance, server));
  }

  /** Guards a server of one of this app's gateways as soon as Nest assigns it. */
  private guard(instance: object, server: unknown): void {
    if (!server || typeof server !== 'object' || !this.found.some((f) => f.instance() === instance)) return;
    const binding = BINDINGS.find((b) => b.owns(server));
    if (binding) binding.guard(binding.unitOf(server), this.ready);
  }

  onModuleInit(): void {
    try {
      this.installAll();
      this.settle.resolve();
    } catch (error) {
      this.settle.reject(error);
      throw error;
    } finally {
      this.stopListening();
    }
  }

  onModuleDestroy(): void {
    this.stopListening();
    this.settle.reject(new Error('the application was closed before CorsModule initialized'));
  }

  private installAll(): void {
    if (this.found.length === 0) return;
    // Bad module options are CorsPolicyService's to report (with the routes'); gateways would only repeat them.
    // Their guards refuse every handshake (the settled rejection wins over the resolve that follows).
    if (moduleOptionsProblems(this.options).length > 0) return this.settle.reject(new CorsConfigError(moduleOptionsProblems(this.options)));
    const defaults: CorsPolicy = defaultPolicyOf(this.options);
    const settings = (this.options && typeof this.options === 'object' ? this.options.gateways : undefined) ?? {};
    const ctx = this.policies.compileContext();
    const problems: CorsProblem[] = [];
    const units = new Map<object, { binding: CorsGatewayBinding; entries: CorsGatewayEntry[] }>();
    const unbound: string[] = [];

    for (const { metatype, meta, instance } of this.found) {
      const name = metatype.name || 'anonymous gateway';
      const classPolicy = Reflect.getMetadata(CORS_POLICY_METADATA, metatype) as CorsPolicy | false | undefined;
      const { gateway, problems: found } = compileGateway(name, classPolicy, defaults, settings, ctx);
      problems.push(...found, ...handlerPolicyProblems(name, metatype));
      if (!gateway) continue;
      const server = serverOf(instance());
      // Not connected (an application context without HTTP, `createApplicationContext`): no handshake to check.
      if (server === null) continue;
      const binding = server && typeof server === 'object' ? BINDINGS.find((b) => b.owns(server)) : undefined;
      if (!binding) {
        unbound.push(name);
        continue;
      }
      const unit = binding.unitOf(server as object);
      let group = units.get(unit);
      if (!group) units.set(unit, (group = { binding, entries: [] }));
      group.entries.push({
        gateway: name,
        label: name,
        handshake: gateway.handshake,
        source: gateway.source,
        server: server as object,
        options: meta.options,
        port: meta.port,
      });
    }
    for (const [unit, { binding, entries }] of units) problems.push(...binding.problems(unit, entries));
    if (problems.length > 0) throw new CorsConfigError(problems);

    const routes: CorsGatewayRoute[] = [];
    // One line per gateway at the startup report's level (`report: false`: none); the warnings always.
    const level = this.options?.report ?? 'log';
    const log = (level: 'log' | 'warn', message: string) => this.logger[level](message);
    for (const [unit, { binding, entries }] of units) {
      binding.install(unit, entries, log);
      const members = entries.map((e) => e.handshake);
      for (const entry of entries) {
        routes.push({
          ...binding.describe(entry.server),
          gateway: entry.gateway,
          port: entry.port,
          handshake: entry.handshake,
          unit: members,
          policy: entry.source,
        });
      }
      if (entries.length > 1 && binding.transport === 'socket.io' && level !== false) {
        this.logger[level](
          `${entries.map((e) => e.gateway).join(', ')} share one Socket.IO server: its handshake admits the origins of any of them, and each namespace admits only its own gateway's`,
        );
      }
    }
    this.policies.registerGateways(routes);
    for (const route of routes) {
      const { line, warning } = describeGateway(route);
      if (level !== false) this.logger[level](`gateway ${line}`);
      if (warning) this.logger.warn(warning);
    }
    for (const name of unbound) {
      this.logger.warn(
        `${name}: its server is neither Socket.IO nor ws (a custom WebSocket adapter?), so its origin is NOT checked: check the Origin header of its handshakes yourself`,
      );
    }
  }
}
