/**
 * The whole HTTP surface: CORS from `paths` on what real packages mount outside the controller table, on both
 * adapters — GraphQL (Express: @nestjs/apollo 14, Apollo Server 5; Fastify: @nestjs/mercurius, Mercurius), Swagger
 * (SwaggerModule: /api, /api-json, /api-yaml), static files (ServeStaticModule, which mounts express.static or
 * @fastify/static; and a second folder mounted by hand: express.static through app.use(), or useStaticAssets()).
 * Per kind: preflight, actual response, refused origin, Vary; and the responses those packages answer themselves
 * (GraphQL 400s, static 304 and 404).
 */
import { Controller, Get, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ServeStaticModule } from '@nestjs/serve-static';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorsModule, CorsPolicyService } from '../../lib/index.js';
import { ADAPTERS, AdapterName, corsHeaders, expectNoCors, http, httpAdapterFor, preflight, varyOf } from '../helpers.js';

const APP = 'https://app.example.com';
const TENANT = 'https://tenant.example';
const EVIL = 'https://evil.example';
const ANYONE = 'https://docs-viewer.example';

@Controller('cats')
class CatsController {
  @Get() list() {
    return ['tom'];
  }
}

const typeDefs = /* GraphQL */ `
  type Query {
    hello: String!
    cookie: String
  }
`;
const resolvers = {
  Query: {
    hello: () => 'world',
    cookie: (_: unknown, __: unknown, ctx: { req: { headers: Record<string, string | undefined> } }) => ctx.req.headers.cookie ?? null,
  },
};

/** GraphQL as each platform's users mount it: Apollo on Express, Mercurius on Fastify (both at /graphql). */
function graphqlModule(adapter: AdapterName) {
  return adapter === 'express'
    ? GraphQLModule.forRoot<ApolloDriverConfig>({
        driver: ApolloDriver,
        typeDefs,
        resolvers,
        context: ({ req }: { req: unknown }) => ({ req }),
      })
    : GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, typeDefs, resolvers, context: (req: unknown) => ({ req }) });
}

