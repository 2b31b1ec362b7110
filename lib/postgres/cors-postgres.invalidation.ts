/**
 * Cross-replica invalidation over PostgreSQL `LISTEN`/`NOTIFY` (driver: `pg`, an optional peer dependency).
 * One dedicated connection per replica listens on a channel; `publish` sends `pg_notify(channel, payload)`.
 * Notifications are delivered to every listening session when the sending transaction commits, typically
 * within milliseconds. If the connection drops, it reconnects (backing off up to 5 s) and then tells the cache to
 * forget everything, since notifications sent meanwhile are lost.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ClientConfig } from 'pg';
import type { CorsInvalidationTransport } from '../cors.interfaces.js';
import { deliverInvalidation, encodeInvalidation } from '../core/cors-invalidation-message.js';

export interface PostgresCorsInvalidationOptions {
  /** `postgres://user@host:5432/db`; or pass `client` settings instead. */
  connectionString?: string;
  /** Any other `pg.Client` settings (host, port, ssl, …). */
  client?: ClientConfig;
  /** The NOTIFY channel: a lowercase SQL identifier shared by every replica of one app. Default `nestjs_route_cors`. */
  channel?: string;
  /** Called with connection problems (the module's logger is not reachable from here). Default: console.warn. */
  onError?: (error: Error) => void;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresCorsInvalidation implements CorsInvalidationTransport {
  readonly channel: string;
  /** Identifies this replica, so its own notifications are not applied twice. */
  private readonly id = randomUUID();
  private client: pg.Client | null = null;
  private listener: ((origin: string | undefined) => void) | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  private backoff = 100;
  private connecting: Promise<pg.Client> | null = null;

  constructor(private readonly options: PostgresCorsInvalidationOptions = {}) {
    this.channel = options.channel ?? 'nestjs_route_cors';
    if (!CHANNEL.test(this.channel)) {
      throw new Error(`PostgresCorsInvalidation: channel '${this.channel}' must be a lowercase identifier such as 'nestjs_route_cors'`);
    }
  }

  async subscribe(onInvalidate: (origin: string | undefined) => void): Promise<void> {
    this.listener = onInvalidate;
    await this.connect();
  }

  async publish(origin: string | undefined): Promise<void> {
    const client = this.client ?? (await this.connect());
    await client.query('SELECT pg_notify($1, $2)', [this.channel, encodeInvalidation(this.id, origin)]);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('PostgresCorsInvalidation is closed'));
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new pg.Client({
        ...this.options.client,
        connectionString: this.options.connectionString ?? this.options.client?.connectionString,
      });
      client.on('notification', (message) => this.receive(message.channel, message.payload));
      client.on('error', (error) => this.lost(client, error));
      client.on('end', () => this.lost(client, new Error('connection ended')));
      try {
        await client.connect();
        await client.query(`LISTEN ${this.channel}`);
      } catch (error) {
        client.removeAllListeners('end');
        client.on('error', () => undefined);
        await client.end().catch(() => undefined);
        throw error;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        throw new Error('PostgresCorsInvalidation is closed');
      }
      const reconnected = this.backoff > 100;
      this.client = client;
      this.backoff = 100;
      // Notifications sent while we were away are lost: forget everything once.
      if (reconnected) this.listener?.(undefined);
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private receive(channel: string, payload: string | undefined): void {
    if (channel === this.channel) deliverInvalidation(payload, this.id, this.listener);
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.closed) return;
    (this.options.onError ?? ((e: Error) => console.warn(`nestjs-route-cors: LISTEN connection lost: ${e.message}`)))(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.backoff = Math.min(this.backoff * 2, 5_000);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch(() => this.scheduleReconnect());
    }, this.backoff);
    this.retry.unref?.();
  }
}
