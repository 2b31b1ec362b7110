/**
 * `npm run mutation`: StrykerJS through its API. Stryker 10's CLI refuses Node.js < 22 with a version check, while
 * this project supports Node 20 (and the machines here run it); the engine itself runs on Node 20, so this calls it
 * directly. Options from stryker.config.json; pass overrides as JSON: `npm run mutation -- '{"mutate":["lib/core/cors-tokens.ts"]}'`.
 */
const { Stryker } = await import(new URL('./node_modules/@stryker-mutator/core/dist/src/stryker.js', import.meta.url).href);
// `--bindings` (npm run mutation:bindings): stryker.bindings.config.json, the HTTP bindings against the e2e specs.
const args = process.argv.slice(2);
const configFile = args[0] === '--bindings' ? (args.shift(), 'stryker.bindings.config.json') : 'stryker.config.json';
const overrides = args[0] ? JSON.parse(args[0]) : {};
const results = await new Stryker({ configFile, ...overrides }).runMutationTest();
const counts = {};
for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
console.log(JSON.stringify(counts));
