import { INestApplication, LoggerService, ModuleMetadata, NestApplicationOptions, Type } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import request from 'supertest';

/** The HTTP platforms every behaviour spec runs on: `describe.each(ADAPTERS)('… (%s)', (adapter) => …)`. */
export type AdapterName = 'express' | 'fastify';
const ALL_ADAPTERS: readonly AdapterName[] = ['express', 'fastify'];
/**
 * Both, always under CI. `TEST_ADAPTERS=express` narrows a local run to one platform: the mutation run of a binding
 * (jest.stryker-bindings.config.js) runs the behaviour specs on that binding's platform only.
 */
export const ADAPTERS: readonly AdapterName[] = adaptersToRun(process.env.TEST_ADAPTERS);

function adaptersToRun(wanted: string | undefined): readonly AdapterName[] {
  if (wanted === undefined || wanted === '' || process.env.CI === 'true') return ALL_ADAPTERS;
  const names = wanted.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !ALL_ADAPTERS.includes(n as AdapterName));
  if (unknown.length > 0) throw new Error(`TEST_ADAPTERS: unknown ${unknown.join(', ')} (express, fastify)`);
  return ALL_ADAPTERS.filter((a) => names.includes(a));
}

/** Fastify server options (router options such as `ignoreTrailingSlash`) for a Fastify app; ignored on Express. */
export type FastifyOptions = Record<string, unknown>;

/** The adapter instance for `createNestApplication(adapter, …)`. */
export async function httpAdapterFor(adapter: AdapterName, fastifyOptions?: FastifyOptions): Promise<AbstractHttpAdapter> {
  if (adapter === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    return new FastifyAdapter(fastifyOptions as never) as unknown as AbstractHttpAdapter;
  }
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  return new ExpressAdapter();
}

/** Creates, configures and initializes the app of a compiled testing module on `adapter`, ready for supertest. */
export async function initApp(
  moduleRef: TestingModule,
  adapter: AdapterName = 'express',
  options: NestApplicationOptions & { configure?: (app: INestApplication) => void; fastify?: FastifyOptions } = {},
): Promise<INestApplication> {
  const { configure, fastify, ...appOptions } = options;
  const app = moduleRef.createNestApplication(await httpAdapterFor(adapter, fastify), { logger: false, ...appOptions });
  configure?.(app);
  await app.init();
  // Fastify adds its routes when it is ready (listen() does it; supertest uses the bare server).
  if (adapter === 'fastify') await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  return app;
}

/** Builds and initializes a real Nest app for a test; `configure` runs before init (prefix, versioning…). */
export async function createApp(
  metadata: ModuleMetadata,
  configure?: (app: INestApplication) => void,
  adapter: AdapterName = 'express',
  fastify?: FastifyOptions,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  return initApp(moduleRef, adapter, { configure, fastify });
}

export function http(app: INestApplication) {
  return request(app.getHttpServer());
}

/** A browser's preflight. */
export function preflight(app: INestApplication, path: string, origin: string, method: string, headers?: string) {
  const req = http(app).options(path).set('Origin', origin).set('Access-Control-Request-Method', method);
  return headers === undefined ? req : req.set('Access-Control-Request-Headers', headers);
}

/** Every Access-Control-* header of a response. */
export function corsHeaders(res: { headers: Record<string, unknown> }): Record<string, unknown> {
  return Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.startsWith('access-control-')));
}

export function expectNoCors(res: { headers: Record<string, unknown> }): void {
  expect(corsHeaders(res)).toEqual({});
}

export function varyOf(res: { headers: Record<string, unknown> }): string[] {
  return String(res.headers['vary'] ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * A response a handler writes itself (`@Res()`), on either platform: Express's `res`, or Fastify's `reply` (its
 * Node response is `reply.raw`).
 */
export function rawResponse(res: unknown): import('node:http').ServerResponse {
  const r = res as { raw?: import('node:http').ServerResponse };
  return (r.raw ?? res) as import('node:http').ServerResponse;
}

/** Sets a header the platform's way (`res.setHeader` on Express, `reply.header` on Fastify), replacing it. */
export function setHeader(res: unknown, name: string, value: string): void {
  const r = res as { header?(n: string, v: string): unknown; raw?: unknown; setHeader?(n: string, v: string): unknown };
  if (r.raw !== undefined && typeof r.header === 'function') r.header(name, value);
  else r.setHeader!(name, value);
}

/** Sends a body the platform's way (`res.send` / `reply.send`). */
export function send(res: unknown, body: string): void {
  (res as { send(b: string): unknown }).send(body);
}

export type AppClass = Type<unknown>;

/**
 * `createApp` bound to one adapter, to shadow the import inside `describe.each(ADAPTERS)`:
 * `const createApp = createAppOn(adapter);` and the spec's body stays as it is.
 */
export function createAppOn(adapter: AdapterName, fastify?: FastifyOptions) {
  return (metadata: ModuleMetadata, configure?: (app: INestApplication) => void) => createApp(metadata, configure, adapter, fastify);
}

export type LoggedLine = { level: string; message: string; context?: string };

/** A LoggerService that records every line (Nest passes the context as the last argument). */
export function captureLogger(): LoggerService & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const record =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      lines.push({ level, message: String(message), context: rest.length ? String(rest[rest.length - 1]) : undefined });
    };
  return {
    lines,
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  };
}
