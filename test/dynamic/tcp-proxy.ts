/**
 * A TCP proxy for fault tests: `pause()` makes the store stop answering (bytes stay unread, connections stay open,
 * as with a hung server or a dropped route); `cut()` resets every connection and refuses new ones; `restore()` ends
 * either fault.
 */
import net from 'node:net';

export class TcpProxy {
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket | null }>();
  private mode: 'up' | 'paused' | 'cut' = 'up';
  private waiting: (() => void)[] = [];

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, target);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** The store stops answering: nothing is forwarded, no connection is closed. */
  pause(): void {
    this.mode = 'paused';
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream?.pause();
    }
  }

  /** The store goes away: every connection is reset, new ones are closed at once. */
  cut(): void {
    this.mode = 'cut';
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream?.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.mode = 'up';
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream?.resume();
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const start of waiting) start();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const pair: { client: net.Socket; upstream: net.Socket | null } = { client, upstream: null };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    const connect = () => {
      if (client.destroyed) return;
      const upstream = net.connect(this.target.port, this.target.host);
      pair.upstream = upstream;
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    };
    if (this.mode === 'paused') {
      client.pause();
      this.waiting.push(connect);
    } else connect();
  }
}
