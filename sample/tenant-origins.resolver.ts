import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CorsOriginResolver } from '../lib/index.js';
import { SEED_ORIGINS } from './sample.config.js';
import { TenantOrigin } from './tenant-origin.entity.js';

/**
 * The tenants' front-ends, from the database. The library caches each answer (60 s for yes, 10 s for no by default)
 * and the admin routes call `CorsPolicyService.invalidate()` after a change, so this runs once per origin and TTL.
 */
@Injectable()
export class TenantOrigins extends CorsOriginResolver {
  constructor(@InjectRepository(TenantOrigin) private readonly origins: Repository<TenantOrigin>) {
    super();
  }

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
