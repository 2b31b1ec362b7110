/** Path policies in the engine alone, table-driven: `paths` + defaults → entries, and what the index then decides. */
import { compilePathPolicies, DEFAULT_PATH_METHODS, pathPatternProblem } from '../../lib/core/cors-paths.js';
import { compilePolicy } from '../../lib/core/cors-compiler.js';
import { decidePreflight } from '../../lib/core/cors-engine.js';
import type { CorsPolicy } from '../../lib/core/cors-policy.js';
import { CorsRouteIndex, RouteEntry } from '../../lib/core/cors-route-index.js';

const APP = 'https://app.example.com';
const TENANT = 'https://tenant.example';

describe('path patterns', () => {
  it.each<[string, RegExp | null]>([
    ['/graphql', null],
    ['/static/*path', null],
    ['/static{/*path}', null],
    ['/users/:id/avatar', null],
    ['/*path', null],
    ['graphql', /starts with '\/': use '\/graphql'/],
    ['', /starts with '\/'/],
    ['/static/*', /Missing parameter name.*named \('\/static\/\*path'\)/],
    ['/api(.*)', /Unexpected \(/],
    ['/docs?', /no query/],
    ['/docs#top', /no query or fragment/],
    ['/docs\\?', null],
    ['/a\\#b', null],
  ])('%s', (pattern, problem) => {
    const found = pathPatternProblem(pattern);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });
});

describe('compilePathPolicies', () => {
  const compile = (paths: unknown, defaults: CorsPolicy = { origin: APP }) => compilePathPolicies(paths, defaults);

  it('merges each policy over the defaults and grants GET, HEAD and POST when no methods are named', () => {
    const { paths, problems } = compile({ '/graphql': { credentials: true } });
    expect(problems).toEqual([]);
    expect(paths).toHaveLength(1);
    expect(paths[0].pattern).toBe('/graphql');
    expect(paths[0].methods).toEqual(['GET', 'POST']); // HEAD rides on GET's entry
    expect(paths[0].policy?.source).toEqual({ origin: APP, credentials: true, methods: DEFAULT_PATH_METHODS });
    expect([...paths[0].policy!.methods!]).toEqual(['GET', 'HEAD', 'POST']);
  });

  it.each<[string, CorsPolicy, CorsPolicy, string[]]>([
    ['named methods', {}, { methods: ['PUT', 'delete'] }, ['PUT', 'DELETE']],
    ['methods from the defaults', { methods: ['GET'] }, {}, ['GET']],
    ["'*': every method", {}, { methods: '*' }, ['ALL']],
    ['HEAD alone keeps its entry', {}, { methods: ['HEAD'] }, ['HEAD']],
  ])('%s', (_name, defaults, policy, methods) => {
    const { paths, problems } = compile({ '/x': policy }, { origin: APP, ...defaults });
    expect(problems).toEqual([]);
    expect(paths[0].methods).toEqual(methods);
  });

  it('tells which fields each path policy sets itself', () => {
    const { ownFields } = compile({ '/a': { credentials: true, maxAge: 60 }, '/b': false, '/c': {} });
    expect(ownFields).toEqual(
      new Map([
        ["paths['/a']", new Set(['credentials', 'maxAge'])],
        ["paths['/c']", new Set()],
      ]),
    );
  });

  it('nothing to compile without paths', () => {
    expect(compile(undefined)).toEqual({ paths: [], problems: [], ownFields: new Map() });
  });

  it.each<[string, unknown, { route: string; field: string; value: string; reason: string }]>([
    [
      'paths not an object',
      'graphql',
      {
        route: 'CorsModule.forRoot',
        field: 'paths',
        value: "'graphql'",
        reason: "paths maps a path pattern to a policy or false: { '/graphql': { credentials: true }, '/api-json': { origin: '*' } }",
      },
    ],
    ['paths null', null, expect.objectContaining({ route: 'CorsModule.forRoot', field: 'paths', value: 'null' })],
    [
      'a bad pattern',
      { graphql: false },
      {
        route: "paths['graphql']",
        field: 'path',
        value: "'graphql'",
        reason: "a path pattern starts with '/': use '/graphql' (the path the browser requests; the global prefix is not added)",
      },
    ],
    [
      'a policy that is not an object',
      { '/x': 42 },
      { route: "paths['/x']", field: '(policy)', value: '42', reason: 'a path policy is an object (the fields of @Cors()) or false' },
    ],
    [
      'null as a policy',
      { '/x': null },
      { route: "paths['/x']", field: '(policy)', value: 'null', reason: 'a path policy is an object (the fields of @Cors()) or false' },
    ],
    [
      'an array as a policy',
      { '/x': [] },
      { route: "paths['/x']", field: '(policy)', value: '[]', reason: 'a path policy is an object (the fields of @Cors()) or false' },
    ],
    [
      'no origin',
      { '/x': { credentials: true } },
      {
        route: "paths['/x']",
        field: 'origin',
        value: 'undefined',
        reason: 'no origin here nor in the module defaults: give this path an origin, or false to switch CORS off',
      },
    ],
  ])('reports %s exactly', (_name, paths, problem) => {
    const result = compilePathPolicies(paths, {});
    expect(result.problems).toEqual([problem]);
    expect(result.paths).toEqual([]);
  });

  it('says what a bad pattern should be in the syntax Nest 12 routes with', () => {
    expect(pathPatternProblem('/static/*')).toBe(
      "not a path pattern in the syntax Nest 12 routes with (path-to-regexp 8): Missing parameter name at index 9: /static/*. Wildcards are named ('/static/*path'), optional parts go in braces ('/static{/*path}'), '(.*)' and a bare '*' are gone",
    );
    expect(pathPatternProblem('//x')).toBeNull();
    expect(pathPatternProblem('x/y')).toMatch(/use '\/x\/y'/);
    expect(pathPatternProblem('///x')).toBeNull();
  });

  it('false is one entry for every method, with no policy', () => {
    expect(compile({ '/legacy': false }).paths).toEqual([{ pattern: '/legacy', methods: ['ALL'], policy: null }]);
  });

  it('keeps the order written', () => {
    expect(compile({ '/b': {}, '/a': false, '/c{/*p}': {} }).paths.map((p) => p.pattern)).toEqual(['/b', '/a', '/c{/*p}']);
  });

  it.each<[string, unknown, CorsPolicy, RegExp]>([
    ['not an object', ['/x'], { origin: APP }, /maps a path pattern/],
    ['true', { '/x': true }, { origin: APP }, /use \{\} to apply the module defaults/],
    ['a string', { '/x': 'https://a.example' }, { origin: APP }, /an object \(the fields of @Cors\(\)\) or false/],
    ['no origin anywhere', { '/x': {} }, {}, /no origin here nor in the module defaults/],
    ["credentials with '*'", { '/x': { origin: '*', credentials: true } }, {}, /credentials cannot be used with '\*'/],
    ['a forbidden method', { '/x': { methods: ['CONNECT'] } }, { origin: APP }, /forbidden by Fetch/],
    ['an unknown field', { '/x': { prefix: true } }, { origin: APP }, /unknown option 'prefix'/],
  ])('refuses %s', (_name, paths, defaults, reason) => {
    const { problems } = compile(paths, defaults);
    expect(problems.map((p) => p.reason).join(' | ')).toMatch(reason);
  });

  it('reports a bad pattern and its policy problems together, and compiles nothing for it', () => {
    const { paths, problems } = compile({ '/static/*': { origin: '*', credentials: true }, '/ok': {} });
    expect(problems.map((p) => [p.route, p.field])).toEqual([
      ["paths['/static/*']", 'path'],
      ["paths['/static/*']", 'origin'],
    ]);
    expect(paths.map((p) => p.pattern)).toEqual(['/ok']);
  });
});

describe('path entries in the route index', () => {
  const policy = (p: CorsPolicy) => compilePolicy({ methods: DEFAULT_PATH_METHODS, ...p }, 'test').policy!;
  const gql = policy({ origin: TENANT, credentials: true });
  const ctrl = compilePolicy({ origin: APP }, 'test').policy!;
  const entries: RouteEntry[] = [
    { method: 'GET', path: '/graphql', policy: ctrl, info: 'controller' },
    { method: 'GET', path: '/graphql', policy: gql, info: 'path', pathPolicy: true },
    { method: 'POST', path: '/graphql', policy: gql, info: 'path', pathPolicy: true },
    { method: 'ALL', path: '/files/private{/*p}', policy: null, info: 'off', pathPolicy: true },
    { method: 'GET', path: '/files{/*p}', policy: policy({ origin: '*' }), info: 'files', pathPolicy: true },
  ];
  const index = new CorsRouteIndex(entries, { caseSensitive: false, ignoreTrailingSlash: true });

  it.each<[string, string, string, number, string | null]>([
    ['the controller route wins for its method', '/graphql', 'GET', 403, null],
    ['the path policy decides the others', '/graphql', 'POST', 204, TENANT],
    ['a method neither grants', '/graphql', 'DELETE', 403, null],
    ['false, listed first, wins over a wider pattern', '/files/private/a', 'GET', 403, null],
    ['the wider pattern', '/files/a', 'GET', 204, '*'],
  ])('%s', async (_name, path, method, status, acao) => {
    const outcome = await decidePreflight(index.lookup(path)!, { origin: TENANT, method, requestHeaders: 'x-a' });
    expect(outcome.status).toBe(status);
    expect(outcome.ok ? Object.fromEntries(outcome.headers)['Access-Control-Allow-Origin'] : null).toBe(acao);
  });

  it('says why a method is refused where a path policy decides', async () => {
    const outcome = await decidePreflight(index.lookup('/graphql')!, { origin: TENANT, method: 'DELETE', requestHeaders: undefined });
    expect(outcome).toMatchObject({ ok: false, reason: 'DELETE is not in the methods of the path policy' });
    const off = await decidePreflight(index.lookup('/files/private/x')!, { origin: TENANT, method: 'GET', requestHeaders: undefined });
    expect(off).toMatchObject({ ok: false, reason: 'CORS is off for this path (its path policy is false)' });
  });
});
