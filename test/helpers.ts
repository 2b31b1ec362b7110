import { INestApplication, ModuleMetadata, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';

/** Builds and initializes a real Nest app (Express) for a test; `configure` runs before init (prefix, versioning…). */
export async function createApp(
  metadata: ModuleMetadata,
  configure?: (app: INestApplication) => void,
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  configure?.(app);
  await app.init();
  return app;
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

export type AppClass = Type<unknown>;
