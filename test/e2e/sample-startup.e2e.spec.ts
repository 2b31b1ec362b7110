/** The sample never falls over on a busy machine: a taken playground port turns the playground off, not the API. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { RunningSample, runSample } from '../../sample/sample.bootstrap.js';
import { frontendOriginFromEnv, playgroundPortFromEnv } from '../../sample/sample.config.js';

/** A port something else holds for the duration of a test. */
async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

/** A port free right now (a listener opened and closed). */
async function freePort(): Promise<number> {
  const { port, server } = await occupyPort();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('sample startup', () => {
  let dir: string;
  const running: RunningSample[] = [];
  const holders: Server[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cors-sample-start-'));
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.close();
    for (const h of holders.splice(0)) await new Promise((resolve) => h.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(env: NodeJS.ProcessEnv) {
    const lines: string[] = [];
    const sample = await runSample({ SQLITE_PATH: join(dir, 'sample.sqlite'), ...env }, { logger: false, log: (l) => lines.push(l) });
    running.push(sample);
    return { sample, lines };
  }

  it('keeps the API up when the playground port is taken, and says so in one line', async () => {
    const { port: taken, server } = await occupyPort();
    holders.push(server);
    const { sample, lines } = await start({ PORT: '0', PLAYGROUND_PORT: String(taken) });
    expect(sample.playground).toBeNull();
    expect(lines.filter((l) => l.startsWith('playground'))).toEqual([
      `playground off: port ${taken} is in use; the API serves as usual (set PLAYGROUND_PORT to a free port, or 0 to switch it off)`,
    ]);
    await request(`http://127.0.0.1:${sample.port}`).get('/public/status').set('Origin', 'https://anyone.example').expect(200);
  });

  it('ADAPTER=fastify starts the same sample on Fastify (npm run start:sample), with the same CORS answers', async () => {
    const { sample, lines } = await start({ PORT: '0', PLAYGROUND_PORT: '0', ADAPTER: 'fastify' });
    expect(sample.app.getHttpAdapter().getType()).toBe('fastify');
    expect(lines[0]).toMatch(/^nestjs-route-cors sample on http:\/\/localhost:\d+ \(fastify\) — SQLite /);
    const res = await request(`http://127.0.0.1:${sample.port}`)
      .get('/tenant/profile')
      .set('Origin', 'https://tenant-a.example')
      .expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://tenant-a.example');
    await expect(start({ PORT: '0', PLAYGROUND_PORT: '0', ADAPTER: 'koa' })).rejects.toThrow('ADAPTER must be express or fastify');
  });

  it('PLAYGROUND_PORT=0 switches the playground off on purpose; the trusted front-end stays the default playground origin', async () => {
    const { sample, lines } = await start({ PORT: '0', PLAYGROUND_PORT: '0' });
    expect(sample.playground).toBeNull();
    expect(lines).toContain('playground off (PLAYGROUND_PORT=0); the API serves as usual');
    expect(playgroundPortFromEnv({ PLAYGROUND_PORT: '0' })).toBeNull();
    expect(frontendOriginFromEnv({ PLAYGROUND_PORT: '0' })).toBe('http://localhost:3001');
    expect(frontendOriginFromEnv({ PLAYGROUND_PORT: '4001' })).toBe('http://localhost:4001');
    expect(frontendOriginFromEnv({})).toBe('http://localhost:3001');
    await request(`http://127.0.0.1:${sample.port}`).get('/public/status').expect(200);
  });

  it('two replicas on one machine start with nothing but their own PORT: the first serves the playground, the second says it is off', async () => {
    const shared = { PLAYGROUND_PORT: String(await freePort()) }; // stands for the default 3001, which this machine may be using
    const a = await start({ ...shared, PORT: '0' });
    const b = await start({ ...shared, PORT: '0' });
    expect(a.sample.playground).not.toBeNull();
    expect(a.lines).toContain(`playground (another origin) on http://localhost:${shared.PLAYGROUND_PORT}`);
    expect(b.sample.playground).toBeNull();
    expect(b.lines.filter((l) => l.startsWith('playground off'))).toHaveLength(1);
    for (const { sample } of [a, b]) {
      const res = await request(`http://127.0.0.1:${sample.port}`)
        .get('/tenant/profile')
        .set('Origin', 'https://tenant-a.example')
        .expect(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://tenant-a.example');
    }
    // The playground page works against the first replica.
    await request(`http://127.0.0.1:${shared.PLAYGROUND_PORT}`)
      .get('/config.json')
      .expect(200, { api: `http://localhost:${a.sample.port}` });
  });

  it('a port that is not a port turns the playground off too, with the reason', async () => {
    const { sample, lines } = await start({ PORT: '0', PLAYGROUND_PORT: 'abc' });
    expect(sample.playground).toBeNull();
    expect(lines.find((l) => l.startsWith('playground off'))).toMatch(/^playground off: cannot listen on NaN \(ERR_SOCKET_BAD_PORT\)/);
  });
});
