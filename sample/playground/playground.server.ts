/**
 * The playground: a static page on its own origin (http://localhost:3001 by default) whose buttons fire the sample's
 * scenarios as real cross-origin requests to the API, so the browser itself shows what CORS allows.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/playground.js': { file: 'playground.js', type: 'text/javascript; charset=utf-8' },
};

/** The static files sit next to this module in the sources; the compiled sample (.build/) reads them from sample/. */
function staticFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [here, resolve(here, '../../../sample/playground'), resolve('sample/playground')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`playground: index.html not found in ${candidates.join(', ')}`);
  return found;
}

/** A node:http server for the page; `apiOrigin` is read per request, so it may be known only after this starts. */
export function createPlaygroundServer(apiOrigin: () => string): Server {
  const folder = staticFolder();
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/config.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ api: apiOrigin() }));
      return;
    }
    const entry = FILES[path];
    if (req.method !== 'GET' || entry === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': entry.type, 'Cache-Control': 'no-store' });
    res.end(readFileSync(join(folder, entry.file)));
  });
}

export function startPlayground(port: number, apiOrigin: string): Promise<Server> {
  const server = createPlaygroundServer(() => apiOrigin);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/**
 * The playground is a convenience: it must never take the API down. Returns null, after one line saying why, when
 * it is switched off (`port` null: PLAYGROUND_PORT=0) or cannot listen (the port is taken, e.g. by another replica's
 * playground, or not a port at all).
 */
export async function startPlaygroundIfPossible(
  port: number | null,
  apiOrigin: string,
  log: (line: string) => void,
): Promise<Server | null> {
  if (port === null) {
    log('playground off (PLAYGROUND_PORT=0); the API serves as usual');
    return null;
  }
  try {
    const server = await startPlayground(port, apiOrigin);
    log(`playground (another origin) on http://localhost:${port}`);
    return server;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? `port ${port} is in use` : `cannot listen on ${port} (${code ?? (error as Error).message})`;
    log(`playground off: ${why}; the API serves as usual (set PLAYGROUND_PORT to a free port, or 0 to switch it off)`);
    return null;
  }
}
