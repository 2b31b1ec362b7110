/**
 * `npm run mutation`: StrykerJS through its API. Stryker 10's CLI refuses Node.js < 22 with a version check, while
 * this project supports Node 20 (and the machines here run it); the engine itself runs on Node 20, so this calls it
 * directly. Options from stryker.config.json; pass overrides as JSON: `npm run mutation -- '{"mutate":["lib/core/cors-tokens.ts"]}'`.
 */
const { Stryker } = await import(new URL('./node_modules/@stryker-mutator/core/dist/src/stryker.js', import.meta.url).href);
const overrides = process.argv[2] ? JSON.parse(process.argv[2]) : {};
const results = await new Stryker({ configFile: 'stryker.config.json', ...overrides }).runMutationTest();
const counts = {};
for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
console.log(JSON.stringify(counts));
