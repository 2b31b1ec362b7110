/** Starts the sample as `npm run start:sample` does: the API first, then, if it can, the playground page. */
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import { startPlaygroundIfPossible } from './playground/playground.server.js';
import { httpAdapterFor, setupSwagger } from './sample.http.js';
import { apiPortFromEnv, DEFAULT_ADMIN_TOKEN, playgroundPortFromEnv, sampleSettingsFromEnv } from './sample.config.js';

export interface RunningSample {
  app: INestApplication;
  /** The port the API listens on. */
  port: number;
  /** The playground's server, or null when it is off. */
  playground: Server | null;
  close(): Promise<void>;
}

export interface RunSampleOptions {
  /** One line per event (default: console.log). */
  log?: (line: string) => void;
  /** Nest's logger (default: Nest's console logger). */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Reads PORT, PLAYGROUND_PORT, DATABASE_URL/SQLITE_PATH, ADMIN_TOKEN and ADAPTER (express, the default, or fastify)
 * from `env`. Two replicas on one machine need
 * nothing but different PORTs: the second finds the playground port taken, says so in one line, and serves its API.
 */
export async function runSample(env: NodeJS.ProcessEnv = process.env, options: RunSampleOptions = {}): Promise<RunningSample> {
  const log = options.log ?? ((line: string) => console.log(line));
  const settings = sampleSettingsFromEnv(env);
  // ADAPTER=fastify npm run start:sample: the same app, the same CORS behaviour, on @nestjs/platform-fastify.
  const adapter = settings.adapter ?? 'express';
  const app = await NestFactory.create(
    AppModule.forRoot(settings),
    await httpAdapterFor(adapter),
    options.logger === undefined ? {} : { logger: options.logger },
  );
  app.enableShutdownHooks();
  setupSwagger(app);
  await app.listen(apiPortFromEnv(env), '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const db = settings.database.type === 'sqlite' ? `SQLite ${settings.database.path}` : 'PostgreSQL (DATABASE_URL)';
  log(`nestjs-route-cors sample on http://localhost:${port} (${adapter}) — ${db}`);
  const playground = await startPlaygroundIfPossible(playgroundPortFromEnv(env), `http://localhost:${port}`, log);
  if (settings.adminToken === DEFAULT_ADMIN_TOKEN) log(`admin API token: ${DEFAULT_ADMIN_TOKEN} (set ADMIN_TOKEN to change it)`);
  return {
    app,
    port,
    playground,
    close: async () => {
      await new Promise<void>((resolve) => (playground ? playground.close(() => resolve()) : resolve()));
      await app.close();
    },
  };
}
