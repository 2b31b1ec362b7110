#!/usr/bin/env node
// npm run test:packaging — the package as users get it: packs the tarball, checks it with publint and attw, then
// installs it into throwaway apps the way a user does (a Nest 11 app compiled to CommonJS with moduleResolution
// node10 and node16, a Nest 12 ESM app), type-checks each with its own tsconfig, starts each on every adapter the
// library supports, and checks over real HTTP: a granted and a refused preflight, a credentialed GET, a guard's 401
// with CORS headers, @Cors(false), an origin resolver, a Socket.IO gateway's origin check, one set of classes when both builds are loaded,
// what each build reads of Nest (the @nestjs/core version, the specificity sorter on Nest 12 only), and a
// CorsConfigError at startup. Installs come from npm's cache when it has them (--prefer-offline); set
// PACKAGING_KEEP=1 to keep the temporary folder. A failed check is logged and counted, and the run goes on to the
// next; it exits non-zero if any check failed.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const APP = 'https://app.example.com';
const TENANT = 'https://tenant.example.com';
const EVIL = 'https://evil.example';
/** Adapters the library supports; each app is started on each. */
const ADAPTERS = ['express', 'fastify'];

const APPS = [
  {
    name: 'nest11-commonjs',
    type: 'commonjs',
    nest: '^11.2.0',
    major: '^11.0.0', // @nestjs/websockets and platform-socket.io have their own minor versions
    configs: { 'cjs-node10': 'out-node10', 'cjs-node16': 'out-node16' },
  },
  { name: 'nest12-esm', type: 'module', nest: '^12.5.0', major: '^12.0.0', configs: { esm: 'out-esm' } },
];

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'nestjs-route-cors-packaging-'));
let failures = 0;
const children = new Set();

function log(message) {
  console.log(`[packaging ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
}

function run(cmd, args, cwd) {
  return execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' },
  });
}

function check(label, ok, detail) {
  if (ok) log(`  ok   ${label}`);
  else {
    failures++;
    log(`  FAIL ${label}: ${detail}`);
  }
}

function http(port, method, path, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end();
  });
}

/** Starts `node main.js`; resolves with the first JSON line it prints and its exit code if it exits first. */
function start(dir, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['main.js'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no output within 30 s; stderr: ${err}`)), 30_000);
    child.stdout.on('data', (c) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line && out.includes('\n')) {
        clearTimeout(timer);
        resolve({ info: JSON.parse(line), child, stderr: () => err });
      }
    });
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => {
      children.delete(child);
      clearTimeout(timer);
      if (!out.includes('{')) reject(new Error(`exited with ${code} before printing; stderr: ${err}`));
    });
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function checkApp(dir, label, adapter, nestVersion) {
  const { info, child } = await start(dir, { ADAPTER: adapter });
  const port = info.port;
  try {
    check(
      `${label}: both builds hand out the same ${info.hazard.exports} exports`,
      info.hazard.exports >= 14 && info.hazard.differ.length === 0,
      JSON.stringify(info.hazard),
    );

    const nest12 = nestVersion.startsWith('12.');
    check(
      `${label}: both builds read @nestjs/core ${nestVersion} and find the specificity sorter only on Nest 12`,
      ['cjs', 'esm'].every((build) => info.internals[build].nestVersion === nestVersion && info.internals[build].specificity === nest12),
      JSON.stringify(info.internals),
    );

    let res = await http(port, 'OPTIONS', '/account', { Origin: APP, 'Access-Control-Request-Method': 'PUT' });
    check(
      `${label}: granted preflight`,
      res.status === 204 &&
        res.headers['access-control-allow-origin'] === APP &&
        res.headers['access-control-allow-credentials'] === 'true' &&
        /PUT/.test(res.headers['access-control-allow-methods'] ?? ''),
      `${res.status} ${JSON.stringify(res.headers)}`,
    );

    res = await http(port, 'OPTIONS', '/account', { Origin: EVIL, 'Access-Control-Request-Method': 'PUT' });
    check(
      `${label}: refused preflight`,
      res.status === 403 && res.headers['access-control-allow-origin'] === undefined,
      `${res.status} ${JSON.stringify(res.headers)}`,
    );

    res = await http(port, 'GET', '/account', { Origin: APP, Cookie: 'sid=1' });
    check(
      `${label}: credentialed GET (CorsPolicyService injected by type)`,
      res.status === 200 &&
        res.headers['access-control-allow-origin'] === APP &&
        res.headers['access-control-allow-credentials'] === 'true' &&
        /\borigin\b/i.test(res.headers.vary ?? '') &&
        JSON.parse(res.body).routes > 0,
      `${res.status} ${JSON.stringify(res.headers)} ${res.body}`,
    );

    res = await http(port, 'GET', '/account/guarded', { Origin: APP });
    check(
      `${label}: guard's 401 carries CORS headers`,
      res.status === 401 && res.headers['access-control-allow-origin'] === APP,
      `${res.status} ${JSON.stringify(res.headers)}`,
    );

    res = await http(port, 'GET', '/webhook', { Origin: APP });
    const pre = await http(port, 'OPTIONS', '/webhook', { Origin: APP, 'Access-Control-Request-Method': 'GET' });
    check(
      `${label}: @Cors(false) sends no CORS headers and refuses preflights`,
      res.status === 200 &&
        res.headers['access-control-allow-origin'] === undefined &&
        pre.status === 403 &&
        pre.headers['access-control-allow-origin'] === undefined,
      `${res.status} ${JSON.stringify(res.headers)} / ${pre.status}`,
    );

    const tenant = await http(port, 'GET', '/tenant', { Origin: TENANT });
    const notTenant = await http(port, 'GET', '/tenant', { Origin: APP });
    check(
      `${label}: CorsOriginResolver from DI`,
      tenant.headers['access-control-allow-origin'] === TENANT && notTenant.headers['access-control-allow-origin'] === undefined,
      `${JSON.stringify(tenant.headers)} / ${JSON.stringify(notTenant.headers)}`,
    );

    // Socket.IO's polling handshake: engine.io answers it before the HTTP app; the library's check runs there.
    const handshake = '/socket.io/?EIO=4&transport=polling';
    const listed = await http(port, 'GET', handshake, { Origin: APP });
    const unlisted = await http(port, 'GET', handshake, { Origin: EVIL });
    check(
      `${label}: Socket.IO gateway admits a listed origin and refuses another before any session`,
      listed.status === 200 &&
        listed.body.includes('"sid"') &&
        listed.headers['access-control-allow-origin'] === APP &&
        unlisted.status === 403 &&
        !unlisted.body.includes('"sid"') &&
        unlisted.headers['access-control-allow-origin'] === undefined,
      `${listed.status} ${listed.body.slice(0, 80)} / ${unlisted.status} ${unlisted.body.slice(0, 80)} ${JSON.stringify(unlisted.headers)}`,
    );
  } finally {
    await stop(child);
  }

  const bad = await start(dir, { ADAPTER: adapter, BAD: '1' });
  const code = await new Promise((resolve) =>
    bad.child.exitCode !== null ? resolve(bad.child.exitCode) : bad.child.once('exit', resolve),
  );
  check(
    `${label}: a leaky config stops startup with one CorsConfigError listing both problems`,
    code === 3 &&
      bad.info.startupError === 'CorsConfigError' &&
      bad.info.problems >= 2 &&
      bad.info.message.includes('BadController.get GET /bad'),
    `exit ${code} ${JSON.stringify(bad.info)}`,
  );
}

