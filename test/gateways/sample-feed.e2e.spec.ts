/** The sample's tenant feed (Socket.IO at /socket.io/): the tenant origins of the database, as on the HTTP routes. */
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorsPolicyService } from '../../lib/index.js';
import { FRONTEND_ORIGIN } from '../../sample/sample.config.js';
import { admin, startSample } from '../dynamic/sample-app.js';
import { http } from '../helpers.js';
import { baseUrl, ioConnect, nextEvent, pollingHandshake, upgrade } from './gateway.harness.js';

describe('sample: the tenant feed gateway', () => {
  let app: INestApplication;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cors-sample-feed-'));
    app = await startSample({ database: { type: 'sqlite', path: join(dir, 'sample.sqlite') } });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the playground (a seeded tenant origin) gets the live profile, and changes as they happen', async () => {
    const outcome = await ioConnect(app, { origin: FRONTEND_ORIGIN, transports: ['polling'] });
    expect(outcome.connected).toBe(true);
    if (!outcome.connected) return;
    const first = await nextEvent(outcome.socket, 'profile');
    expect(first).toMatchObject({ user: 'ada', plan: 'pro' });
    const next = nextEvent(outcome.socket, 'profile');
    const change = await http(app).post('/tenant/profile/plan').set('Origin', FRONTEND_ORIGIN).send({ plan: 'team' }).expect(200);
    expect(change.headers['access-control-allow-origin']).toBe(FRONTEND_ORIGIN);
    await expect(next).resolves.toMatchObject({ plan: 'team' });
    outcome.socket.close();
  });

  it('an unknown origin gets no session and no 101; once an admin adds it, at once', async () => {
    const origin = 'https://new-tenant.example';
    expect((await pollingHandshake(app, origin)).status).toBe(403);
    expect((await upgrade(`${baseUrl(app)}/socket.io/?EIO=4&transport=websocket`, origin)).status).not.toBe(101);
    await admin.add(app, origin).expect(201);
    expect((await pollingHandshake(app, origin)).status).toBe(200);
    const ws = await ioConnect(app, { origin, transports: ['websocket'] });
    expect(ws.connected).toBe(true);
    if (ws.connected) ws.socket.close();
    await admin.remove(app, origin).expect(204);
    expect((await pollingHandshake(app, origin)).status).toBe(403);
  });

  it('routes() and evaluate() show the feed', async () => {
    const cors = app.get(CorsPolicyService);
    expect(cors.routes()).toContainEqual(
      expect.objectContaining({ kind: 'gateway', controller: 'TenantFeedGateway', path: '/socket.io/' }),
    );
    const unknown = await cors.evaluate({ origin: 'https://unknown.example', method: 'GET', path: '/socket.io/' });
    expect(unknown.allowed).toBe(false);
  });
});
