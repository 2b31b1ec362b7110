/** Where the sample listens, which front-end it trusts (the playground page is served from FRONTEND_ORIGIN), its database. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { OriginCacheOptions } from '../lib/index.js';

export const DEFAULT_PORT = 3000;
export const DEFAULT_PLAYGROUND_PORT = 3001;

/** The API's port: PORT, default 3000 (0 picks a free one). */
export function apiPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return env.PORT === undefined || env.PORT === '' ? DEFAULT_PORT : Number(env.PORT);
}

/** The playground's port: PLAYGROUND_PORT, default 3001; null when PLAYGROUND_PORT=0 switches the playground off. */
export function playgroundPortFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  if (env.PLAYGROUND_PORT === undefined || env.PLAYGROUND_PORT === '') return DEFAULT_PLAYGROUND_PORT;
  return env.PLAYGROUND_PORT.trim() === '0' ? null : Number(env.PLAYGROUND_PORT);
}

/**
 * The trusted front-end: FRONTEND_ORIGIN, or the playground's origin. With the playground off (PLAYGROUND_PORT=0, or a
 * second replica whose playground port is taken) it stays the default playground's origin, which another replica serves.
 */
export function frontendOriginFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.FRONTEND_ORIGIN ?? `http://localhost:${playgroundPortFromEnv(env) ?? DEFAULT_PLAYGROUND_PORT}`;
}

export const FRONTEND_ORIGIN = frontendOriginFromEnv();

/** The admin token when ADMIN_TOKEN is unset: fine on a laptop, set your own anywhere else. */
export const DEFAULT_ADMIN_TOKEN = 'dev-admin-token';

/** The tenant front-ends in a fresh database. */
export const SEED_ORIGINS: readonly string[] = ['https://tenant-a.example', 'https://tenant-b.example', FRONTEND_ORIGIN];

export type SampleDatabase =
  /** An SQLite file (better-sqlite3), created with its folder on first start. */
  | { type: 'sqlite'; path: string }
  /** PostgreSQL; `schema` (created if missing) lets tests share one database. */
  | { type: 'postgres'; url: string; schema?: string };

/** The HTTP platform (ADAPTER=fastify); Express is the default. */
export type SampleAdapter = 'express' | 'fastify';

export interface SampleSettings {
  database: SampleDatabase;
  /** Express (default) or Fastify: picks the GraphQL driver (Apollo or Mercurius); main.ts picks the Nest adapter. */
  adapter?: SampleAdapter;
  /** Value the `x-admin-token` header must carry on /admin routes. */
  adminToken: string;
  /** LISTEN/NOTIFY channel for cache invalidation between replicas (PostgreSQL only). */
  invalidationChannel?: string;
  /** Overrides of the library's decision-cache defaults. */
  originCache?: OriginCacheOptions;
}

/**
 * Settings from the environment: DATABASE_URL (postgres://…) or SQLITE_PATH (default sample/data/sample.sqlite),
 * ADMIN_TOKEN, ADAPTER (express or fastify).
 */
export function sampleSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SampleSettings {
  const url = env.DATABASE_URL;
  let database: SampleDatabase;
  if (url && /^postgres(ql)?:\/\//.test(url)) database = { type: 'postgres', url };
  else {
    if (url) throw new Error(`DATABASE_URL must start with postgres:// (got '${url.split(':')[0]}:…'); unset it for SQLite`);
    database = { type: 'sqlite', path: resolve(env.SQLITE_PATH ?? 'sample/data/sample.sqlite') };
  }
  const adapter = env.ADAPTER ?? 'express';
  if (adapter !== 'express' && adapter !== 'fastify') throw new Error(`ADAPTER must be express or fastify (got '${adapter}')`);
  return { database, adminToken: env.ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN, adapter };
}

export function ensureSqliteFolder(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}
