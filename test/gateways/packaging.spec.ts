/** @nestjs/websockets and the WebSocket platforms stay optional: the library never imports them, not even types. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const WEBSOCKET_PACKAGES =
  /(from\s+|import\(\s*)'(@nestjs\/websockets|@nestjs\/platform-socket\.io|@nestjs\/platform-ws|socket\.io|engine\.io|ws)(\/[^']*)?'/;

describe('packaging of the gateway check', () => {
  it('no file in lib imports @nestjs/websockets, a WebSocket platform, socket.io, engine.io or ws', () => {
    const offenders = sources(join(root, 'lib')).filter((file) => WEBSOCKET_PACKAGES.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the pattern catches such an import (so the test above can fail)', () => {
    expect(WEBSOCKET_PACKAGES.test("import { WebSocketGateway } from '@nestjs/websockets';")).toBe(true);
    expect(WEBSOCKET_PACKAGES.test("import type { Server } from 'socket.io';")).toBe(true);
    expect(WEBSOCKET_PACKAGES.test("const ws = await import('ws');")).toBe(true);
  });

  it('none of them is a dependency or a required peer', () => {
    for (const name of ['@nestjs/websockets', '@nestjs/platform-socket.io', '@nestjs/platform-ws', 'socket.io', 'ws']) {
      expect(pkg.dependencies?.[name]).toBeUndefined();
      if (pkg.peerDependencies?.[name] !== undefined) expect(pkg.peerDependenciesMeta?.[name]).toEqual({ optional: true });
    }
  });
});
