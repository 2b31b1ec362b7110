/**
 * Cross-replica invalidation over Redis pub/sub (driver: `ioredis`, an optional peer dependency). Two connections
 * per replica, since a subscribed connection cannot publish. ioredis reconnects and resubscribes by itself; after a
 * reconnect the cache is told to forget everything, since messages published meanwhile are lost (pub/sub keeps
 * nothing).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';
import type { CorsInvalidationTransport } from '../cors.interfaces.js';
import { deliverInvalidation, encodeInvalidation } from '../core/cors-invalidation-message.js';

export interface RedisCorsInvalidationOptions {
  /** `redis://host:6379/0`; or pass `redis` settings, or a `connection` of your own. */
  url?: string;
  redis?: RedisOptions;
  /** An existing client: duplicated for subscribing, used as is for publishing, never closed by us. */
  connection?: Redis;
  /** The pub/sub channel shared by every replica of one app. Default `nestjs-route-cors:invalidate`. */
  channel?: string;
  /** Called with connection problems. Default: console.warn, once per outage. */
  onError?: (error: Error) => void;
}

export class RedisCorsInvalidation implements CorsInvalidationTransport {
  readonly channel: string;
  private readonly id = randomUUID();
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private ownsPublisher = false;
  private listener: ((origin: string | undefined) => void) | null = null;
  private wasReady = false;
  private reportedOutage = false;

  constructor(private readonly options: RedisCorsInvalidationOptions = {}) {
    this.channel = options.channel ?? 'nestjs-route-cors:invalidate';
  }

  async subscribe(onInvalidate: (origin: string | undefined) => void): Promise<void> {
    this.listener = onInvalidate;
    const publisher = this.getPublisher();
    const subscriber = publisher.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.report(error));
    subscriber.on('message', (channel: string, payload: string) => this.receive(channel, payload));
    subscriber.on('ready', () => {
      // ioredis resubscribes on reconnect; what was published meanwhile is gone, so forget everything once.
      if (this.wasReady) this.listener?.(undefined);
      this.wasReady = true;
      this.reportedOutage = false;
    });
    await subscriber.subscribe(this.channel);
  }

  async publish(origin: string | undefined): Promise<void> {
    await this.getPublisher().publish(this.channel, encodeInvalidation(this.id, origin));
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
    if (this.publisher && this.ownsPublisher) {
      const publisher = this.publisher;
      await publisher.quit().catch(() => publisher.disconnect());
    }
    this.publisher = null;
  }

  private getPublisher(): Redis {
    if (!this.publisher) {
      if (this.options.connection) this.publisher = this.options.connection;
      else {
        const redis = this.options.redis ?? {};
        this.publisher = this.options.url ? new Redis(this.options.url, redis) : new Redis(redis);
        this.ownsPublisher = true;
        this.publisher.on('error', (error: Error) => this.report(error));
      }
    }
    return this.publisher;
  }

  private receive(channel: string, payload: string): void {
    if (channel === this.channel) deliverInvalidation(payload, this.id, this.listener);
  }

  private report(error: Error): void {
    if (this.reportedOutage) return;
    this.reportedOutage = true;
    (this.options.onError ?? ((e: Error) => console.warn(`nestjs-route-cors: Redis invalidation connection: ${e.message}`)))(error);
  }
}
