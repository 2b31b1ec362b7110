import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { PLAYGROUND_PORT, startPlayground } from './playground/playground.server.js';
import { DEFAULT_ADMIN_TOKEN, PORT, sampleSettingsFromEnv } from './sample.config.js';
import { setupSwagger } from './sample.http.js';

async function bootstrap() {
  const settings = sampleSettingsFromEnv();
  const app = await NestFactory.create(AppModule.forRoot(settings));
  app.enableShutdownHooks();
  setupSwagger(app);
  await app.listen(PORT, '127.0.0.1');
  const db = settings.database.type === 'sqlite' ? `SQLite ${settings.database.path}` : 'PostgreSQL (DATABASE_URL)';
  console.log(`nestjs-route-cors sample on http://localhost:${PORT} — ${db}`);
  await startPlayground(PLAYGROUND_PORT, `http://localhost:${PORT}`);
  console.log(`playground (another origin) on http://localhost:${PLAYGROUND_PORT}`);
  if (settings.adminToken === DEFAULT_ADMIN_TOKEN) console.log(`admin API token: ${DEFAULT_ADMIN_TOKEN} (set ADMIN_TOKEN to change it)`);
}

void bootstrap();
