/** The adapters are optional: their drivers stay out of the main entry and are optional peer dependencies. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(process.cwd());
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'postgres' || name === 'redis' ? [] : sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('packaging', () => {
  it('lib/cors.version.ts (the key that keeps one copy per process) matches package.json', async () => {
    const { VERSION } = await import('../../lib/cors.version.js');
    expect(VERSION).toBe(pkg.version);
  });

  it('supports Nest 11 and 12 in its peer ranges, as the startup error says', async () => {
    const { SUPPORTED_NEST_VERSIONS } = await import('../../lib/cors-nest.internals.js');
    expect(SUPPORTED_NEST_VERSIONS).toBe('11 and 12');
    expect(pkg.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    expect(pkg.peerDependencies['@nestjs/core']).toBe('^11.0.0 || ^12.0.0');
    // The range @nestjs/common and @nestjs/core 11 and 12 accept: an app that satisfies Nest satisfies this package.
    expect(pkg.peerDependencies['reflect-metadata']).toBe('^0.1.12 || ^0.2.0');
  });

  it('no source file but the internals module reads a deep @nestjs path', () => {
    const offenders = sources(join(root, 'lib')).filter(
      (file) =>
        !file.endsWith('cors-nest.internals.ts') &&
        /from\s+'@nestjs\/(common|core)\/[^']+'|import\(\s*'@nestjs\/(common|core)\//.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it("no source file but the internals module reads a private field of Nest's objects", () => {
    // The ones the library reads: ModuleRef's container and its applicationConfig, FastifyAdapter's onRequestHook.
    const offenders = sources(join(root, 'lib')).filter(
      (file) =>
        !file.endsWith('cors-nest.internals.ts') && /\.(container|applicationConfig|onRequestHook)\b/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});

describe('packaging of the invalidation adapters', () => {
  it('nothing outside lib/postgres and lib/redis imports pg or ioredis, or the adapters', () => {
    const offenders = sources(join(root, 'lib')).filter((file) =>
      /from\s+'(pg|ioredis|\.{1,2}\/(\.\.\/)*(postgres|redis)\/[^']*)'|import\(\s*'(pg|ioredis)'/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('exports nestjs-route-cors/postgres and nestjs-route-cors/redis, with the drivers as optional peers', () => {
    for (const sub of ['postgres', 'redis']) {
      expect(pkg.exports[`./${sub}`]).toEqual({
        import: { types: `./dist/esm/${sub}/index.d.ts`, default: `./dist/esm/${sub}/index.js` },
        require: { types: `./dist/cjs/${sub}/index.d.ts`, default: `./dist/cjs/${sub}/index.js` },
      });
    }
    expect(pkg.peerDependencies).toMatchObject({ pg: expect.any(String), ioredis: expect.any(String) });
    expect(pkg.peerDependenciesMeta).toMatchObject({ pg: { optional: true }, ioredis: { optional: true } });
    expect(pkg.dependencies?.pg).toBeUndefined();
    expect(pkg.dependencies?.ioredis).toBeUndefined();
  });
});
