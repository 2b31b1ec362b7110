/** The engine alone, table-driven: policy + request → headers (no Nest, no HTTP). */
import { compilePolicy, CompiledPolicy } from '../../lib/core/cors-compiler.js';
import { actualHeaders, decidePreflight, isOriginAllowed, PreflightOutcome } from '../../lib/core/cors-engine.js';
import { MAX_ORIGIN_LENGTH } from '../../lib/core/cors-origin.js';
import type { CorsPolicy } from '../../lib/core/cors-policy.js';
import { CorsRouteIndex, RouteEntry } from '../../lib/core/cors-route-index.js';

function compile(policy: CorsPolicy): CompiledPolicy {
  const result = compilePolicy(policy, 'test');
  if (!result.policy) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

function index(routes: [string, string, CompiledPolicy | null][]) {
  const entries: RouteEntry[] = routes.map(([method, path, policy]) => ({ method, path, policy, info: null }));
  return new CorsRouteIndex(entries, { caseSensitive: false, ignoreTrailingSlash: true });
}

const APP = 'https://app.example.com';

describe('actual requests', () => {
  it.each<[string, CorsPolicy, string | undefined, [string, string][] | null]>([
    ['exact origin', { origin: APP }, APP, [['Access-Control-Allow-Origin', APP]]],
    ['refused origin', { origin: APP }, 'https://evil.test', null],
    ['no Origin header', { origin: APP }, undefined, null],
    ["'*'", { origin: '*' }, 'https://x.test', [['Access-Control-Allow-Origin', '*']]],
    ["'*' for the null origin", { origin: '*' }, 'null', [['Access-Control-Allow-Origin', '*']]],
    [
      'credentials and exposed headers',
      { origin: [APP], credentials: true, exposedHeaders: 'X-A, X-B' },
      APP,
      [
        ['Access-Control-Allow-Origin', APP],
        ['Access-Control-Allow-Credentials', 'true'],
        ['Access-Control-Expose-Headers', 'X-A, X-B'],
      ],
    ],
  ])('%s', (_name, policy, origin, expected) => {
    const compiled = compile(policy);
    const allowed = isOriginAllowed(compiled, origin, undefined);
    expect(allowed).toBe(expected !== null);
    if (expected) expect(actualHeaders(compiled, origin)).toEqual(expected);
  });

  it('hands only well-formed origins to a function, with the request', () => {
    const seen: unknown[][] = [];
    const dynamic = compile({ origin: (o: string, r: unknown) => (seen.push([o, r]), true) });
    expect(isOriginAllowed(dynamic, APP, 'req')).toBe(true);
    expect(isOriginAllowed(dynamic, 'null', 'req')).toBe(false);
    expect(isOriginAllowed(dynamic, 'https://App.example.com', 'req')).toBe(false);
    expect(isOriginAllowed(dynamic, 'https://app.example.com:443', 'req')).toBe(false);
    expect(isOriginAllowed(dynamic, undefined, 'req')).toBe(false);
    expect(seen).toEqual([[APP, 'req']]);
  });

  it('refuses an origin over MAX_ORIGIN_LENGTH before any matching, unless the policy is *', () => {
    const origin = `https://${'a'.repeat(MAX_ORIGIN_LENGTH - 8)}`;
    expect(isOriginAllowed(compile({ origin: () => true }), origin, undefined)).toBe(true);
    expect(isOriginAllowed(compile({ origin: () => true }), `${origin}a`, undefined)).toBe(false);
    expect(isOriginAllowed(compile({ origin: '*' }), `${origin}a`, undefined)).toBe(true);
  });

  it('a static list that refuses the origin leaves nothing else to ask', () => {
    expect(isOriginAllowed(compile({ origin: [APP] }), 'https://b.example', undefined)).toBe(false);
    expect(actualHeaders(compile({ origin: '*', exposedHeaders: '*' }), undefined)).toEqual([
      ['Access-Control-Allow-Origin', '*'],
      ['Access-Control-Expose-Headers', '*'],
    ]);
  });

  it('varies on Origin unless the policy is *', () => {
    expect(compile({ origin: APP }).varyOrigin).toBe(true);
    expect(compile({ origin: () => true }).varyOrigin).toBe(true);
    expect(compile({ origin: '*' }).varyOrigin).toBe(false);
  });
});

describe('preflight', () => {
  const open = compile({ origin: '*', allowedHeaders: '*' });
  const account = compile({ origin: APP, credentials: true, allowedHeaders: ['Content-Type', 'X-CSRF-Token'], maxAge: 600 });
  const reflect = compile({ origin: APP });
  const starCreds = compile({ origin: APP, credentials: true, allowedHeaders: '*' });
  const routes = index([
    ['GET', '/account', account],
    ['PUT', '/account', account],
    ['DELETE', '/account', reflect],
    ['GET', '/open', open],
    ['GET', '/star', starCreds],
    ['GET', '/items/:id', reflect],
    ['GET', '/items/special', open],
    ['POST', '/off', null],
  ]);

  it.each<[string, string, string, string | undefined, number, Record<string, string>]>([
    [
      'shared policy lists both methods',
      '/account',
      'PUT',
      'content-type',
      204,
      {
        'Access-Control-Allow-Origin': APP,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'GET, PUT',
        'Access-Control-Allow-Headers': 'content-type, x-csrf-token',
        'Access-Control-Max-Age': '600',
      },
    ],
    [
      'another policy at the same path lists only its method',
      '/account',
      'DELETE',
      'x-any',
      204,
      {
        'Access-Control-Allow-Origin': APP,
        'Access-Control-Allow-Methods': 'DELETE',
        'Access-Control-Allow-Headers': 'x-any',
      },
    ],
    [
      "'*' headers never cover Authorization implicitly",
      '/open',
      'GET',
      'authorization,x-a',
      204,
      {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': '*, authorization',
      },
    ],
    [
      "'*' headers with credentials reflect the list",
      '/star',
      'GET',
      'x-a,x-b',
      204,
      {
        'Access-Control-Allow-Origin': APP,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'x-a, x-b',
      },
    ],
    [
      'registration order decides, as in Express: /items/:id (first) also serves /items/special',
      '/items/special',
      'GET',
      undefined,
      204,
      {
        'Access-Control-Allow-Origin': APP,
        'Access-Control-Allow-Methods': 'GET',
      },
    ],
  ])('%s', (_name, path, method, requestHeaders, status, headers) => {
    const outcome = decidePreflight(routes.lookup(path)!, { origin: APP, method, requestHeaders });
    expect(outcome).toMatchObject({ ok: true, status });
    expect(Object.fromEntries((outcome as unknown as { headers: [string, string][] }).headers)).toEqual(headers);
  });

  it.each<[string, string, string, string | undefined, string, RegExp]>([
    ['unrouted method', '/account', 'PATCH', undefined, APP, /not routed/],
    ['disallowed header', '/account', 'PUT', 'x-evil', APP, /'x-evil' is not allowed/],
    ['refused origin', '/account', 'PUT', undefined, 'https://evil.test', /origin not allowed/],
    ['CORS off', '/off', 'POST', undefined, APP, /CORS is off/],
    ['malformed method', '/account', 'P UT', undefined, APP, /not a method/],
    ['malformed headers', '/account', 'PUT', 'a b', APP, /malformed/],
  ])('refuses: %s', (_name, path, method, requestHeaders, origin, reason) => {
    const outcome = decidePreflight(routes.lookup(path)!, { origin, method, requestHeaders });
    expect(outcome).toMatchObject({ ok: false, status: 403 });
    expect((outcome as { reason: string }).reason).toMatch(reason);
  });

  it.each<[string, CorsPolicy, string | undefined, Record<string, string>]>([
    ["'*' headers, no Authorization asked", { origin: '*', allowedHeaders: '*' }, 'x-a', { 'Access-Control-Allow-Headers': '*' }],
    ["'*' headers, nothing asked", { origin: '*', allowedHeaders: '*' }, undefined, { 'Access-Control-Allow-Headers': '*' }],
    ["'*' headers with credentials, nothing asked", { origin: APP, credentials: true, allowedHeaders: '*' }, undefined, {}],
    ['reflect, nothing asked', { origin: APP }, undefined, {}],
    ['reflect, empty list', { origin: APP }, ' , ', {}],
    ['a list, nothing asked', { origin: APP, allowedHeaders: ['X-A'] }, undefined, { 'Access-Control-Allow-Headers': 'x-a' }],
    ['an empty list, nothing asked', { origin: APP, allowedHeaders: [] }, undefined, {}],
    ['maxAge 0 is sent', { origin: APP, maxAge: 0 }, undefined, { 'Access-Control-Max-Age': '0' }],
    ['a 200 success status', { origin: APP, optionsSuccessStatus: 200 }, undefined, {}],
  ])('headers: %s', (_name, policy, requestHeaders, expected) => {
    const compiled = compile(policy);
    const outcome = decidePreflight(index([['PUT', '/x', compiled]]).lookup('/x')!, {
      origin: APP,
      method: 'PUT',
      requestHeaders,
    }) as PreflightOutcome;
    expect(outcome).toMatchObject({ ok: true, status: policy.optionsSuccessStatus ?? 204 });
    const headers = Object.fromEntries(outcome.ok ? outcome.headers : []);
    for (const name of ['Access-Control-Allow-Headers', 'Access-Control-Max-Age']) expect(headers[name]).toBe(expected[name]);
    expect(headers['Access-Control-Allow-Credentials']).toBe(policy.credentials ? 'true' : undefined);
  });

  it("names the route entry in the outcome, and a method the route's own methods do not grant", () => {
    const limited = compile({ origin: APP, methods: ['GET'] });
    const r = index([
      ['GET', '/m', limited],
      ['PUT', '/m', limited],
    ]);
    const group = r.lookup('/m')!;
    expect(decidePreflight(group, { origin: APP, method: 'GET', requestHeaders: undefined })).toMatchObject({
      ok: true,
      entry: group.entries[0],
    });
    expect(decidePreflight(group, { origin: APP, method: 'PUT', requestHeaders: undefined })).toEqual({
      ok: false,
      status: 403,
      reason: "PUT is not in the route's methods",
      entry: group.entries[1],
    });
    expect(decidePreflight(group, { origin: 'https://evil.test', method: 'GET', requestHeaders: undefined })).toEqual({
      ok: false,
      status: 403,
      reason: 'origin not allowed',
      entry: group.entries[0],
    });
  });

  it.each<[string, string, string | undefined, string]>([
    ['a method name over 32 characters', 'X'.repeat(33), undefined, 'Access-Control-Request-Method is not a method name'],
    ['an empty method', '', undefined, 'Access-Control-Request-Method is not a method name'],
    ['an unrouted method', 'PATCH', undefined, 'PATCH is not routed at this path'],
    ['a route with CORS off', 'POST', undefined, 'CORS is off for the route serving this method'],
    ['a header not in the list', 'GET', 'x-a,x-b', "request header 'x-b' is not allowed"],
    ['malformed request headers', 'GET', 'x-a;', 'Access-Control-Request-Headers is malformed or too long'],
  ])('says why: %s', (_name, method, requestHeaders, reason) => {
    const r = index([
      ['GET', '/w', compile({ origin: APP, allowedHeaders: ['X-A'] })],
      ['POST', '/w', null],
      ['ALL', '/long', compile({ origin: APP })],
    ]);
    expect(decidePreflight(r.lookup('/w')!, { origin: APP, method, requestHeaders })).toMatchObject({ ok: false, status: 403, reason });
  });

  it('accepts a method name of 32 characters', () => {
    const r = index([['ALL', '/all', compile({ origin: APP })]]);
    expect(decidePreflight(r.lookup('/all')!, { origin: APP, method: 'X'.repeat(32), requestHeaders: undefined })).toMatchObject({
      ok: true,
    });
  });

  it('reads the hostname for host-bound routes', () => {
    const entries: RouteEntry[] = [
      { method: 'GET', path: '/h', policy: compile({ origin: APP }), info: null, hosts: [/^api\.example$/] },
      { method: 'GET', path: '/h', policy: null, info: null },
    ];
    const group = new CorsRouteIndex(entries, { caseSensitive: false, ignoreTrailingSlash: true }).lookup('/h')!;
    expect(decidePreflight(group, { origin: APP, method: 'GET', requestHeaders: undefined, hostname: 'api.example' })).toMatchObject({
      ok: true,
    });
    expect(decidePreflight(group, { origin: APP, method: 'GET', requestHeaders: undefined, hostname: 'www.example' })).toMatchObject({
      ok: false,
    });
  });

  it('unknown paths have no group', () => {
    expect(routes.lookup('/nope')).toBeNull();
  });

  it('an async decider resolves the preflight', async () => {
    const dynamic = compile({ origin: async (o: string) => o === APP });
    const r = index([['PUT', '/d', dynamic]]);
    await expect(decidePreflight(r.lookup('/d')!, { origin: APP, method: 'PUT', requestHeaders: undefined })).resolves.toMatchObject({
      ok: true,
    });
    await expect(
      decidePreflight(r.lookup('/d')!, { origin: 'https://evil.test', method: 'PUT', requestHeaders: undefined }),
    ).resolves.toMatchObject({ ok: false });
  });
});

describe('compilePolicy problems', () => {
  it.each<[string, CorsPolicy, string, RegExp]>([
    ["credentials with '*'", { origin: '*', credentials: true }, 'origin', /credentials cannot be used with '\*'/],
    ["'*' in a list", { origin: ['*', APP] }, 'origin', /cannot be combined/],
    ['origin: true', { origin: true as never }, 'origin', /reflect every origin/],
    ['a non-anchored RegExp', { origin: /example\.com$/ }, 'origin', /anchor it/],
    ['an unescaped dot', { origin: /^https:\/\/app.example\.com$/ }, 'origin', /escape the dot/],
    ['a sticky RegExp', { origin: /^https:\/\/a\.example$/y }, 'origin', /'y' flag/],
    ['a reflecting RegExp with credentials', { origin: /^https:\/\/.+$/, credentials: true }, 'origin', /allows any origin/],
    [
      'an http-capable RegExp with credentials',
      { origin: /^https?:\/\/app\.example\.com$/, credentials: true },
      'origin',
      /dangerouslyAllowInsecureOrigins/,
    ],
    [
      'a RegExp over every .com site with credentials',
      { origin: /^https:\/\/[a-z]+\.com$/, credentials: true },
      'origin',
      /unrelated sites/,
    ],
    ['an unescaped dot after a character class', { origin: /^https:\/\/[a-z]+.example\.com$/ }, 'origin', /escape the dot/],
    ['http origin with credentials', { origin: 'http://app.example.com', credentials: true }, 'origin', /dangerouslyAllowInsecureOrigins/],
    ['forbidden method', { origin: APP, methods: ['CONNECT'] }, 'methods', /forbidden/],
    ['bad method token', { origin: APP, methods: 'GET,P(T' }, 'methods', /not a method/],
    ['forbidden request header', { origin: APP, allowedHeaders: ['Sec-Fetch-Mode'] }, 'allowedHeaders', /forbidden request header/],
    ['proxy- header', { origin: APP, allowedHeaders: ['Proxy-Authorization'] }, 'allowedHeaders', /forbidden request header/],
    ['exposed Set-Cookie', { origin: APP, exposedHeaders: ['Set-Cookie'] }, 'exposedHeaders', /never exposed/],
    ["exposed '*' with credentials", { origin: APP, credentials: true, exposedHeaders: '*' }, 'exposedHeaders', /literally named/],
    ['fractional maxAge', { origin: APP, maxAge: 1.5 }, 'maxAge', /whole seconds/],
    ['huge maxAge', { origin: APP, maxAge: 86401 }, 'maxAge', /0 to 86400/],
    ['non-2xx success status', { origin: APP, optionsSuccessStatus: 301 }, 'optionsSuccessStatus', /200–299/],
    ['unknown option', { origin: APP, preflightContinue: true } as never, 'preflightContinue', /always answered/],
  ])('%s', (_name, policy, field, reason) => {
    const { problems } = compilePolicy(policy, 'AccountController.update PUT /account');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ route: 'AccountController.update PUT /account', field });
    expect(problems[0].reason).toMatch(reason);
  });

  it('collects every problem at once', () => {
    const { problems } = compilePolicy({ origin: ['null', 'https://a.example/'], maxAge: -1, methods: ['TRACE'] }, 'r');
    expect(problems.map((p) => p.field)).toEqual(['origin', 'origin', 'methods', 'maxAge']);
  });

  it('allows the dangerous flag, and localhost without it', () => {
    expect(
      compilePolicy({ origin: 'http://intranet.example', credentials: true, dangerouslyAllowInsecureOrigins: true }, 'r').problems,
    ).toEqual([]);
    expect(
      compilePolicy(
        { origin: ['http://localhost:*', 'http://127.0.0.1:3000', 'http://[::1]:3000', 'http://app.localhost'], credentials: true },
        'r',
      ).problems,
    ).toEqual([]);
    expect(
      compilePolicy({ origin: [/^https?:\/\/localhost(?::\d+)?$/, /^https:\/\/(?:a|b)\.example\.com$/], credentials: true }, 'r').problems,
    ).toEqual([]);
    expect(compilePolicy({ origin: /^http:\/\/localhost\.evil\.com$/, credentials: true }, 'r').problems).toHaveLength(1);
  });
});
