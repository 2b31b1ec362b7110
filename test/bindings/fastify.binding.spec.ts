/**
 * The Fastify binding on its own: a real Fastify instance (through `FastifyAdapter`, or bare) with routes registered
 * the way Nest registers them, the binding installed as `CorsHttpInstaller` installs it, and the route index built as
 * the route table builds it, asked with `inject()` (Fastify's own request pipeline: router, hooks, reply). No Nest
 * app, so each case states its routes and router options directly and runs in milliseconds: this is the spec that
 * pins which route (and so which policy) the binding finds for a preflight, the path translation, the hook slot and
 * the paths outside the controllers. The e2e specs run the same behaviour through Nest on both platforms.
 *
 * Each route gets its own policy, told apart by `maxAge` on a preflight (Access-Control-Max-Age) and by an exposed
 * header on an actual request (Access-Control-Expose-Headers): the response names the route that decided it.
 */
import type { AddressInfo } from 'node:net';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { fastifyBinding, fastifyPathToPattern, fastifyRouteMatching, fastifyRouteOrder } from '../../lib/adapters/fastify.binding.js';
import type { CorsRuntime } from '../../lib/adapters/cors-http.binding.js';
import { bindingFor } from '../../lib/adapters/cors-http.bindings.js';
import { compilePathPolicies } from '../../lib/core/cors-paths.js';
import { compilePolicy, CompiledPolicy } from '../../lib/core/cors-compiler.js';
import type { CorsPolicy } from '../../lib/core/cors-policy.js';
import { CorsRouteIndex, RouteEntry } from '../../lib/core/cors-route-index.js';
import { raw, type RawResponse } from '../raw-http.js';

const O = 'https://app.example';

function policy(n: number, extra: CorsPolicy = {}): CompiledPolicy {
  const result = compilePolicy({ origin: O, maxAge: n, exposedHeaders: [`X-R${n}`], ...extra }, `route ${n}`);
  if (!result.policy) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

interface Route {
  method: string | string[];
  url: string;
  /** The route's policy number (its maxAge); null: `@Cors(false)`; omitted: a route outside the controllers. */
  n?: number | null;
  /** More of the route's policy (an origin function). */
  policy?: CorsPolicy;
  constraints?: Record<string, unknown>;
}

interface Options {
  fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
  paths?: Record<string, CorsPolicy | false>;
  /** 'bare': an adapter without `setOnRequestHook` (a root onRequest hook). */
  adapter?: 'slot' | 'bare';
  /** Install once the instance is ready (too late for `onRoute`: the controller routes stand in). */
  late?: boolean;
  before?: (adapter: FastifyAdapter) => void;
}

type Runtime = { index: CorsRouteIndex<string> | null };

async function build(routes: Route[], options: Options = {}) {
  const adapter: FastifyAdapter = new FastifyAdapter(options.fastify as never);
  const instance = adapter.getInstance();
  const target = options.adapter === 'bare' ? { getInstance: () => instance } : adapter;
  const runtime: Runtime = { index: null };
  options.before?.(adapter);
  if (!options.late) fastifyBinding.install(target, runtime as CorsRuntime);
  for (const r of routes) {
    const handler = async () => `${r.method} ${r.url}`;
    // 'ALL': Nest's @All(), which platform-fastify registers with `all()` (every method Fastify supports).
    if (r.method === 'ALL') instance.all(r.url, handler);
    else instance.route({ method: r.method as never, url: r.url, constraints: r.constraints as never, handler });
  }
  let entries: RouteEntry<string>[] = [];
  for (const r of routes) {
    if (r.n === undefined) continue;
    const compiled = r.n === null ? null : policy(r.n, r.policy); // one policy per route, as for a handler's @Cors
    for (const method of Array.isArray(r.method) ? r.method : [r.method])
      entries.push({ method, path: r.url, policy: compiled, info: `${method} ${r.url}` });
  }
  entries = fastifyRouteOrder(entries);
  const compiled = compilePathPolicies(options.paths, { origin: O });
  if (compiled.problems.length > 0) throw new Error(JSON.stringify(compiled.problems));
  for (const p of compiled.paths)
    for (const method of p.methods)
      entries.push({ method, path: p.pattern, policy: p.policy, pathPolicy: true, info: `path ${p.pattern}` });
  runtime.index = new CorsRouteIndex(entries, fastifyRouteMatching(adapter));
  if (options.late) {
    await instance.ready();
    fastifyBinding.install(target, runtime as CorsRuntime);
  }
  // How often the binding asks the router (a plain static path is answered from the recorded routes, without it).
  const routerCalls = { count: 0 };
  const findRoute = instance.findRoute.bind(instance);
  instance.findRoute = ((route: Parameters<typeof findRoute>[0]) => (routerCalls.count++, findRoute(route))) as typeof findRoute;
  await instance.listen({ port: 0, host: '127.0.0.1' });
  open.push(instance);
  const { port } = instance.server.address() as AddressInfo;
  const preflight = (url: string, method: string, headers: Record<string, string> = {}) =>
    send(port, 'OPTIONS', url, { origin: O, 'access-control-request-method': method, ...headers });
  const request = (url: string, method = 'GET', headers: Record<string, string> = {}) => send(port, method, url, { origin: O, ...headers });
  return { adapter, instance, runtime, preflight, request, routerCalls };
}

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((instance) => instance.close()));
});

