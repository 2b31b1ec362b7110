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

describe('packaging of the invalidation adapters', () => {
  it('nothing outside lib/postgres and lib/redis imports pg or ioredis, or the adapters', () => {
    const offenders = sources(join(root, 'lib')).filter((file) =>
      /from\s+'(pg|ioredis|\.{1,2}\/(\.\.\/)*(postgres|redis)\/[^']*)'|import\(\s*'(pg|ioredis)'/.test(readFileSync(file, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });

  it('exports nestjs-route-cors/postgres and nestjs-route-cors/redis, with the drivers as optional peers', () => {
    expect(pkg.exports['./postgres']).toEqual({ types: './dist/postgres/index.d.ts', import: './dist/postgres/index.js' });
    expect(pkg.exports['./redis']).toEqual({ types: './dist/redis/index.d.ts', import: './dist/redis/index.js' });
    expect(pkg.peerDependencies).toMatchObject({ pg: expect.any(String), ioredis: expect.any(String) });
    expect(pkg.peerDependenciesMeta).toMatchObject({ pg: { optional: true }, ioredis: { optional: true } });
    expect(pkg.dependencies?.pg).toBeUndefined();
    expect(pkg.dependencies?.ioredis).toBeUndefined();
  });
});