describe.each(ADAPTERS)('beyond controllers: GraphQL, Swagger and static files (%s)', (adapter) => {
  let app: INestApplication;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cors-static-'));
    writeFileSync(join(dir, 'hello.txt'), 'hello from a file');
    writeFileSync(join(dir, 'font.woff2'), 'not really a font');
    @Module({
      imports: [
        CorsModule.forRoot({
          origin: APP,
          paths: {
            '/graphql': { origin: [TENANT], credentials: true, methods: ['GET', 'POST'] },
            '/api-json': { origin: '*' },
            '/api-yaml': { origin: '*' },
            '/static{/*path}': { origin: '*' },
            '/fonts{/*path}': {}, // the module defaults: APP only
          },
        }),
        graphqlModule(adapter),
        ServeStaticModule.forRoot({ rootPath: dir, serveRoot: '/static' }),
      ],
      controllers: [CatsController],
    })
    class BeyondModule {}
    // NestFactory, as main.ts does: ServeStaticModule picks its loader from the adapter when it is built, which a
    // testing module does not have yet.
    app = await NestFactory.create(BeyondModule, await httpAdapterFor(adapter), { logger: false, abortOnError: false });
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('Cats').setVersion('1').build());
    SwaggerModule.setup('api', app, document);
    if (adapter === 'express') app.use('/fonts', express.static(dir));
    else (app as NestFastifyApplication).useStaticAssets({ root: dir, prefix: '/fonts/', decorateReply: false });
    await app.init();
    if (adapter === 'fastify') await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const gql = (origin: string, query = '{ hello }') =>
    http(app).post('/graphql').set('Origin', origin).set('Content-Type', 'application/json').send({ query });

  describe(`GraphQL (${adapter === 'express' ? 'Apollo' : 'Mercurius'})`, () => {
    it('preflight of a JSON POST: answered by the library (it never reaches the GraphQL server), credentials, GET and POST', async () => {
      const res = await preflight(app, '/graphql', TENANT, 'POST', 'content-type').expect(204);
      expect(corsHeaders(res)).toEqual({
        'access-control-allow-origin': TENANT,
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
      });
      expect(varyOf(res)).toContain('origin');
    });

    it('actual POST: the query runs, with the cookie; ACAO, ACAC and Vary: Origin on the response', async () => {
      const res = await gql(TENANT, '{ hello cookie }').set('Cookie', 'sid=abc').expect(200);
      expect(res.body).toEqual({ data: { hello: 'world', cookie: 'sid=abc' } });
      expect(corsHeaders(res)).toEqual({ 'access-control-allow-origin': TENANT, 'access-control-allow-credentials': 'true' });
      expect(varyOf(res)).toContain('origin');
    });

    it("the GraphQL server's own error responses carry the headers (a bad query)", async () => {
      const bad = await gql(TENANT, '{ nope }');
      expect(bad.status).toBe(400);
      expect(bad.headers['access-control-allow-origin']).toBe(TENANT);
      expect(bad.headers['access-control-allow-credentials']).toBe('true');
    });

    if (adapter === 'express') {
      it("Apollo's CSRF check on a bare GET: 400, readable; with Apollo's header, a query (preflighted)", async () => {
        const csrf = await http(app).get('/graphql?query=%7Bhello%7D').set('Origin', TENANT);
        expect(csrf.status).toBe(400);
        expect(csrf.text).toMatch(/CSRF/);
        expect(csrf.headers['access-control-allow-origin']).toBe(TENANT);
        const get = await http(app)
          .get('/graphql?query=%7Bhello%7D')
          .set('Origin', TENANT)
          .set('Apollo-Require-Preflight', 'true')
          .expect(200);
        expect(get.body).toEqual({ data: { hello: 'world' } });
        expect(get.headers['access-control-allow-origin']).toBe(TENANT);
        await preflight(app, '/graphql', TENANT, 'GET', 'apollo-require-preflight').expect(204);
      });
    } else {
      it('a GET query (Mercurius has no CSRF header check) carries the headers', async () => {
        const get = await http(app).get('/graphql?query=%7Bhello%7D').set('Origin', TENANT).expect(200);
        expect(get.body).toEqual({ data: { hello: 'world' } });
        expect(corsHeaders(get)).toEqual({ 'access-control-allow-origin': TENANT, 'access-control-allow-credentials': 'true' });
        expect(varyOf(get)).toContain('origin');
      });
    }

    it('refused origin: preflight 403 without Allow-*; the POST runs but is unreadable (no ACAO), Vary: Origin', async () => {
      const pf = await preflight(app, '/graphql', EVIL, 'POST', 'content-type').expect(403);
      expectNoCors(pf);
      const res = await gql(EVIL).expect(200);
      expectNoCors(res);
      expect(varyOf(res)).toContain('origin');
      // The module defaults' origin is not the GraphQL policy's.
      await preflight(app, '/graphql', APP, 'POST', 'content-type').expect(403);
    });

    it('a method outside the policy is refused at the preflight', async () => {
      await preflight(app, '/graphql', TENANT, 'PUT', 'content-type').expect(403);
    });
  });

  describe('Swagger (SwaggerModule.setup)', () => {
    it('/api-json and /api-yaml: readable from any origin, no Vary needed', async () => {
      const json = await http(app).get('/api-json').set('Origin', ANYONE).expect(200);
      expect(json.body).toMatchObject({ openapi: expect.any(String), info: { title: 'Cats' } });
      expect(corsHeaders(json)).toEqual({ 'access-control-allow-origin': '*' });
      expect(varyOf(json)).not.toContain('origin');
      const yaml = await http(app).get('/api-yaml').set('Origin', ANYONE).expect(200);
      expect(yaml.text).toMatch(/^openapi:/m);
      expect(yaml.headers['access-control-allow-origin']).toBe('*');
    });

    it('preflight (a viewer sending a custom header) is granted to any origin', async () => {
      const res = await preflight(app, '/api-json', ANYONE, 'GET', 'x-requested-with').expect(204);
      expect(corsHeaders(res)).toMatchObject({ 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, POST' });
    });

    it('the UI at /api is not listed: no CORS there, as without the library; the API keeps its own policy', async () => {
      const ui = await http(app).get('/api').set('Origin', ANYONE).expect(200);
      expect(ui.text).toMatch(/swagger/i);
      expectNoCors(ui);
      expectNoCors(await http(app).get('/cats').set('Origin', ANYONE).expect(200));
      expect((await http(app).get('/cats').set('Origin', APP).expect(200)).headers['access-control-allow-origin']).toBe(APP);
    });
  });

  describe('static files', () => {
    it('ServeStaticModule: 200, 304 and 404 all carry ACAO *', async () => {
      const ok = await http(app).get('/static/hello.txt').set('Origin', ANYONE).expect(200);
      expect(ok.text).toBe('hello from a file');
      expect(corsHeaders(ok)).toEqual({ 'access-control-allow-origin': '*' });
      const etag = ok.headers['etag'] as string;
      expect(etag).toBeTruthy();
      const notModified = await http(app).get('/static/hello.txt').set('Origin', ANYONE).set('If-None-Match', etag).expect(304);
      expect(notModified.headers['access-control-allow-origin']).toBe('*');
      const missing = await http(app).get('/static/missing.txt').set('Origin', ANYONE).expect(404);
      expect(missing.headers['access-control-allow-origin']).toBe('*');
    });

    it('a folder mounted by hand (express.static / useStaticAssets), the default origins: the listed origin reads it, with Vary: Origin on 200 and 304', async () => {
      const ok = await http(app).get('/fonts/font.woff2').set('Origin', APP).expect(200);
      expect(corsHeaders(ok)).toEqual({ 'access-control-allow-origin': APP });
      expect(varyOf(ok)).toEqual(['origin']);
      const notModified = await http(app)
        .get('/fonts/font.woff2')
        .set('Origin', APP)
        .set('If-None-Match', ok.headers['etag'] as string)
        .expect(304);
      expect(notModified.headers['access-control-allow-origin']).toBe(APP);
      expect(varyOf(notModified)).toEqual(['origin']);
    });

    it('a folder mounted by hand, refused origin: the file is served, unreadable cross-origin, still Vary: Origin', async () => {
      const res = await http(app).get('/fonts/font.woff2').set('Origin', EVIL).expect(200);
      expectNoCors(res);
      expect(varyOf(res)).toEqual(['origin']);
      const pf = await preflight(app, '/fonts/font.woff2', EVIL, 'GET', 'x-a').expect(403);
      expectNoCors(pf);
      await preflight(app, '/fonts/font.woff2', APP, 'GET', 'x-a').expect(204);
    });
  });

  it('control: without a path policy the GraphQL server gets the preflight itself and answers it without CORS', async () => {
    @Module({ imports: [CorsModule.forRoot({ origin: APP }), graphqlModule(adapter)], controllers: [CatsController] })
    class WithoutPathsModule {}
    const bare = await NestFactory.create(WithoutPathsModule, await httpAdapterFor(adapter), { logger: false, abortOnError: false });
    await bare.init();
    if (adapter === 'fastify') await (bare as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    try {
      const res = await preflight(bare, '/graphql', TENANT, 'POST', 'content-type');
      // Apollo (Express) refuses an OPTIONS it cannot parse with 400; Mercurius (Fastify) routes no OPTIONS: 404.
      expect(res.status).toBe(adapter === 'express' ? 400 : 404);
      expectNoCors(res);
    } finally {
      await bare.close();
    }
  });

  it('routes() lists the path policies after the controller routes', () => {
    const routes = app.get(CorsPolicyService).routes();
    expect(routes.filter((r) => r.kind === 'controller').map((r) => `${r.method} ${r.path}`)).toEqual(['GET /cats']);
    expect([...new Set(routes.filter((r) => r.kind === 'path').map((r) => r.path))]).toEqual([
      '/graphql',
      '/api-json',
      '/api-yaml',
      '/static{/*path}',
      '/fonts{/*path}',
    ]);
  });
});