type Reply = RawResponse;
/** One request over a real socket, the path sent as written; a header given as undefined is left out. */
function send(port: number, method: string, path: string, headers: Record<string, string>): Promise<Reply> {
  return raw({ port, path }, method, Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)));
}

/** The route whose policy answered a preflight (its maxAge), or null when no CORS answer was given. */
function decidedBy(res: Reply): number | null {
  const age = res.headers['access-control-max-age'];
  return age === undefined ? null : Number(age);
}
/** The route whose policy put CORS headers on an actual response, or null. */
function exposedBy(res: Reply): number | null {
  const exposed = res.headers['access-control-expose-headers'];
  return exposed === undefined ? null : Number(String(exposed).replace('X-R', ''));
}

describe('fastifyPathToPattern: find-my-way paths in path-to-regexp 8 syntax', () => {
  it.each([
    ['/items', '/items'],
    ['/items/:id', '/items/:p0'],
    ['/a/:x/b/:y', '/a/:p0/b/:p1'],
    ['/a/:x-:y', '/a/:p0-:p1'],
    ['/a/:x.:y', '/a/:p0.:p1'],
    ['/items/:id?', '/items{/:p0}'],
    ['/:id?', '{/:p0}'],
    ['/items/:id?/more', '/items/:p0/more'],
    ['/a-:id?', '/a-:p0'], // find-my-way: a parameter named "id?", not an optional one (only after "/")
    ['/n/:id(^\\d+$)', '/n/:p0'],
    ['/n/:id(^\\d+$)/x', '/n/:p0/x'],
    ['/n/:id(^(a|b)\\)$)', '/n/:p0'],
    ['/n/:id(^(a|b)$)-:v', '/n/:p0-:p1'],
    ['/a::b', '/a\\:b'],
    ['/files/*', '/files/{*p0}'],
    ['*', '{*p0}'],
    ['/a(b)[c]?+!{d}\\e', '/a\\(b\\)\\[c\\]\\?\\+\\!\\{d\\}\\\\e'],
  ])('%s → %s', (path, pattern) => {
    expect(fastifyPathToPattern(path)).toBe(pattern);
  });
});

describe('fastifyRouteOrder: find-my-way precedence at one path', () => {
  const entry = (path: string, info = path): RouteEntry<string> => ({ method: 'GET', path, policy: null, info });

  it('puts static before parametric before wildcard at the first segment that differs, whatever the order given', () => {
    const order = fastifyRouteOrder([entry('/a/*'), entry('/a/:id'), entry('/a/b'), entry('/:x/b'), entry('/a/::b')]);
    expect(order.map((e) => e.info)).toEqual(['/a/b', '/a/::b', '/a/:id', '/a/*', '/:x/b']);
  });

  it('keeps the given order among ties, and leaves its input alone', () => {
    const input = [entry('/a/:x', 'first'), entry('/b/:y', 'second'), entry('/a', 'third'), entry('/c/:z', 'fourth')];
    expect(fastifyRouteOrder(input).map((e) => e.info)).toEqual(['first', 'second', 'third', 'fourth']);
    expect(fastifyRouteOrder([input[1], input[0]]).map((e) => e.info)).toEqual(['second', 'first']);
    expect(input.map((e) => e.info)).toEqual(['first', 'second', 'third', 'fourth']);
  });

  it('compares a shorter path with a longer one by their common segments', () => {
    expect(fastifyRouteOrder([entry('/a/:x/c'), entry('/a/b')]).map((e) => e.info)).toEqual(['/a/b', '/a/:x/c']);
    expect(fastifyRouteOrder([entry('/:a'), entry('/b/:c')]).map((e) => e.info)).toEqual(['/b/:c', '/:a']);
  });
});

describe('fastifyRouteMatching: the router options as find-my-way gets them', () => {
  const bare = (config: Record<string, unknown>) => ({ getInstance: () => ({ initialConfig: config }) });

  it('has Fastify’s strict defaults, a HEAD route for each GET and the Fastify path translation', () => {
    expect(fastifyRouteMatching(bare({}))).toEqual({
      caseSensitive: true,
      ignoreTrailingSlash: false,
      ignoreDuplicateSlashes: false,
      headFromGet: true,
      toPattern: fastifyPathToPattern,
    });
  });

  it('reads routerOptions first, then the deprecated top-level options', () => {
    const from = (config: Record<string, unknown>) => {
      const m = fastifyRouteMatching(bare(config));
      return [m.caseSensitive, m.ignoreTrailingSlash, m.ignoreDuplicateSlashes];
    };
    expect(from({ routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true } })).toEqual([
      false,
      true,
      true,
    ]);
    expect(from({ caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true })).toEqual([false, true, true]);
    expect(from({ routerOptions: { caseSensitive: true }, caseSensitive: false })).toEqual([true, false, false]);
    expect(from({ routerOptions: { ignoreTrailingSlash: false }, ignoreTrailingSlash: true })).toEqual([true, false, false]);
    expect(from({ routerOptions: {}, ignoreDuplicateSlashes: true, ignoreTrailingSlash: 'yes' })).toEqual([true, false, true]);
  });

  it('takes case and trailing slash from the adapter’s getRouteMatchingOptions() when it has one', () => {
    const adapter = { ...bare({ routerOptions: { caseSensitive: true } }), getRouteMatchingOptions: () => ({ caseSensitive: false }) };
    expect(fastifyRouteMatching(adapter)).toMatchObject({ caseSensitive: false, ignoreTrailingSlash: false });
    const slash = { ...bare({}), getRouteMatchingOptions: () => ({ ignoreTrailingSlash: true }) };
    expect(fastifyRouteMatching(slash)).toMatchObject({ caseSensitive: true, ignoreTrailingSlash: true });
  });

  it('has no HEAD routes from GET with exposeHeadRoutes: false', () => {
    expect(fastifyRouteMatching(bare({ exposeHeadRoutes: false })).headFromGet).toBe(false);
    expect(fastifyRouteMatching(bare({ exposeHeadRoutes: true })).headFromGet).toBe(true);
  });

  it('agrees with a real FastifyAdapter', () => {
    const adapter = new FastifyAdapter({ routerOptions: { caseSensitive: false, ignoreDuplicateSlashes: true } });
    expect(fastifyRouteMatching(adapter)).toMatchObject({ caseSensitive: false, ignoreTrailingSlash: false, ignoreDuplicateSlashes: true });
  });
});