async function main() {
  log(`working in ${work}`);
  run('npm', ['pack', '--pack-destination', work], repo); // prepack builds dist/
  const tarball = join(
    work,
    readdirSync(work).find((f) => f.endsWith('.tgz')),
  );
  log(`packed ${tarball}`);

  // The ecosystem's packaging checks, on the tarball itself.
  try {
    run(join(repo, 'node_modules', '.bin', 'publint'), ['run', tarball, '--strict'], repo);
    check('publint --strict on the tarball', true);
  } catch (error) {
    check('publint --strict on the tarball', false, `${error.stdout}${error.stderr}`);
  }
  try {
    run(join(repo, 'node_modules', '.bin', 'attw'), [tarball, '--format', 'ascii'], repo);
    check('attw (node10, node16 from CJS and ESM, bundler) on the tarball', true);
  } catch (error) {
    check('attw on the tarball', false, `${error.stdout}${error.stderr}`);
  }

  for (const app of APPS) {
    const dir = join(work, app.name);
    cpSync(join(here, 'app'), dir, { recursive: true });
    const fastify = ADAPTERS.includes('fastify') ? { '@nestjs/platform-fastify': app.nest } : {};
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify(
        {
          name: app.name,
          private: true,
          type: app.type,
          dependencies: {
            '@nestjs/common': app.nest,
            '@nestjs/core': app.nest,
            '@nestjs/platform-express': app.nest,
            '@nestjs/websockets': app.major,
            '@nestjs/platform-socket.io': app.major,
            ...fastify,
            'reflect-metadata': '^0.2.2',
            rxjs: '^7.8.0',
          },
          devDependencies: { typescript: '~5.9.3', '@types/node': '^20.19.0' },
        },
        null,
        2,
      ),
    );
    log(`${app.name}: npm install (Nest ${app.nest})`);
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], dir); // as a user adds it
    const nestVersion = JSON.parse(run(process.execPath, ['-p', "JSON.stringify(require('@nestjs/core/package.json').version)"], dir));
    log(`${app.name}: @nestjs/core ${nestVersion}`);
    for (const [config, out] of Object.entries(app.configs)) {
      try {
        run(join(dir, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${config}.json`], dir);
        check(`${app.name} ${config}: type-checks and compiles (tsc ${config})`, true);
      } catch (error) {
        check(`${app.name} ${config}: type-checks`, false, `${error.stdout}${error.stderr}`);
        continue;
      }
      for (const adapter of ADAPTERS)
        await checkApp(join(dir, out), `${app.name} ${config} ${adapter} (Nest ${nestVersion})`, adapter, nestVersion);
    }
  }
}

main()
  .catch((error) => {
    failures++;
    log(`FAIL ${error.stack ?? error}`);
  })
  .finally(() => {
    for (const child of children) child.kill('SIGKILL');
    if (process.env.PACKAGING_KEEP !== '1') rmSync(work, { recursive: true, force: true });
    log(failures === 0 ? `all checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s` : `${failures} check(s) failed`);
    process.exitCode = failures === 0 ? 0 : 1;
  });
