import {
  BadRequestException,
  Body,
  CanActivate,
  ConflictException,
  Controller,
  Delete,
  ExecutionContext,
  Get,
  Headers,
  HttpCode,
  Inject,
  Injectable,
  NotFoundException,
  Param,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import type { Repository } from 'typeorm';
import { Cors, CorsPolicyService, isLocalHost, isSerializedOrigin, parseOriginPattern } from '../lib/index.js';
import type { SampleSettings } from './sample.config.js';
import { SAMPLE_SETTINGS } from './sample.settings.js';
import { TenantOrigin } from './tenant-origin.entity.js';
import { TenantProfiles } from './tenant-feed.gateway.js';
import { TenantOrigins } from './tenant-origins.resolver.js';

/**
 * A tenant's API: any front-end in the tenant_origins table may call it with the user's cookies. Profile changes
 * reach the pages that listen on the tenant feed (TenantFeedGateway, Socket.IO, the same origins).
 */
@Controller('tenant')
@Cors({ origin: TenantOrigins, credentials: true })
export class TenantController {
  constructor(private readonly profiles: TenantProfiles) {}

  @Get('profile')
  profile(@Headers('origin') origin?: string) {
    const { user, plan } = this.profiles.current();
    return { user, plan, calledFrom: origin ?? null };
  }

  @Post('profile/plan')
  @HttpCode(200)
  changePlan(@Body() body: unknown) {
    const plan = (body as { plan?: unknown } | undefined)?.plan;
    if (typeof plan !== 'string' || !/^[a-z]{1,20}$/.test(plan)) throw new BadRequestException('send JSON { "plan": "team" }');
    return this.profiles.update(plan);
  }
}

/** 401 unless `x-admin-token` equals the configured token; runs before the body is looked at, so nothing changes. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(SAMPLE_SETTINGS) private readonly settings: SampleSettings) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    const sent = Buffer.from(String(req.headers['x-admin-token'] ?? ''));
    const expected = Buffer.from(this.settings.adminToken);
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
      throw new UnauthorizedException('send the admin token in the x-admin-token header (ADMIN_TOKEN)');
    }
    return true;
  }
}

/** Why `input` cannot be a tenant origin, or its serialized form. Uses the library's own origin parser. */
export function checkTenantOrigin(input: unknown): { ok: true; origin: string } | { ok: false; reason: string } {
  if (typeof input !== 'string' || input === '') return { ok: false, reason: 'send JSON { "origin": "https://shop.example" }' };
  const parsed = parseOriginPattern(input);
  if (!parsed.ok) return parsed;
  if (parsed.pattern.kind !== 'exact') {
    return { ok: false, reason: "a tenant origin is one exact origin such as 'https://shop.example': wildcards belong in @Cors()" };
  }
  if (parsed.scheme !== 'https' && parsed.scheme !== 'http') return { ok: false, reason: 'a tenant front-end is a web page: use https://' };
  if (parsed.scheme === 'http' && !isLocalHost(parsed.host)) {
    return {
      ok: false,
      reason: 'tenant routes send cookies, and a plain-http origin can be impersonated on the network path: use https://',
    };
  }
  const origin = parsed.pattern.origin;
  if (!isSerializedOrigin(origin)) return { ok: false, reason: `'${origin}' is not an origin a browser sends` };
  return { ok: true, origin };
}

/** The tenant origins table. Every change invalidates the CORS decision cache here and on the other replicas. */
@Controller('admin/origins')
@UseGuards(AdminTokenGuard)
@Cors({ allowedHeaders: ['Content-Type', 'X-Admin-Token'] })
export class AdminOriginsController {
  constructor(
    @InjectRepository(TenantOrigin) private readonly origins: Repository<TenantOrigin>,
    private readonly cors: CorsPolicyService,
  ) {}

  @Get()
  async list(): Promise<string[]> {
    const rows = await this.origins.find({ order: { id: 'ASC' } });
    return rows.map((r) => r.origin);
  }

  @Post()
  @HttpCode(201)
  async add(@Body() body: unknown): Promise<{ origin: string }> {
    const checked = checkTenantOrigin((body as { origin?: unknown } | undefined)?.origin);
    if (!checked.ok) throw new BadRequestException(checked.reason);
    const origin = checked.origin;
    if (await this.origins.existsBy({ origin })) throw new ConflictException(`${origin} is already allowed`);
    try {
      await this.origins.insert({ origin });
    } catch (error) {
      // A concurrent insert of the same origin lost the race to the unique index.
      if (await this.origins.existsBy({ origin })) throw new ConflictException(`${origin} is already allowed`);
      throw error;
    }
    await this.cors.invalidate(origin);
    return { origin };
  }

  @Delete(':origin')
  @HttpCode(204)
  async remove(@Param('origin') raw: string): Promise<void> {
    const checked = checkTenantOrigin(raw);
    const origin = checked.ok ? checked.origin : raw;
    const { affected } = await this.origins.delete({ origin });
    if (!affected) throw new NotFoundException(`${raw} is not an allowed origin`);
    await this.cors.invalidate(origin);
  }
}
