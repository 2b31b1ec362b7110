/**
 * The compiler alone, table-driven: a policy → its compiled values, or every problem with its reason. (Requests
 * against compiled policies are in cors-engine.spec.ts.)
 */
import { compilePolicy, CompiledPolicy, CompileContext, describe as describeValue, hasOrigin } from '../../lib/core/cors-compiler.js';
import type { CorsPolicy } from '../../lib/core/cors-policy.js';

const APP = 'https://app.example.com';

function compile(policy: CorsPolicy, ctx?: CompileContext): CompiledPolicy {
  const result = compilePolicy(policy, 'test', ctx);
  if (!result.policy) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

/** The problems of `policy`, as "field: value: reason". */
function problems(policy: unknown, ctx?: CompileContext): string[] {
  return compilePolicy(policy as CorsPolicy, 'r', ctx).problems.map((p) => `${p.field}: ${p.value}: ${p.reason}`);
}

class TenantOrigins {
  isOriginAllowed() {
    return true;
  }
}

describe('describe (how a value is quoted in a problem)', () => {
  function named() {
    return true;
  }
  it.each<[unknown, string]>([
    ['x', "'x'"],
    [/^a$/i, '/^a$/i'],
    [named, 'named'],
    [[() => true][0], '[function]'],
    [['a', 1], "['a', 1]"],
    [[1, 2, 3, 4, 5], '[1, 2, 3, 4, 5]'],
    [[1, 2, 3, 4, 5, 6], '[1, 2, 3, 4, 5, … 6 items]'],
    [42, '42'],
    [null, 'null'],
  ])('%p → %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

describe('compiled values', () => {
  it('defaults: reflect headers, every routed method, 204, no credentials, vary on Origin', () => {
    const p = compile({ origin: APP });
    expect(p).toMatchObject({
      anyOrigin: false,
      credentials: false,
      decider: null,
      methods: null,
      allowedHeaders: 'reflect',
      allowHeadersValue: null,
      exposeHeadersValue: null,
      maxAgeValue: null,
      successStatus: 204,
      varyOrigin: true,
      actualTail: [],
    });
    expect(p.matcher?.matches(APP)).toBe(true);
    expect(p.source).toEqual({ origin: APP });
  });

  it("'*': any origin, no matcher, no Vary", () => {
    expect(compile({ origin: '*' })).toMatchObject({ anyOrigin: true, matcher: null, decider: null, varyOrigin: false });
  });

  it.each<[string, CorsPolicy['methods'], string[] | null]>([
    ['a list, upper-cased', ['get', 'Put'], ['GET', 'PUT']],
    ['a comma-separated string, trimmed, empty items skipped', ' get, PUT,,patch ,', ['GET', 'PUT', 'PATCH']],
    ["'*' alone: every routed method", '*', null],
    ["['*'] alone", ['*'], null],
  ])('methods: %s', (_name, methods, expected) => {
    const p = compile({ origin: APP, methods });
    expect(p.methods === null ? null : [...p.methods]).toEqual(expected);
  });

  it.each<[string, CorsPolicy['allowedHeaders'], unknown, string | null]>([
    ['a list, lower-cased', ['Content-Type', 'X-CSRF-Token'], ['content-type', 'x-csrf-token'], 'content-type, x-csrf-token'],
    ['a string', 'X-A, x-b', ['x-a', 'x-b'], 'x-a, x-b'],
    ['an empty list: none', [], [], null],
    ["'*'", '*', '*', null],
    ["['*']", ['*'], '*', null],
  ])('allowedHeaders: %s', (_name, allowedHeaders, expected, value) => {
    const p = compile({ origin: APP, allowedHeaders });
    expect(typeof p.allowedHeaders === 'string' ? p.allowedHeaders : [...p.allowedHeaders]).toEqual(expected);
    expect(p.allowHeadersValue).toBe(value);
  });

  it.each<[string, CorsPolicy, string | null, [string, string][]]>([
    ['a list, case kept', { origin: APP, exposedHeaders: ['X-Request-Id', 'ETag'] }, 'X-Request-Id, ETag', []],
    ['an empty list: none', { origin: APP, exposedHeaders: [] }, null, []],
    ["'*' without credentials", { origin: APP, exposedHeaders: '*' }, '*', []],
  ])('exposedHeaders: %s', (_name, policy, value) => {
    const p = compile(policy);
    expect(p.exposeHeadersValue).toBe(value);
    expect(p.actualTail).toEqual(value === null ? [] : [['Access-Control-Expose-Headers', value]]);
  });

  it('credentials come first in the headers of an actual response', () => {
    expect(compile({ origin: APP, credentials: true, exposedHeaders: 'X-A' }).actualTail).toEqual([
      ['Access-Control-Allow-Credentials', 'true'],
      ['Access-Control-Expose-Headers', 'X-A'],
    ]);
    expect(compile({ origin: APP, credentials: false }).actualTail).toEqual([]);
  });

  it.each([0, 1, 86400])('maxAge %d is sent as is', (maxAge) => {
    expect(compile({ origin: APP, maxAge }).maxAgeValue).toBe(String(maxAge));
  });

  it.each([200, 299])('optionsSuccessStatus %d', (status) => {
    expect(compile({ origin: APP, optionsSuccessStatus: status }).successStatus).toBe(status);
  });

  it('hasOrigin: whether the policy names an origin at all', () => {
    expect(hasOrigin({ origin: APP })).toBe(true);
    expect(hasOrigin({ credentials: true })).toBe(false);
  });

  it('compiles a policy without origin (no CORS headers: neither matcher nor decider)', () => {
    expect(compile({ credentials: true })).toMatchObject({ anyOrigin: false, matcher: null, decider: null });
  });
});

describe('origins', () => {
  it('a single string or RegExp is a list of one', () => {
    const s = compile({ origin: 'https://*.example.com' });
    expect(s.matcher?.matches('https://a.example.com')).toBe(true);
    const r = compile({ origin: /^https:\/\/(?:a|b)\.example\.com$/ });
    expect(r.matcher?.matches('https://b.example.com')).toBe(true);
    expect(r.matcher?.matches('https://c.example.com')).toBe(false);
  });

  it("the compiled RegExp keeps the user's flags", () => {
    const p = compile({ origin: /^https:\/\/APP\.example\.com$/i });
    expect(p.matcher?.matches('https://app.example.com')).toBe(true);
  });

  it('one array shared by many policies is compiled once, yet each problem names its own route', () => {
    const shared = ['https://a.example', 'https://a.example/'];
    const first = compilePolicy({ origin: shared }, 'A.first');
    const second = compilePolicy({ origin: shared }, 'B.second');
    expect(first.problems.map((p) => p.route)).toEqual(['A.first']);
    expect(second.problems.map((p) => p.route)).toEqual(['B.second']);
    const ok = ['https://a.example', 'https://b.example'];
    expect(compile({ origin: ok }).matcher).toBe(compile({ origin: ok, credentials: true }).matcher);
    expect(compile({ origin: [...ok] }).matcher).not.toBe(compile({ origin: ok }).matcher);
  });

  it.each<[string, CorsPolicy['origin'], RegExp]>([
    ["'*' among others", [APP, '*'], /'\*' cannot be combined with other origins: use origin: '\*' alone/],
    ['a bad origin string', 'https://app.example.com/', /^origin: 'https:\/\/app.example.com\/': origins have no path/],
    ['a number in the list', [APP, 42 as never], /^origin: 42: origin entries are strings or RegExps$/],
    ['origin: false', false as never, /to switch CORS off use @Cors\(false\)/],
    ['origin: true', true as never, /origin: true would reflect every origin/],
    ['origin: 42', 42 as never, /^origin: 42: origin is a string, a RegExp, an array of them, a function or a CorsOriginResolver class$/],
    ['origin: null', null as never, /^origin: null: origin is a string/],
  ])('refuses %s', (_name, origin, reason) => {
    const found = problems({ origin });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(reason);
  });

  it('names every problem of a list, each with its value', () => {
    expect(problems({ origin: ['null', APP, /^https:\/\/a\.example/] })).toEqual([
      expect.stringMatching(/^origin: 'null': 'null' is the origin of sandboxed iframes/),
      expect.stringMatching(/^origin: \/\^https:\\\/\\\/a\\.example\/: anchor it/),
    ]);
  });
});

describe('RegExp origins', () => {
  it.each<[string, RegExp]>([
    ['grouped alternatives', /^https:\/\/(?:a|b)\.example\.com$/],
    ["a '|' in a character class", /^https:\/\/[a|b]\.example\.com$/],
    ["an escaped '|'", /^https:\/\/a\|b\.example\.com$/],
    ["an escaped '$' before the anchor", /^https:\/\/a\.example\.com\$$/],
    ['an escaped backslash before the anchor', /^https:\/\/a\.example\.com\\$/],
    ['a dot before a quantifier', /^https:\/\/.+\.example\.com$/],
    ['an escaped dot after a group', /^https:\/\/(?:a|b)\.example\.com(?::\d+)?$/],
    ['a dot in a class', /^https:\/\/[a.]+\.example\.com$/],
    ['a dot at the end', /^https:\/\/a\.example\.com.$/],
  ])('accepts %s', (_name, re) => {
    expect(problems({ origin: re })).toEqual([]);
  });

  it.each<[string, RegExp, RegExp]>([
    ['the g flag', /^https:\/\/a\.example$/g, /remove the 'g' flag: it makes test\(\) stateful/],
    ['the y flag', /^https:\/\/a\.example$/y, /remove the 'y' flag/],
    [
      'no ^',
      /https:\/\/a\.example$/,
      /anchor it as \/\^…\$\/: unanchored, it also matches 'https:\/\/attacker.test\/\?https:\/\/a\.example' style/,
    ],
    ['no $', /^https:\/\/a\.example/, /anchor it/],
    ["an escaped '$' only", /^https:\/\/a\.example\$/, /anchor it/],
    ['a top-level |', /^https:\/\/a\.example$|^https:\/\/b\.example$/, /group the alternatives/],
    ["a '|' after a closed group", /^(?:https):\/\/a|b\.example$/, /group the alternatives/],
    ["a '|' after a closed class", /^https:\/\/[ab]|c\.example$/, /group the alternatives/],
    [
      'an unescaped dot',
      /^https:\/\/app.example\.com$/,
      /escape the dot in ':\\\/\\\/app.example': an unescaped '.' matches any character \('appxexample.com'\)$/,
    ],
    ['an unescaped dot near the start', /^a.b$/, /escape the dot in '\^a\.b\$'/],
    ['an unescaped dot before a digit', /^https:\/\/app\.example\.com:8.1$/, /escape the dot/],
    ['an unescaped upper-case dot', /^https:\/\/APP.EXAMPLE$/i, /escape the dot/],
  ])('refuses %s', (_name, re, reason) => {
    const found = problems({ origin: re });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(reason);
  });

  it.each<[string, RegExp, boolean]>([
    ['https only', /^https:\/\/app\.example\.com$/, true],
    ['https only, grouped', /^(?:https:\/\/app\.example\.com)$/, true],
    ['https with unescaped slashes', new RegExp('^https://app\\.example\\.com$'), true],
    ['loopback over http', /^http:\/\/localhost:\d+$/, true],
    ['loopback 127.0.0.1', /^https?:\/\/127\.0\.0\.1(?::\d+)?$/, true],
    ['loopback [::1]', /^http:\/\/\[::1\]:3000$/, true],
    ['http', /^http:\/\/app\.example\.com$/, false],
    ['https?', /^https?:\/\/app\.example\.com$/, false],
    ['a host that starts like localhost', /^http:\/\/localhost\.evil\.com$/, false],
  ])('with credentials, %s → allowed: %s', (_name, re, allowed) => {
    expect(problems({ origin: re, credentials: true })).toHaveLength(allowed ? 0 : 1);
    expect(problems({ origin: re, credentials: true, dangerouslyAllowInsecureOrigins: true })).toEqual([]);
  });

  it.each<[string, RegExp]>([
    ['any https origin', /^https:\/\/.+$/],
    ['the null origin', /^(?:null)$/],
    ['any .io site', /^https:\/\/[a-z]+\.io$/],
    ['any subdomain of a .com site', /^https:\/\/a\.[a-z]+\.com$/],
  ])('with credentials, refuses a RegExp that matches unrelated sites: %s', (_name, re) => {
    const found = problems({ origin: re, credentials: true });
    expect(found).toContainEqual(expect.stringMatching(/matches 'https:\/\/attacker.com' or similar/));
    expect(problems({ origin: re })).toEqual([]);
  });
});

describe('plain-http origins with credentials', () => {
  it('lists them, and accepts them with dangerouslyAllowInsecureOrigins: true only', () => {
    const policy: CorsPolicy = { origin: ['http://a.example', 'https://b.example', 'http://c.example'], credentials: true };
    expect(problems(policy)).toEqual([
      expect.stringMatching(/^origin: \['http:\/\/a.example', 'http:\/\/c.example'\]: plain-http origins with credentials/),
    ]);
    expect(problems({ ...policy, dangerouslyAllowInsecureOrigins: false })).toHaveLength(1);
    expect(problems({ ...policy, dangerouslyAllowInsecureOrigins: true })).toEqual([]);
    expect(problems({ ...policy, credentials: false })).toEqual([]);
  });

  it('allows loopback hosts over http', () => {
    expect(problems({ origin: ['http://sub.localhost:3000', 'http://127.1.2.3'], credentials: true })).toEqual([]);
    expect(problems({ origin: ['http://127.0.0.1.evil.com'], credentials: true })).toHaveLength(1);
  });
});

describe('function and resolver origins', () => {
  it.each<[string, unknown, boolean]>([
    ['true', true, true],
    ['false', false, false],
    ['a truthy non-boolean', 1, false],
    ['undefined', undefined, false],
    ['an object', {}, false],
  ])('a synchronous answer of %s is %s', (_name, answer, allowed) => {
    const p = compile({ origin: () => answer as boolean });
    expect(p.decider?.(APP, undefined)).toBe(allowed);
  });

  it.each<[string, () => unknown, boolean]>([
    ['resolves true', () => Promise.resolve(true), true],
    ['resolves a truthy non-boolean', () => Promise.resolve('yes'), false],
    ['resolves false', () => Promise.resolve(false), false],
    ['rejects', () => Promise.reject(new Error('down')), false],
    [
      'throws',
      () => {
        throw new Error('down');
      },
      false,
    ],
  ])('an origin function that %s → %s, never an exception', async (_name, fn, allowed) => {
    const p = compile({ origin: fn as () => boolean });
    expect(p.decider).not.toBeNull();
    await expect(Promise.resolve(p.decider!(APP, undefined))).resolves.toBe(allowed);
  });

  it('passes the origin and the request to the function', () => {
    const calls: unknown[][] = [];
    const p = compile({ origin: (o: string, r: unknown) => (calls.push([o, r]), true) });
    p.decider!(APP, 'request');
    expect(calls).toEqual([[APP, 'request']]);
  });

  it('resolver classes need the Nest layer to resolve them', () => {
    expect(problems({ origin: TenantOrigins })).toEqual([
      'origin: TenantOrigins: resolver classes need the Nest module (CorsModule) to be resolved',
    ]);
    const p = compile({ origin: TenantOrigins }, { resolveClass: () => (o) => o === APP });
    expect(p.decider?.(APP, undefined)).toBe(true);
    expect(p.decider?.('https://evil.test', undefined)).toBe(false);
  });

  it("reports the resolver's failure to resolve", () => {
    const failing = (error: unknown): CompileContext => ({
      resolveClass: () => {
        throw error;
      },
    });
    expect(problems({ origin: TenantOrigins }, failing(new Error('TenantOrigins is not a provider')))).toEqual([
      'origin: TenantOrigins: TenantOrigins is not a provider',
    ]);
    expect(problems({ origin: TenantOrigins }, failing('no DI'))).toEqual(['origin: TenantOrigins: no DI']);
  });

  it('wrapDecider sees the raw decider and its source; what it returns is made safe again', async () => {
    const fn = () => {
      throw new Error('raw');
    };
    const seen: unknown[] = [];
    const p = compile(
      { origin: fn },
      {
        wrapDecider: (decider, source) => {
          seen.push(source);
          expect(() => decider(APP, undefined)).toThrow('raw');
          return () => Promise.reject(new Error('wrapped'));
        },
      },
    );
    expect(seen).toEqual([fn]);
    await expect(p.decider!(APP, undefined)).resolves.toBe(false);
  });
});

describe('problems', () => {
  it.each<[string, unknown, string[]]>([
    [
      'not an object',
      'https://a.example',
      ['(policy): \'https://a.example\': a policy is an object such as { origin: "https://app.example.com" }, or false to switch CORS off'],
    ],
    ['null', null, [expect.stringMatching(/^\(policy\): null: a policy is an object/) as unknown as string]],
    [
      'an array',
      [APP],
      [expect.stringMatching(/^\(policy\): \['https:\/\/app.example.com'\]: a policy is an object/) as unknown as string],
    ],
    [
      'an unknown option',
      { origin: APP, prefix: '/api' },
      [
        "prefix: '/api': unknown option 'prefix': known options: origin, methods, allowedHeaders, exposedHeaders, credentials, maxAge, optionsSuccessStatus, dangerouslyAllowInsecureOrigins",
      ],
    ],
    [
      'preflightContinue',
      { origin: APP, preflightContinue: false },
      ["preflightContinue: false: unknown option 'preflightContinue': preflights are always answered by the library"],
    ],
    ['credentials not a boolean', { origin: APP, credentials: 'true' }, ["credentials: 'true': credentials is true or false"]],
    ['methods not a list', { origin: APP, methods: 42 }, ["methods: 42: methods is a list such as ['GET', 'PUT'] or a string 'GET,PUT'"]],
    ['a method not a string', { origin: APP, methods: ['GET', 7] }, ['methods: 7: not a method name (an HTTP token such as PUT)']],
    [
      'a forbidden method, any case',
      { origin: APP, methods: ['trace'] },
      ["methods: 'trace': TRACE is forbidden by Fetch: browsers never send it; remove it"],
    ],
    [
      'allowedHeaders not a list',
      { origin: APP, allowedHeaders: true },
      ["allowedHeaders: true: allowedHeaders is a list such as ['Content-Type'], or '*'"],
    ],
    [
      "'*' among header names",
      { origin: APP, allowedHeaders: ['X-A', '*'] },
      ["allowedHeaders: '*': not a header name ('*' must stand alone)"],
    ],
    [
      'a header name not a token',
      { origin: APP, allowedHeaders: ['X A'] },
      ["allowedHeaders: 'X A': not a header name ('*' must stand alone)"],
    ],
    ['a header name not a string', { origin: APP, allowedHeaders: [1] }, ["allowedHeaders: 1: not a header name ('*' must stand alone)"]],
    [
      'a forbidden request header',
      { origin: APP, allowedHeaders: ['Cookie'] },
      ["allowedHeaders: 'Cookie': 'Cookie' is a forbidden request header: browsers set it themselves and pages cannot; remove it"],
    ],
    [
      'exposedHeaders not a list',
      { origin: APP, exposedHeaders: {} },
      ["exposedHeaders: [object Object]: exposedHeaders is a list such as ['X-Request-Id'], or '*'"],
    ],
    [
      "'*' among exposed names",
      { origin: APP, exposedHeaders: ['*', 'X-A'] },
      ["exposedHeaders: '*': not a header name ('*' must stand alone)"],
    ],
    [
      'an exposed name not a token',
      { origin: APP, exposedHeaders: ['X(A)'] },
      ["exposedHeaders: 'X(A)': not a header name ('*' must stand alone)"],
    ],
    [
      'an exposed name not a string',
      { origin: APP, exposedHeaders: [null] },
      ["exposedHeaders: null: not a header name ('*' must stand alone)"],
    ],
    [
      'an exposed Set-Cookie2',
      { origin: APP, exposedHeaders: ['Set-Cookie2'] },
      ["exposedHeaders: 'Set-Cookie2': 'Set-Cookie2' is never exposed to pages (Fetch §forbidden response-header name); remove it"],
    ],
    [
      "exposed '*' with credentials",
      { origin: APP, credentials: true, exposedHeaders: ['*'] },
      ["exposedHeaders: '*': with credentials '*' is read as a header literally named '*': list the headers to expose"],
    ],
    [
      'a negative maxAge',
      { origin: APP, maxAge: -1 },
      ['maxAge: -1: maxAge is whole seconds from 0 to 86400 (browsers cap it further: Chromium at 7200)'],
    ],
    [
      'a string maxAge',
      { origin: APP, maxAge: '600' },
      [expect.stringMatching(/^maxAge: '600': maxAge is whole seconds/) as unknown as string],
    ],
    [
      'a success status below 200',
      { origin: APP, optionsSuccessStatus: 199 },
      ['optionsSuccessStatus: 199: a preflight only succeeds with an ok status: use 200–299 (204 by default)'],
    ],
    [
      'a success status of 300',
      { origin: APP, optionsSuccessStatus: 300 },
      [expect.stringMatching(/^optionsSuccessStatus: 300: /) as unknown as string],
    ],
    [
      'a fractional success status',
      { origin: APP, optionsSuccessStatus: 200.5 },
      [expect.stringMatching(/^optionsSuccessStatus: 200.5: /) as unknown as string],
    ],
    [
      'a string success status',
      { origin: APP, optionsSuccessStatus: '204' },
      [expect.stringMatching(/^optionsSuccessStatus: '204': /) as unknown as string],
    ],
    [
      'dangerouslyAllowInsecureOrigins not a boolean',
      { origin: APP, dangerouslyAllowInsecureOrigins: 'yes' },
      ["dangerouslyAllowInsecureOrigins: 'yes': true or false"],
    ],
  ])('%s', (_name, policy, expected) => {
    expect(problems(policy)).toEqual(expected);
  });

  it('a policy with problems compiles to nothing', () => {
    expect(compilePolicy({ origin: APP, maxAge: -1 }, 'r').policy).toBeNull();
  });
});
