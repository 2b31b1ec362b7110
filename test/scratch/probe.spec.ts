import { All, Controller, Get, Head, Header, MiddlewareConsumer, Module, NestModule, Options, Param, Put } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import request from 'supertest';

@Controller('items') class A {
  @Get(':id') one() { return 'one'; }
  @Get('special') sp() { return 'special'; }
  @Put(':id') put() { return 'put'; }
}
@Controller('{/:lang}/shop') class Shop { @Get('items') items() { return 'items'; } }
@Controller('files') class F { @Get('*') get(@Param('path') p: unknown) { return p; } }
@Controller('any') class Any { @All() any() { return 'any'; } }
@Controller('file') class H { @Head() @Header('X-By','head') h() { return ''; } @Get() @Header('X-By','get') g() { return 'get'; } }
@Controller({ path: 'hosted', host: 'admin.example.com' }) class Host { @Get() g() { return 'admin'; } }
@Controller('mw') class Mw { @Get() g() { return 'never'; } }
@Module({ controllers: [A, F, Any, H, Host, Mw] })
class M implements NestModule { configure(c: MiddlewareConsumer) { c.apply((_q: any, res: any) => { res.statusCode = 401; res.end('mw'); }).forRoutes('mw'); } }

it('probe', async () => {
  const m = await Test.createTestingModule({ imports: [M] }).compile();
  const adapter = new FastifyAdapter();
  const routes: string[] = [];
  adapter.getInstance().addHook('onRoute', (r: any) => { routes.push(`${r.method} ${r.url} ${JSON.stringify(r.constraints ?? {})}`); });
  const order: string[] = [];
  adapter.getInstance().addHook('onRequest', (req: any, _r: any, done: any) => { order.push(`root ${req.method} ${req.url} is404=${req.is404} url=${req.routeOptions.url} m=${JSON.stringify(req.routeOptions.method)}`); done(); });
  (adapter as any).setOnRequestHook((req: any, _r: any, done: any) => { order.push('slot'); done(); });
  const app = m.createNestApplication(adapter, { logger: false });
  app.setGlobalPrefix('api');
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  console.log(routes.join('\n'));
  const s = app.getHttpServer();
  for (const [meth, p, host] of [['GET','/api/items/special'],['OPTIONS','/api/items/1'],['HEAD','/api/file'],['GET','/api/shop/items'],['GET','/api/en/shop/items'],['GET','/api/files/a/b'],['GET','/api/hosted','admin.example.com'],['GET','/api/hosted','www.example.com'],['GET','/api/mw'],['GET','/api/items/'+'x'.repeat(200)],['GET','/api/items/%zz'], ['GET','/API/items/1'], ['GET','/api/items/1/'], ['GET','/api//items/1']]) {
    const r = await (request(s) as any)[meth.toLowerCase()](p).set('Host', host ?? 'localhost');
    console.log(meth, p, host, r.status, r.headers['x-by'], JSON.stringify(r.text ?? '').slice(0, 120));
  }
  const f = app.getHttpAdapter().getInstance();
  console.log(JSON.stringify(f.findRoute({ method: 'GET', url: '/api/items/1?x=1' })), f.findRoute({ method: 'GET', url: '/api/items/' + 'x'.repeat(200) }), JSON.stringify(f.findRoute({method:'HEAD', url:'/api/items/1'})));
  console.log(JSON.stringify(f.initialConfig.routerOptions), JSON.stringify((app.getHttpAdapter() as any).getRouteMatchingOptions()));
  console.log(order.join('\n'));
  await app.close();
});
