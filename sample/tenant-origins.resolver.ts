import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CorsOriginResolver } from '../lib/index.js';
import { SEED_ORIGINS } from './sample.config.js';
import { TenantOrigin } from './tenant-origin.entity.js';

/**
 * The tenants' front-ends, from the database. With `allOrigins()` the library keeps the whole (small) list in memory
 * and answers every origin from it — a flood of random `Origin` values costs no query at all. It reloads the list
 * after `originCache.ttl` (60 s) and whenever the admin routes call `CorsPolicyService.invalidate()` after a change.
 */
@Injectable()
export class TenantOrigins extends CorsOriginResolver {
  constructor(@InjectRepository(TenantOrigin) private readonly origins: Repository<TenantOrigin>) {
    super();
  }

  /** One query for the whole allow-list. */
  async allOrigins(): Promise<string[]> {
    const rows = await this.origins.find({ select: { origin: true } });
    return rows.map((row) => row.origin);
  }

  /** The per-origin answer (used by the library only when a resolver has no allOrigins()). */
  isOriginAllowed(origin: string): Promise<boolean> {
    return this.origins.existsBy({ origin });
  }
}

/** Fills an empty table with demo rows on start. */
@Injectable()
export class TenantOriginsSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('Sample');

  constructor(@InjectRepository(TenantOrigin) private readonly origins: Repository<TenantOrigin>) {}

  async onApplicationBootstrap(): Promise<void> {
    if ((await this.origins.count()) > 0) return;
    // orIgnore: two replicas starting at once on one database both see an empty table.
    await this.origins
      .createQueryBuilder()
      .insert()
      .values(SEED_ORIGINS.map((origin) => ({ origin })))
      .orIgnore()
      .execute();
    this.logger.log(`seeded ${SEED_ORIGINS.length} tenant origins: ${SEED_ORIGINS.join(', ')}`);
  }
}
