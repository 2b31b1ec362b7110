// Starts the app on the adapter named by ADAPTER (express | fastify) and prints its port, or, with BAD=1, starts
// the leaky module and prints the startup error. Also checks that both builds of the package, loaded in one
// process, hand out the same classes (no dual-package hazard), and reports what each build reads of this Nest.
import 'reflect-metadata';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import * as viaImport from 'nestjs-route-cors';
import { AppModule, BadModule } from './app.module.js';

// A real import() even where TypeScript compiles import() to require() (module: commonjs).
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

async function adapter(): Promise<unknown> {
  if (process.env.ADAPTER !== 'fastify') return undefined;
  // Loaded only on demand, so the app needs @nestjs/platform-fastify only when it runs on Fastify.
  const { FastifyAdapter } = (await importEsm('@nestjs/platform-fastify')) as { FastifyAdapter: new () => unknown };
  return new FastifyAdapter();
}

async function main(): Promise<void> {
  // The other build: require() from an ESM app, import() from a CommonJS one (module-format-agnostic either way).
  const requireHere = createRequire(`${process.cwd()}/package.json`);
  const viaRequire = requireHere('nestjs-route-cors') as typeof viaImport;
  const other = (await importEsm('nestjs-route-cors')) as typeof viaImport;
  const names = Object.keys(viaRequire);
  const differ = names.filter(
    (k) =>
      (viaRequire as Record<string, unknown>)[k] !== (other as Record<string, unknown>)[k] ||
      (viaImport as Record<string, unknown>)[k] !== (other as Record<string, unknown>)[k],
  );
  const hazard = { exports: names.length, differ };

  // What each build reads of this Nest: the @nestjs/core version its startup check sees, and whether it finds the
  // specificity sorter (Nest 12 only). The internals module by file: the exports map does not list it.
  const cjsInternals = join(dirname(requireHere.resolve('nestjs-route-cors')), 'cors-nest.internals.js');
  const esmInternals = cjsInternals.replace(`${sep}cjs${sep}`, `${sep}esm${sep}`);
  type Internals = { readNestCoreVersion(): Promise<string | null>; loadNestInternals(): Promise<{ sortBySpecificity: unknown }> };
  const internals: Record<string, { nestVersion: string | null; specificity: boolean }> = {};
  for (const [build, load] of [
    ['cjs', async () => requireHere(cjsInternals) as Internals],
    ['esm', async () => (await importEsm(pathToFileURL(esmInternals).href)) as Internals],
  ] as const) {
    const built = await load();
    internals[build] = {
      nestVersion: await built.readNestCoreVersion(),
      specificity: (await built.loadNestInternals()).sortBySpecificity !== null,
    };
  }

  const root = process.env.BAD === '1' ? BadModule : AppModule;
  const extra = await adapter();
  let app: INestApplication;
  try {
    app = extra
      ? await NestFactory.create(root, extra as never, { logger: false, abortOnError: false })
      : await NestFactory.create(root, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1'); // route policies are compiled and checked at init, which listen() runs
  } catch (error) {
    const e = error as Error & { errors?: unknown[] };
    console.log(JSON.stringify({ startupError: e.name, problems: e.errors?.length ?? 0, message: e.message }));
    process.exit(3);
  }
  const address = app.getHttpServer().address() as { port: number };
  console.log(JSON.stringify({ port: address.port, hazard, internals }));
}

void main();
