import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { PORT } from './sample.config.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  await app.listen(PORT, '127.0.0.1');
  console.log(`nestjs-route-cors sample on http://localhost:${PORT}`);
}

void bootstrap();
