import { Body, Controller, Delete, Get, Injectable, Param, Post, HttpCode } from '@nestjs/common';
import { Cors, CorsOriginResolver } from '../lib/index.js';

/** An in-memory list standing in for a table of tenant front-ends. */
@Injectable()
export class TenantOriginStore {
  readonly origins = new Set<string>(['https://tenant-a.example']);
}

@Injectable()
export class TenantOrigins extends CorsOriginResolver {
  constructor(private readonly store: TenantOriginStore) {
    super();
  }

  isOriginAllowed(origin: string): boolean {
    return this.store.origins.has(origin);
  }
}

/** Routes whose allowed origins change at run time. */
@Controller('dynamic')
@Cors({ origin: TenantOrigins })
export class DynamicController {
  constructor(private readonly store: TenantOriginStore) {}

  @Get()
  get() {
    return { tenants: [...this.store.origins] };
  }
}