describe('the preflight: the route Fastify’s router runs for the requested method', () => {
  const items: Route[] = [
    { method: 'GET', url: '/items', n: 1 },
    { method: ['GET', 'PUT'], url: '/items/:id', n: 2 },
    { method: 'PUT', url: '/items/special', n: 3 },
    { method: 'GET', url: '/n/:id(^\\d+$)', n: 4 },
    { method: 'GET', url: '/n/:slug', n: 5 },
    { method: 'GET', url: '/files/*', n: 6 },
    { method: 'GET', url: '/files/:name', n: 7 },
    { method: 'GET', url: '/:a/x', n: 8 },
    { method: 'GET', url: '/x/:a', n: 9 },
    { method: 'GET', url: '/opt/:id?', n: 10 },
    { method: 'GET', url: '/off', n: null },
    { method: 'POST', url: '/a::b', n: 11 },
    { method: 'DELETE', url: '/d/:id', n: 12 },
    { method: 'GET', url: '/d/:id', n: 13 },
  ];

  it('finds static, regex, parametric, wildcard and optional routes as find-my-way ranks them', async () => {
    const app = await build(items);
    const cases: [url: string, method: string, route: number | null][] = [
      ['/items', 'GET', 1],
      ['/items?x=1', 'GET', 1],
      ['/items/1', 'PUT', 2],
      ['/items/special', 'PUT', 3],
      ['/items/special', 'GET', 2],
      ['/n/12', 'GET', 4],
      ['/n/ab', 'GET', 5],
      ['/files/a/b', 'GET', 6],
      ['/files/a', 'GET', 7],
      ['/x/x', 'GET', 9],
      ['/y/x', 'GET', 8],
      ['/opt', 'GET', 10],
      ['/opt/1', 'GET', 10],
      ['/a:b', 'POST', 11],
      ['/d/1', 'DELETE', 12],
      ['/d/1', 'GET', 13],
      ['/it%65ms', 'GET', 1],
      ['/items/%31', 'PUT', 2],
    ];
    for (const [url, method, route] of cases) {
      const res = await app.preflight(url, method);
      expect([url, method, res.status, decidedBy(res)]).toEqual([url, method, 204, route]);
      expect(res.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    }
  });

  it('grants only the methods the router runs at that URL with the same policy', async () => {
    const app = await build(items);
    // /items/:id serves GET and PUT, but at /items/special PUT goes to the static route: not granted with GET's grant.
    expect((await app.preflight('/items/7', 'GET')).headers['access-control-allow-methods']).toBe('GET, PUT');
    expect((await app.preflight('/items/special', 'GET')).headers['access-control-allow-methods']).toBe('GET');
    expect((await app.preflight('/items/special', 'PUT')).headers['access-control-allow-methods']).toBe('PUT');
    expect((await app.preflight('/items/7', 'PUT')).headers['access-control-allow-methods']).toBe('GET, PUT');
    expect((await app.preflight('/items/special', 'GET')).headers['access-control-allow-methods']).toBe('GET');
  });

  it('narrows the grant the same way for HEAD, which the GET route serves', async () => {
    const app = await build(items);
    expect((await app.preflight('/items/special', 'HEAD')).headers['access-control-allow-methods']).toBe('GET, HEAD');
    expect((await app.preflight('/items/7', 'HEAD')).headers['access-control-allow-methods']).toBe('GET, PUT, HEAD');
  });

  it('refuses a method no route serves at a Nest path, and passes on what is not a Nest path', async () => {
    const app = await build([...items, { method: 'GET', url: '/elsewhere' }]);
    const refused = await app.preflight('/items', 'DELETE');
    expect([refused.status, decidedBy(refused), refused.headers['access-control-allow-origin']]).toEqual([403, null, undefined]);
    expect(refused.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    expect((await app.preflight('/nothing/here', 'GET')).status).toBe(404);
    const outside = await app.preflight('/elsewhere', 'GET');
    expect([outside.status, outside.headers['access-control-allow-origin']]).toEqual([404, undefined]);
    const off = await app.preflight('/off', 'GET');
    expect([off.status, off.headers['access-control-allow-origin']]).toEqual([403, undefined]);
  });

  it('refuses a URL the router would refuse (a parameter over maxParamLength) on a Nest path, and passes it on elsewhere', async () => {
    const app = await build([...items, { method: 'PUT', url: '/nowhere/:p' }], { fastify: { routerOptions: { maxParamLength: 20 } } });
    const long = 'x'.repeat(21);
    const refused = await app.preflight(`/items/${long}`, 'PUT');
    expect([refused.status, refused.headers['access-control-allow-origin']]).toEqual([403, undefined]);
    expect(refused.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    expect(decidedBy(await app.preflight(`/items/${'x'.repeat(20)}`, 'PUT'))).toBe(2);
    const elsewhere = await app.preflight(`/nowhere/${long}`, 'PUT');
    expect([elsewhere.status, elsewhere.headers['access-control-allow-origin']]).toEqual([404, undefined]);
  });

  it('follows the router options: case, trailing slash, duplicate slashes, semicolons', async () => {
    const strict = await build(items);
    expect((await strict.preflight('/ITEMS', 'GET')).status).toBe(404);
    expect(decidedBy(await strict.preflight('/items/', 'GET'))).toBe(2); // find-my-way runs /items/:id with id ''
    expect((await strict.preflight('//items', 'GET')).status).toBe(404);

    const loose = await build(items, {
      fastify: {
        routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
        useSemicolonDelimiter: true,
      },
    });
    const cases: [url: string, method: string, route: number][] = [
      ['/ITEMS', 'GET', 1],
      ['/items/', 'GET', 1],
      ['//items', 'GET', 1],
      ['/items//special', 'PUT', 3],
      ['/Items/Special', 'PUT', 3],
      ['/items;session=1', 'GET', 1],
      ['/items/special;x', 'PUT', 3],
      ['/ITEMS/7/', 'PUT', 2],
      ['/N/12', 'GET', 4],
    ];
    for (const [url, method, route] of cases) {
      const res = await loose.preflight(url, method);
      expect([url, res.status, decidedBy(res)]).toEqual([url, 204, route]);
    }
  });

  it('answers HEAD with the GET route Fastify adds, or an explicit HEAD route, and not without exposeHeadRoutes', async () => {
    const routes: Route[] = [
      { method: 'HEAD', url: '/h/:id', n: 1 },
      { method: 'GET', url: '/h/:id', n: 2 },
      { method: 'GET', url: '/g/:id', n: 3 },
      { method: 'GET', url: '/s', n: 4 },
    ];
    const app = await build(routes);
    expect(decidedBy(await app.preflight('/h/1', 'HEAD'))).toBe(1);
    expect(decidedBy(await app.preflight('/h/1', 'GET'))).toBe(2);
    expect(decidedBy(await app.preflight('/g/1', 'HEAD'))).toBe(3);
    expect(decidedBy(await app.preflight('/s', 'HEAD'))).toBe(4);
    const without = await build(routes.slice(1), { fastify: { exposeHeadRoutes: false } });
    expect((await without.preflight('/g/1', 'HEAD')).status).toBe(403);
    expect((await without.preflight('/s', 'HEAD')).status).toBe(403);
  });

  it('serves every method of an ALL route', async () => {
    const app = await build([{ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/all/:id', n: 1 }]);
    for (const method of ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE']) expect(decidedBy(await app.preflight('/all/1', method))).toBe(1);
  });

  it('names the route when it has to ask the router, installed too late to record routes', async () => {
    const app = await build(items, { late: true });
    expect(decidedBy(await app.preflight('/items', 'GET'))).toBe(1);
    expect(decidedBy(await app.preflight('/items/special', 'PUT'))).toBe(3);
    expect(decidedBy(await app.preflight('/n/12', 'GET'))).toBe(4);
    expect(decidedBy(await app.preflight('/x/x', 'GET'))).toBe(9);
    expect((await app.preflight('/items/special', 'GET')).headers['access-control-allow-methods']).toBe('GET');
  });

  it('keeps the route index’s answer for routes with router constraints, which findRoute() cannot see', async () => {
    const app = await build([
      { method: 'GET', url: '/v', n: 1, constraints: { host: 'api.example' } },
      { method: 'GET', url: '/v/:id', n: 2, constraints: { host: 'api.example' } },
      { method: 'GET', url: '/plain', n: 3 },
      { method: 'PUT', url: '/plain', n: 4, constraints: { host: 'api.example' } },
      { method: 'GET', url: '/api/:slug', n: 5 },
      { method: 'GET', url: '/api/health' }, // outside Nest
    ]);
    const host = { host: 'api.example' };
    // A route outside Nest that the router does find keeps its own (lack of) policy, constraints or not.
    expect((await app.preflight('/api/health', 'GET', host)).status).toBe(403);
    expect(decidedBy(await app.preflight('/api/other', 'GET', host))).toBe(5);
    expect(decidedBy(await app.preflight('/v', 'GET', host))).toBe(1);
    expect(decidedBy(await app.preflight('/v/1', 'GET', host))).toBe(2);
    expect(decidedBy(await app.preflight('/plain', 'GET', host))).toBe(3);
    expect(decidedBy(await app.preflight('/plain', 'PUT', host))).toBe(4);
    const get = await app.request('/v/1', 'GET', host);
    expect([get.status, exposedBy(get)]).toEqual([200, 2]);
  });

  it('finds a parameter value that begins with a slash under ignoreDuplicateSlashes', async () => {
    const app = await build(
      [
        { method: 'GET', url: '/p/:a', n: 1 },
        { method: 'GET', url: '/:a/q', n: 2 },
      ],
      { fastify: { routerOptions: { ignoreDuplicateSlashes: true } } },
    );
    expect(decidedBy(await app.preflight('/p//x', 'GET'))).toBe(1);
    expect(decidedBy(await app.preflight('//z/q', 'GET'))).toBe(2);
  });
});

describe('actual requests: the route Fastify chose names the policy', () => {
  it('puts the chosen route’s headers on the response, HEAD included, and none on @Cors(false) or a 404', async () => {
    const app = await build([
      { method: 'GET', url: '/a/:id', n: 1 },
      { method: 'GET', url: '/a/b', n: 2 },
      { method: 'HEAD', url: '/h', n: 3 },
      { method: 'GET', url: '/h', n: 4 },
      { method: 'POST', url: '/off', n: null },
    ]);
    const cases: [url: string, method: string, status: number, route: number | null][] = [
      ['/a/1', 'GET', 200, 1],
      ['/a/b', 'GET', 200, 2],
      ['/a/b', 'HEAD', 200, 2],
      ['/h', 'HEAD', 200, 3],
      ['/h', 'GET', 200, 4],
      ['/off', 'POST', 200, null],
      ['/nothing', 'GET', 404, null],
    ];
    for (const [url, method, status, route] of cases) {
      const res = await app.request(url, method);
      expect([url, method, res.status, exposedBy(res)]).toEqual([url, method, status, route]);
      if (route !== null) expect([res.headers['access-control-allow-origin'], res.headers.vary]).toEqual([O, 'Origin']);
      else expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('answers nothing until the route table exists (runtime index null)', async () => {
    const app = await build([{ method: 'GET', url: '/a', n: 1 }]);
    app.runtime.index = null;
    const get = await app.request('/a');
    expect([get.status, get.headers['access-control-allow-origin']]).toEqual([200, undefined]);
    const pre = await app.preflight('/a', 'GET');
    expect([pre.status, pre.headers['access-control-allow-origin']]).toEqual([404, undefined]);
  });

  it('never turns its own failure into a 500: the app answers, without CORS headers', async () => {
    const app = await build([{ method: 'GET', url: '/a', n: 1 }]);
    Object.defineProperty(app.runtime, 'index', {
      get() {
        throw new Error('broken table');
      },
    });
    const get = await app.request('/a');
    expect([get.status, get.body, get.headers['access-control-allow-origin']]).toEqual([200, 'GET /a', undefined]);
  });
});

describe('paths outside the controllers (`paths` in the module options)', () => {
  const routes: Route[] = [
    { method: 'GET', url: '/api/:slug', n: 1 },
    { method: ['GET', 'POST'], url: '/graphql' },
    { method: 'GET', url: '/docs/*' },
    { method: 'GET', url: '/docs/index.html' },
    { method: 'GET', url: '/ext/:id' },
    { method: 'GET', url: '/Static/Page' },
  ];
  const paths: Record<string, CorsPolicy | false> = {
    '/graphql': { maxAge: 50, exposedHeaders: ['X-R50'], methods: ['GET', 'POST'] },
    '/docs/private': false, // before the wildcard: among patterns, the first written decides
    '/docs/{*rest}': { maxAge: 51, exposedHeaders: ['X-R51'] },
    '/ext/:id': { maxAge: 52, exposedHeaders: ['X-R52'], methods: ['GET'] },
    '/static/page': { maxAge: 53, exposedHeaders: ['X-R53'] },
    '/api/public': { maxAge: 54, exposedHeaders: ['X-R54'] },
  };

  it('gives a route outside Nest its path policy, for preflights and actual requests', async () => {
    const app = await build(routes, { paths });
    const preflights: [url: string, method: string, status: number, route: number | null][] = [
      ['/graphql', 'POST', 204, 50],
      ['/docs/a/b', 'GET', 204, 51],
      ['/docs/index.html', 'GET', 204, 51],
      ['/ext/1', 'GET', 204, 52],
      ['/ext/1', 'DELETE', 403, null],
      ['/nothing', 'GET', 404, null],
    ];
    for (const [url, method, status, route] of preflights) {
      const res = await app.preflight(url, method);
      expect([url, method, res.status, decidedBy(res)]).toEqual([url, method, status, route]);
    }
    const actual: [url: string, method: string, route: number | null][] = [
      ['/graphql', 'POST', 50],
      ['/graphql?query=1', 'GET', 50],
      ['/docs/a/b', 'GET', 51],
      ['/docs/index.html', 'GET', 51],
      ['/ext/1', 'GET', 52],
    ];
    for (const [url, method, route] of actual) {
      const res = await app.request(url, method);
      expect([url, method, res.status, exposedBy(res)]).toEqual([url, method, 200, route]);
    }
  });

  it('lets a controller route decide where it serves the path, and a claimed static path over a parametric route', async () => {
    const app = await build(routes, { paths });
    expect(exposedBy(await app.request('/api/other'))).toBe(1);
    expect(decidedBy(await app.preflight('/api/other', 'GET'))).toBe(1);
    // '/api/public' is a static path policy: it claims the path from the controller's '/api/:slug'.
    expect(exposedBy(await app.request('/api/public'))).toBe(54);
    expect(decidedBy(await app.preflight('/api/public', 'GET'))).toBe(54);
  });

  it('switches CORS off on a `false` path and leaves a path without a policy alone', async () => {
    const app = await build([...routes, { method: 'GET', url: '/docs/private' }, { method: 'GET', url: '/plain' }], { paths });
    for (const url of ['/docs/private', '/plain']) {
      const res = await app.request(url);
      expect([url, res.status, res.headers['access-control-allow-origin']]).toEqual([url, 200, undefined]);
    }
    expect((await app.preflight('/docs/private', 'GET')).status).toBe(403);
  });

  it('looks a static route outside Nest up by its own path: a case-insensitive router’s spelling gets its policy', async () => {
    const app = await build(routes, { paths, fastify: { routerOptions: { caseSensitive: false } } });
    expect(exposedBy(await app.request('/STATIC/PAGE'))).toBe(53);
    expect(exposedBy(await app.request('/Static/Page'))).toBe(53);
    expect(decidedBy(await app.preflight('/static/page', 'GET'))).toBe(53);
  });

  it('matches a pattern policy with the path of the static route the router chose (an escaped spelling)', async () => {
    const app = await build([{ method: 'GET', url: '/pages/about' }], {
      paths: { '/pages/:name': { maxAge: 55, exposedHeaders: ['X-R55'] } },
    });
    expect(exposedBy(await app.request('/p%61ges/about'))).toBe(55);
    expect(exposedBy(await app.request('/pages/about'))).toBe(55);
  });

  it('fails closed on another spelling of a claimed path (its router and middleware may disagree)', async () => {
    const app = await build(routes, { paths });
    for (const url of ['/GRAPHQL', '/graph%71l']) {
      const pre = await app.preflight(url, 'POST');
      expect([url, pre.status, pre.headers['access-control-allow-origin']]).toEqual([url, 403, undefined]);
      expect(pre.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
      const post = await app.request(url, 'POST');
      expect([url, post.headers['access-control-allow-origin']]).toEqual([url, undefined]);
    }
    // Not a preflight (no Access-Control-Request-Method): passed on.
    const options = await app.request('/GRAPHQL', 'OPTIONS');
    expect([options.status, options.headers['access-control-allow-origin']]).toEqual([404, undefined]);
  });
});

describe('the hook slot: shared with the user’s setOnRequestHook', () => {
  const routes: Route[] = [{ method: 'GET', url: '/a', n: 1 }];

  it('runs a hook set before the library first, with the adapter as `this`, then answers', async () => {
    const calls: unknown[] = [];
    const app = await build(routes, {
      before: (adapter) =>
        adapter.setOnRequestHook(function (this: unknown, req, _reply, done) {
          calls.push([req.method, this === adapter]);
          done();
        }),
    });
    expect(decidedBy(await app.preflight('/a', 'GET'))).toBe(1);
    expect(exposedBy(await app.request('/a'))).toBe(1);
    expect(calls).toEqual([
      ['OPTIONS', true],
      ['GET', true],
    ]);
  });

  it('runs a hook set after the library in place of the user’s, never of the library’s; undefined removes it', async () => {
    const calls: string[] = [];
    const app = await build(routes, {
      before: (adapter) => adapter.setOnRequestHook((_req, _reply, done) => (calls.push('first'), done())),
    });
    app.adapter.setOnRequestHook(async () => {
      calls.push('second');
    });
    expect(exposedBy(await app.request('/a'))).toBe(1);
    app.adapter.setOnRequestHook(undefined as never);
    expect(exposedBy(await app.request('/a'))).toBe(1);
    expect(calls).toEqual(['second']);
  });

  it('sends a failing user hook to the error handler without CORS, as without the library', async () => {
    const app = await build(routes);
    const failures: [string, Parameters<FastifyAdapter['setOnRequestHook']>[0]][] = [
      ['done(error)', (_req, _reply, done) => done(new Error('no'))],
      [
        'throws',
        () => {
          throw new Error('no');
        },
      ],
      [
        'rejects',
        async () => {
          throw new Error('no');
        },
      ],
      ['rejects with nothing', () => Promise.reject(undefined)],
    ];
    for (const [name, hook] of failures) {
      app.adapter.setOnRequestHook(hook);
      const res = await app.request('/a');
      expect([name, res.status, res.headers['access-control-allow-origin']]).toEqual([name, 500, undefined]);
    }
  });

  it('runs the library once for a user hook that both calls done and returns a promise', async () => {
    let handled = 0;
    const app = await build([{ method: 'GET', url: '/count', n: 1 }], {
      before: (adapter) => {
        adapter.getInstance().addHook('onResponse', async () => {
          handled++;
        });
        adapter.setOnRequestHook(async (_req, _reply, done) => {
          done();
        });
      },
    });
    const res = await app.request('/count');
    expect([res.status, exposedBy(res), res.headers['access-control-allow-origin']]).toEqual([200, 1, O]);
    expect(handled).toBe(1);
  });

  it('is the binding for the adapter type Nest reports, installed once per adapter: a second install adds no second hook', async () => {
    expect(bindingFor(new FastifyAdapter().getType())).toBe(fastifyBinding);
    let calls = 0;
    const app = await build(routes, { before: (adapter) => adapter.setOnRequestHook((_req, _reply, done) => (calls++, done())) });
    fastifyBinding.install(app.adapter, app.runtime as CorsRuntime);
    expect(exposedBy(await app.request('/a'))).toBe(1);
    expect(calls).toBe(1);
  });

  it('uses a root onRequest hook on an adapter without the slot', async () => {
    const app = await build(
      [
        { method: 'GET', url: '/a', n: 1 },
        { method: 'PUT', url: '/a/:id', n: 2 },
      ],
      { adapter: 'bare' },
    );
    expect(exposedBy(await app.request('/a'))).toBe(1);
    expect(decidedBy(await app.preflight('/a/1', 'PUT'))).toBe(2);
  });
});

describe('what the binding asks the router, and what it must not take from the controller routes', () => {
  const routes: Route[] = [
    { method: 'GET', url: '/items', n: 1 },
    { method: ['GET', 'PUT'], url: '/items/:id', n: 2 },
    { method: 'GET', url: '/:a/x', n: 8 },
  ];

  it('answers a plain static path from the recorded routes, and asks the router for anything else', async () => {
    const app = await build([...routes, { method: 'GET', url: '/empty', n: 3, constraints: {} }]);
    const asks = async (url: string, method: string) => {
      app.routerCalls.count = 0;
      const res = await app.preflight(url, method);
      expect(res.status).toBe(204);
      return app.routerCalls.count;
    };
    expect(await asks('/items', 'GET')).toBe(0);
    expect(await asks('/empty', 'GET')).toBe(0); // an empty constraints object is no constraint
    expect(await asks('/items/1', 'PUT')).toBe(2); // and whether GET, the route's other method, runs there too
    expect(await asks('/it%65ms', 'GET')).toBe(1);
    expect(await asks('/items', 'HEAD')).toBe(1);
    const loose = await build(routes, { fastify: { routerOptions: { ignoreDuplicateSlashes: true }, useSemicolonDelimiter: true } });
    const looseAsks = async (url: string) => {
      loose.routerCalls.count = 0;
      expect(decidedBy(await loose.preflight(url, 'GET'))).toBe(1);
      return loose.routerCalls.count;
    };
    expect(await looseAsks('/items')).toBe(0);
    expect(await looseAsks('//items')).toBe(1);
    expect(await looseAsks('/items;a=1')).toBe(1);
  });

  it('asks the router for every path once a route has constraints', async () => {
    const app = await build([...routes, { method: 'GET', url: '/v', n: 3, constraints: { host: 'api.example' } }]);
    app.routerCalls.count = 0;
    expect(decidedBy(await app.preflight('/items', 'GET'))).toBe(1);
    expect(app.routerCalls.count).toBe(1);
  });

  it('keeps a ";" in a parameter value when the router does not split on semicolons', async () => {
    const app = await build(routes);
    expect(decidedBy(await app.preflight('/items/a;b', 'PUT'))).toBe(2);
  });

  it('reads a request in absolute form as its path', async () => {
    const app = await build(routes);
    expect(decidedBy(await app.preflight('http://api.example/items/7', 'PUT'))).toBe(2);
    expect(exposedBy(await app.request('http://api.example/items/7'))).toBe(2);
  });

  it('does not give a route outside Nest the policy of a controller route that would also match the path', async () => {
    const app = await build([
      ...routes,
      { method: 'GET', url: '/x/:a' }, // outside Nest: find-my-way runs it for /x/x (static first segment)
      { method: 'GET', url: '/:a/:b', n: 4 },
      { method: 'GET', url: '/ext/:eid' }, // outside Nest, runs for /ext/1 before /:a/:b
      { method: 'GET', url: '/api/health' },
      { method: 'GET', url: '/api/:slug', n: 5 },
    ]);
    for (const url of ['/x/x', '/ext/1', '/api/health']) {
      const res = await app.preflight(url, 'GET');
      expect([url, res.status, decidedBy(res)]).toEqual([url, 403, null]);
    }
    expect(decidedBy(await app.preflight('/y/x', 'GET'))).toBe(8);
    expect(decidedBy(await app.preflight('/api/other', 'GET'))).toBe(5);
  });

  it('installed too late to record routes: HEAD from GET, @All() routes, and routes it cannot name', async () => {
    const app = await build(
      [
        { method: 'GET', url: '/g/:id', n: 3 },
        { method: 'ALL', url: '/all/:id', n: 6 },
        { method: 'GET', url: '/:a/:b', n: 4 },
        { method: 'GET', url: '/ext/:eid' },
      ],
      { late: true },
    );
    expect(decidedBy(await app.preflight('/g/1', 'HEAD'))).toBe(3);
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])
      expect([method, decidedBy(await app.preflight('/all/1', method))]).toEqual([method, 6]);
    expect((await app.preflight('/ext/1', 'GET')).status).toBe(403);
    expect(decidedBy(await app.preflight('/q/1', 'GET'))).toBe(4);
  });

  it('refuses what the route index matches but the router does not (a regex parameter)', async () => {
    const app = await build([{ method: 'GET', url: '/n/:id(^\\d+$)', n: 4 }]);
    expect(decidedBy(await app.preflight('/n/12', 'GET'))).toBe(4);
    const refused = await app.preflight('/n/ab', 'GET');
    expect([refused.status, decidedBy(refused)]).toEqual([403, null]);
  });

  it('names a route of the requested method, not another method’s route that would fill the same path', async () => {
    const app = await build([
      { method: 'PUT', url: '/:id/w', n: 1 },
      { method: 'GET', url: '/w/:id', n: 2 },
    ]);
    expect(decidedBy(await app.preflight('/w/w', 'PUT'))).toBe(1);
    expect(decidedBy(await app.preflight('/w/w', 'GET'))).toBe(2);
  });

  it('tells two routes under one prefix apart by the text around their parameters', async () => {
    const app = await build([
      { method: 'GET', url: '/q/:a-x', n: 1 },
      { method: 'GET', url: '/q/:a-y', n: 2 },
    ]);
    expect(decidedBy(await app.preflight('/q/1-y', 'GET'))).toBe(2);
    expect(decidedBy(await app.preflight('/q/1-x', 'GET'))).toBe(1);
  });

  it('never fills a route’s missing parameter (a trailing slash the router ignores)', async () => {
    const app = await build(
      [
        { method: 'GET', url: '/x/:a/:b', n: 1 },
        { method: 'GET', url: '/x/:a', n: 2 },
      ],
      { fastify: { routerOptions: { ignoreTrailingSlash: true } } },
    );
    expect(decidedBy(await app.preflight('/x/1', 'GET'))).toBe(2);
    expect(decidedBy(await app.preflight('/x/1/2', 'GET'))).toBe(1);
  });

  it('refuses a URL the router would refuse even where a path policy matches it', async () => {
    const app = await build([{ method: 'GET', url: '/long/:p' }], {
      fastify: { routerOptions: { maxParamLength: 20 } },
      paths: { '/long/{*rest}': { maxAge: 50 } },
    });
    expect(decidedBy(await app.preflight('/long/short', 'GET'))).toBe(50);
    const refused = await app.preflight(`/long/${'x'.repeat(21)}`, 'GET');
    expect([refused.status, decidedBy(refused)]).toEqual([403, null]);
  });
});

describe('what is a preflight', () => {
  const routes: Route[] = [
    { method: 'GET', url: '/a', n: 1 },
    { method: 'OPTIONS', url: '/o', n: 2 },
    { method: 'POST', url: '/graphql' },
  ];

  it('is OPTIONS with Origin and Access-Control-Request-Method: without either it is an actual OPTIONS request', async () => {
    const app = await build(routes, { paths: { '/graphql': { maxAge: 50 } } });
    const noOrigin = await app.request('/a', 'OPTIONS', { origin: undefined as never, 'access-control-request-method': 'GET' });
    expect([noOrigin.status, noOrigin.headers['access-control-allow-origin']]).toEqual([404, undefined]);
    const noMethod = await app.request('/o', 'OPTIONS');
    expect([noMethod.status, noMethod.body, exposedBy(noMethod)]).toEqual([200, 'OPTIONS /o', 2]);
    for (const url of ['/GRAPHQL', '/graph%71l']) {
      const withoutOrigin = await app.request(url, 'OPTIONS', { origin: undefined as never, 'access-control-request-method': 'POST' });
      expect([url, withoutOrigin.status]).toEqual([url, 404]);
      const withoutMethod = await app.request(url, 'OPTIONS');
      expect([url, withoutMethod.status]).toEqual([url, 404]);
    }
  });
});

describe('a request that carries Access-Control-Request-Method but is not OPTIONS', () => {
  it('is an actual request, on a controller route and on another spelling of a claimed path', async () => {
    const app = await build(
      [
        { method: 'GET', url: '/a', n: 1 },
        { method: 'GET', url: '/graphql' },
      ],
      { paths: { '/graphql': { maxAge: 50 } } },
    );
    const get = await app.request('/a', 'GET', { 'access-control-request-method': 'GET' });
    expect([get.status, get.body, exposedBy(get)]).toEqual([200, 'GET /a', 1]);
    const other = await app.request('/GRAPHQL', 'GET', { 'access-control-request-method': 'GET' });
    expect([other.status, other.headers['access-control-allow-origin']]).toEqual([404, undefined]);
  });
});

describe('the user’s hook, as the adapter runs it', () => {
  it('waits for a callback-style hook that calls done later, whatever it returns', async () => {
    const app = await build([{ method: 'GET', url: '/a', n: 1 }]);
    for (const value of [undefined, {}, 42]) {
      app.adapter.setOnRequestHook(((_req: unknown, _reply: unknown, done: () => void) => {
        setImmediate(done);
        return value;
      }) as never);
      const res = await app.request('/a');
      expect([res.status, exposedBy(res)]).toEqual([200, 1]);
    }
  });

  it('goes on when the hook calls done(null)', async () => {
    const app = await build([{ method: 'GET', url: '/a', n: 1 }]);
    app.adapter.setOnRequestHook((_req, _reply, done) => done(null as never));
    const res = await app.request('/a');
    expect([res.status, exposedBy(res)]).toEqual([200, 1]);
  });

  it('answers a hook rejected with nothing as a failed hook, with a message', async () => {
    const app = await build([{ method: 'GET', url: '/a', n: 1 }]);
    app.adapter.setOnRequestHook(() => Promise.reject(undefined));
    const res = await app.request('/a');
    expect([res.status, JSON.parse(res.body).message]).toEqual([500, 'onRequest hook rejected']);
  });

  it('decides once for a hook that calls done twice, or calls done and returns a promise', async () => {
    let asked = 0;
    const origin = (o: string | undefined) => (asked++, o === O);
    const app = await build([{ method: 'GET', url: '/a', n: 1, policy: { origin } }]);
    const hooks: Parameters<FastifyAdapter['setOnRequestHook']>[0][] = [
      (_req, _reply, done) => (done(), done()),
      async (_req, _reply, done) => {
        done();
      },
    ];
    for (const hook of hooks) {
      asked = 0;
      app.adapter.setOnRequestHook(hook);
      const res = await app.request('/a');
      expect([res.status, exposedBy(res), asked]).toEqual([200, 1, 1]);
    }
  });
});
