/**
 * `ApolloDriver` from @nestjs/apollo 14, unchanged, except where its Express integration package is missing.
 *
 * On Express, @nestjs/apollo 14 mounts Apollo Server 5 with `expressMiddleware` from `@as-integrations/express5`,
 * an optional peer dependency a real app installs (`npm i @as-integrations/express5`) and then uses `ApolloDriver`
 * directly. When it is installed, this driver does exactly that (it calls the stock `registerExpress`). When it is
 * not, it mounts the same thing the same way: the driver's own `req.body` shim, then Apollo Server's documented
 * `executeHTTPGraphQLRequest` behind `app.use(path, …)`, as that package does. Either way `/graphql` is two
 * `app.use()` middlewares outside the controller table, which is what `paths` in CorsModule is for.
 */
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Req = IncomingMessage & { body?: unknown };
type Res = ServerResponse;
type Context = (args: { req: Req; res: Res }) => unknown;

async function hasExpressIntegration(): Promise<boolean> {
  try {
    await import('@as-integrations/express5' as string);
    return true;
  } catch {
    return false;
  }
}

/** What `expressMiddleware(server, { context })` of @as-integrations/express5 does. */
function expressMiddleware(server: ApolloServer<any>, context: Context | undefined) {
  return (req: Req, res: Res, next: (err?: unknown) => void): void => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      headers,
      search: q === -1 ? '' : url.slice(q),
      body: req.body,
    };
    server
      .executeHTTPGraphQLRequest({ httpGraphQLRequest, context: async () => (context ? context({ req, res }) : {}) as any })
      .then(async (response) => {
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch(next);
  };
}

@Injectable()
export class SampleApolloDriver extends ApolloDriver {
  protected override async registerExpress(options: ApolloDriverConfig, hooks?: { preStartHook?: () => void }): Promise<void> {
    if (await hasExpressIntegration()) return super.registerExpress(options, hooks);
    const { path, typeDefs, resolvers, schema } = options;
    const httpAdapter = this.httpAdapterHost.httpAdapter;
    // As the stock driver: Express 5's body parser leaves req.body undefined on an empty body.
    httpAdapter.use(path!, (req: Req, _res: Res, next: () => void) => {
      req.body = req.body ?? {};
      next();
    });
    const app = httpAdapter.getInstance();
    hooks?.preStartHook?.();
    const drain = ApolloServerPluginDrainHttpServer({ httpServer: httpAdapter.getHttpServer() });
    const server = new ApolloServer({
      typeDefs,
      resolvers,
      schema,
      ...(options as object),
      plugins: [...(options.plugins ?? []), drain],
    } as any);
    await server.start();
    app.use(path, expressMiddleware(server, options.context as Context | undefined));
    this.apolloServer = server;
  }
}
