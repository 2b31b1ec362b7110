import { DynamicModule, Logger, Module } from '@nestjs/common';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { ServeStaticModule } from '@nestjs/serve-static';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { CorsModule, CorsModuleOptions } from '../lib/index.js';
import { PostgresCorsInvalidation } from '../lib/postgres/index.js';
import { ensureSqliteFolder, FRONTEND_ORIGIN, SampleAdapter, SampleSettings } from './sample.config.js';
import {
  AccountController,
  CachedController,
  GuardedController,
  PublicController,
  RestrictedController,
  TokenGuard,
  WebhooksController,
} from './sample.controllers.js';
import { GraphqlContext, TENANT_TYPE_DEFS, TenantGraphqlResolver } from './graphql/tenant.graphql.js';
import { CorsExplainController } from './playground/cors-explain.controller.js';
import { publicFolder } from './sample.http.js';
import { SAMPLE_SETTINGS, SampleSettingsModule } from './sample.settings.js';
import { TenantOrigin } from './tenant-origin.entity.js';
import { TenantFeedGateway, TenantProfiles } from './tenant-feed.gateway.js';
import { TenantOrigins, TenantOriginsSeeder } from './tenant-origins.resolver.js';
import { AdminOriginsController, AdminTokenGuard, TenantController } from './tenant.controllers.js';

/**
 * The schema comes from `synchronize: true`: the sample has one table and must start on a fresh clone with nothing
 * to run first. A real service would generate and run migrations instead (synchronize can drop columns).
 */
export function typeOrmOptions(settings: SampleSettings): TypeOrmModuleOptions {
  const db = settings.database;
  const common = { entities: [TenantOrigin], synchronize: true, retryAttempts: 2, retryDelay: 500 };
  if (db.type === 'sqlite') {
    ensureSqliteFolder(db.path);
    return { ...common, type: 'better-sqlite3', database: db.path };
  }
  return { ...common, type: 'postgres', url: db.url, schema: db.schema };
}

export function corsOptions(settings: SampleSettings): CorsModuleOptions {
  const db = settings.database;
  return {
    origin: [FRONTEND_ORIGIN, 'https://app.example.com'],
    maxAge: 60,
    originCache: settings.originCache,
    // What the controllers do not serve (docs/beyond-controllers.md): matched as the browser requests them.
    paths: {
      // GraphQL (Apollo): the tenant front-ends from the database, with cookies, as /tenant/profile. GET queries
      // must carry Apollo's CSRF header, so it is allowed too.
      '/graphql': {
        origin: TenantOrigins,
        credentials: true,
        methods: ['GET', 'POST'],
        allowedHeaders: ['Content-Type', 'Apollo-Require-Preflight'],
      },
      // The OpenAPI document, for viewers and editors on other sites; the Swagger UI at /api stays same-origin.
      '/api-json': { origin: '*' },
      // Static files (ServeStaticModule): fonts, images for canvases, module scripts.
      '/static{/*path}': { origin: '*' },
    },
    // On PostgreSQL, replicas share the table: an admin change on one reaches the others' caches through NOTIFY.
    invalidation:
      db.type === 'postgres'
        ? new PostgresCorsInvalidation({
            connectionString: db.url,
            channel: settings.invalidationChannel ?? 'sample_cors_origins',
            onError: (error) => new Logger('CorsInvalidation').warn(`LISTEN connection lost (${error.message}); reconnecting`),
          })
        : undefined,
  };
}

/**
 * GraphQL at /graphql, schema-first, the same resolvers on both platforms: Apollo on Express, Mercurius on Fastify
 * (Apollo on Fastify needs @as-integrations/fastify, which the sample does not install). Resolvers get Node's
 * request and response either way.
 */
function graphqlModule(adapter: SampleAdapter): DynamicModule {
  if (adapter === 'fastify') {
    return GraphQLModule.forRoot<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      typeDefs: TENANT_TYPE_DEFS,
      context: (request: { raw: GraphqlContext['req'] }, reply: { raw: GraphqlContext['res'] }): GraphqlContext => ({
        req: request.raw,
        res: reply.raw,
      }),
    });
  }
  return GraphQLModule.forRoot<ApolloDriverConfig>({
    driver: ApolloDriver,
    typeDefs: TENANT_TYPE_DEFS,
    context: ({ req, res }: GraphqlContext): GraphqlContext => ({ req, res }),
  });
}

/** `AppModule.forRoot(sampleSettingsFromEnv())` in main.ts; tests pass their own database and token. */
@Module({})
export class AppModule {
  static forRoot(settings: SampleSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        SampleSettingsModule.forRoot(settings),
        TypeOrmModule.forRootAsync({ inject: [SAMPLE_SETTINGS], useFactory: typeOrmOptions }),
        TypeOrmModule.forFeature([TenantOrigin]),
        CorsModule.forRootAsync({ inject: [SAMPLE_SETTINGS], useFactory: corsOptions }),
        graphqlModule(settings.adapter ?? 'express'),
        ServeStaticModule.forRoot({ rootPath: publicFolder(), serveRoot: '/static' }),
      ],
      controllers: [
        PublicController,
        RestrictedController,
        AccountController,
        CachedController,
        WebhooksController,
        GuardedController,
        TenantController,
        AdminOriginsController,
        CorsExplainController,
      ],
      providers: [
        TokenGuard,
        TenantOrigins,
        TenantOriginsSeeder,
        AdminTokenGuard,
        TenantGraphqlResolver,
        TenantProfiles,
        TenantFeedGateway,
      ],
    };
  }
}
