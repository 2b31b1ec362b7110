// Marks each half of the dual build with its module format, so Node and TypeScript read dist/cjs as CommonJS and
// dist/esm as ESM whatever the package's own "type" says.
import { writeFileSync } from 'node:fs';

for (const [dir, type] of [['esm', 'module'], ['cjs', 'commonjs']]) {
  writeFileSync(new URL(`../dist/${dir}/package.json`, import.meta.url), `${JSON.stringify({ type })}\n`);
}
