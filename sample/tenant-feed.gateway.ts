import { Injectable, Logger } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'socket.io';
import { Cors } from '../lib/index.js';
import { TenantOrigins } from './tenant-origins.resolver.js';

export interface TenantProfile {
  user: string;
  plan: string;
  updatedAt: string;
}

/** The tenant's profile, in memory; `changes` fires after each update. */
@Injectable()
export class TenantProfiles {
  private profile: TenantProfile = { user: 'ada', plan: 'pro', updatedAt: new Date(0).toISOString() };
  readonly changes = new EventEmitter<{ change: [TenantProfile] }>();

  current(): TenantProfile {
    return this.profile;
  }

  update(plan: string): TenantProfile {
    this.profile = { ...this.profile, plan, updatedAt: new Date().toISOString() };
    this.changes.emit('change', this.profile);
    return this.profile;
  }
}

/**
 * A live feed of the tenant's profile over Socket.IO at the default path /socket.io/. Browsers apply no CORS to
 * WebSockets and send the user's cookies with every handshake, so the gateway admits exactly the tenant front-ends
 * the HTTP routes admit: the same resolver, the same decision cache, the same invalidation by the admin routes.
 * A page on any other origin gets 403 on its polling handshake and no 101 on a WebSocket (docs/websockets.md).
 */
@WebSocketGateway()
@Cors({ origin: TenantOrigins, credentials: true })
export class TenantFeedGateway implements OnGatewayConnection {
  private readonly logger = new Logger('TenantFeed');
  @WebSocketServer() server!: Server;

  constructor(private readonly profiles: TenantProfiles) {
    profiles.changes.on('change', (profile) => this.server?.emit('profile', profile));
  }

  handleConnection(client: Socket): void {
    this.logger.debug(`feed opened from ${client.handshake.headers.origin ?? '(no Origin)'}`);
    client.emit('profile', this.profiles.current());
  }
}
