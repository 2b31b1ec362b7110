/** The sample on SQLite (better-sqlite3) in a temporary folder, driven through its admin API. */
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADAPTERS } from '../helpers.js';
import { adminApiCases, startSample } from './sample-app.js';

describe.each(ADAPTERS)('sample on SQLite: tenant origins from the database (%s)', (adapter) => {
  const dir = mkdtempSync(join(tmpdir(), 'cors-sqlite-'));
  const path = join(dir, 'nested', 'sample.sqlite');
  let app: INestApplication;

  beforeAll(async () => {
    app = await startSample({ database: { type: 'sqlite', path } }, adapter);
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the database file and its folder on first start', () => {
    expect(existsSync(path)).toBe(true);
  });

  adminApiCases(() => app);
});
