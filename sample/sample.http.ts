/**
 * What the sample mounts outside its controllers, as a real app does in main.ts: Swagger (/api, /api-json,
 * /api-yaml). GraphQL and the static files are modules (AppModule); their CORS policies are in `paths`.
 */
import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import type { SampleAdapter } from './sample.config.js';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nestjs-route-cors sample')
    .setDescription('The sample API; /api-json is readable from any origin (CorsModule paths)')
    .setVersion('1')
    .build();
  SwaggerModule.setup('api', app, SwaggerModule.createDocument(app, config));
}

/** The Nest HTTP adapter for `NestFactory.create(module, adapter)`; each platform package is loaded only when used. */
export async function httpAdapterFor(adapter: SampleAdapter): Promise<AbstractHttpAdapter> {
  if (adapter === 'fastify') {
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    return new FastifyAdapter() as unknown as AbstractHttpAdapter;
  }
  const { ExpressAdapter } = await import('@nestjs/platform-express');
  return new ExpressAdapter();
}

/** sample/public, from the sources or from the compiled sample (.build/sample). */
export function publicFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'public'), resolve(here, '../../sample/public'), resolve('sample/public')];
  const found = candidates.find((dir) => existsSync(join(dir, 'release-notes.txt')));
  if (!found) throw new Error(`sample: public folder not found in ${candidates.join(', ')}`);
  return found;
}
