/** The route index in the engine alone: which entries serve a path and a method, as Express and Fastify route them. */
import { compilePolicy, CompiledPolicy } from '../../lib/core/cors-compiler.js';
import type { CorsPolicy } from '../../lib/core/cors-policy.js';
import { CorsRouteIndex, RouteEntry, RouteGroup, RouteIndexOptions } from '../../lib/core/cors-route-index.js';

function compile(policy: CorsPolicy): CompiledPolicy {
  const result = compilePolicy(policy, 'test');
  if (!result.policy) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

const express: RouteIndexOptions = { caseSensitive: false, ignoreTrailingSlash: true };
const A = compile({ origin: 'https://a.example' });
const B = compile({ origin: 'https://b.example' });

type Row = [method: string, path: string, policy?: CompiledPolicy | null, extra?: Partial<RouteEntry<string>>];
function entries(rows: Row[]): RouteEntry<string>[] {
  return rows.map(([method, path, policy = A, extra], i) => ({ method, path, policy, info: `#${i}`, ...extra }));
}
/** The `info` of the entries serving `path`, in order, or null when no route serves it. */
function served(index: CorsRouteIndex<string>, path: string): string[] | null {
  return index.lookup(path)?.entries.map((e) => e.info) ?? null;
}

describe('lookup', () => {
  it('finds static paths, folding case and a trailing slash as Express does', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/Cats'],
        ['GET', '/'],
      ]),
      express,
    );
    expect(served(index, '/Cats')).toEqual(['#0']);
    expect(served(index, '/cats/')).toEqual(['#0']);
    expect(served(index, '/CATS')).toEqual(['#0']);
    expect(served(index, '/')).toEqual(['#1']);
    expect(served(index, '/dogs')).toBeNull();
  });

  it('is exact when the router is case- and slash-sensitive', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/Cats'],
        ['GET', '/dogs/:id'],
      ]),
      {
        caseSensitive: true,
        ignoreTrailingSlash: false,
      },
    );
    expect(served(index, '/Cats')).toEqual(['#0']);
    expect(served(index, '/cats')).toBeNull();
    expect(served(index, '/Cats/')).toBeNull();
    expect(served(index, '/dogs/1')).toEqual(['#1']);
    expect(served(index, '/Dogs/1')).toBeNull();
    expect(served(index, '/dogs/1/')).toBeNull();
  });

  it('folds duplicate slashes only when the router does', () => {
    const rows: Row[] = [
      ['GET', '/a/b'],
      ['GET', '/c/:id'],
    ];
    const folding = new CorsRouteIndex(entries(rows), { ...express, ignoreDuplicateSlashes: true });
    expect(served(folding, '/a//b')).toEqual(['#0']);
    expect(served(folding, '//c///1')).toEqual(['#1']);
    const strict = new CorsRouteIndex(entries(rows), express);
    expect(served(strict, '/a//b')).toBeNull();
    expect(served(strict, '//c/1')).toBeNull();
  });

  it('matches parameterized paths on the raw path, in registration order across first segments', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/cats/:id'],
        ['PUT', '/:kind/:id'],
        ['GET', '/cats/:id/toys'],
        ['DELETE', '/cats{/:id}'],
        ['GET', '/dogs/:id'],
        ['POST', '/*rest'],
      ]),
      express,
    );
    expect(served(index, '/cats/1')).toEqual(['#0', '#1', '#3', '#5']);
    expect(served(index, '/CATS/1')).toEqual(['#0', '#1', '#3', '#5']);
    expect(served(index, '/cats/1/toys')).toEqual(['#2', '#5']);
    expect(served(index, '/cats')).toEqual(['#3', '#5']);
    expect(served(index, '/dogs/2')).toEqual(['#1', '#4', '#5']);
    expect(served(index, '/birds/2')).toEqual(['#1', '#5']);
    expect(served(index, '/')).toBeNull(); // '*rest' needs at least one character
    expect(served(index, '/cats/a%2Fb')).toEqual(['#0', '#1', '#3', '#5']);
  });

  it('a pattern made only of a parameter is tested for every first segment', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/:slug'],
        ['GET', '/x/:id'],
        ['GET', '{/*all}'],
      ]),
      express,
    );
    expect(served(index, '/anything')).toEqual(['#0', '#2']);
    expect(served(index, '/x')).toEqual(['#0', '#2']);
    expect(served(index, '/x/1')).toEqual(['#1', '#2']);
    expect(served(index, '/')).toEqual(['#2']);
  });

  it('answers the same for a path seen before (the groups of parameterized paths are cached)', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/cats/:id'],
        ['PUT', '/cats/:id'],
      ]),
      express,
    );
    const first = index.lookup('/cats/1')!;
    expect(index.lookup('/cats/2')!.entries).toEqual(first.entries);
    for (let i = 0; i < 1100; i++) expect(served(index, `/cats/${i}`)).toEqual(['#0', '#1']);
  });

  it('a static path also belongs to the parameterized routes that match it, in registration order', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/cats/:id'],
        ['GET', '/cats/special'],
        ['PUT', '/cats/:id'],
        ['GET', '/dogs/:id'],
      ]),
      express,
    );
    expect(served(index, '/cats/special')).toEqual(['#0', '#1', '#2']);
    expect(served(index, '/cats/SPECIAL/')).toEqual(['#0', '#1', '#2']);
  });

  it("spells controller routes with the router's own syntax through toPattern, but not path policies", () => {
    const toPattern = (path: string) => path.replace(/\*$/, '*rest');
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/files/*'],
        ['POST', '/api/:id', A, { pathPolicy: true }],
      ]),
      { ...express, toPattern: (p) => toPattern(p) },
    );
    expect(served(index, '/files/a/b')).toEqual(['#0']);
    expect(served(index, '/api/1')).toEqual(['#1']);
    const seen: string[] = [];
    new CorsRouteIndex(
      entries([
        ['GET', '/files/*'],
        ['POST', '/api/:id', A, { pathPolicy: true }],
        ['GET', '/static'],
      ]),
      { ...express, toPattern: (p) => (seen.push(p), toPattern(p)) },
    );
    expect(seen).toEqual(['/files/*']);
  });

  it('has path policies when some entry is one', () => {
    expect(new CorsRouteIndex(entries([['GET', '/a']]), express).hasPathPolicies).toBe(false);
    expect(new CorsRouteIndex(entries([['GET', '/a', A, { pathPolicy: true }]]), express).hasPathPolicies).toBe(true);
  });
});

describe('paths a static path policy claims', () => {
  // Built in each test, not once here: mutation testing credits a test only with the code it runs itself.
  const claiming = () =>
    new CorsRouteIndex(
      entries([
        ['POST', '/:slug'],
        ['GET', '/graphql', B],
        ['GET', '/graphql', A, { pathPolicy: true }],
        ['POST', '/graphql', A, { pathPolicy: true }],
        ['GET', '/docs/:page', A, { pathPolicy: true }],
      ]),
      { ...express, ignoreDuplicateSlashes: true },
    );

  it('are served by the controller routes with that very path, then the path policies, never a parametric route', () => {
    const index = claiming();
    expect(served(index, '/graphql')).toEqual(['#1', '#2', '#3']);
    expect(index.claimedGroup('/graphql')).toBe(index.lookup('/graphql'));
    expect(index.claimedGroup('/GraphQL/')).toBe(index.lookup('/graphql'));
    expect(index.claimedGroup('//graphql')).toBe(index.lookup('/graphql'));
  });

  it('only static path policies claim a path', () => {
    const index = claiming();
    expect(index.claimedGroup('/docs/intro')).toBeNull();
    expect(index.claimedGroup('/other')).toBeNull();
    expect(served(index, '/other')).toEqual(['#0']);
  });

  it('recognizes another spelling of a claimed path (percent-escapes), but not the path itself nor others', () => {
    const index = claiming();
    expect(index.claimedInAnotherSpelling('/graph%71l')).toBe(true);
    expect(index.claimedInAnotherSpelling('/GRAPH%71L/')).toBe(true);
    expect(index.claimedInAnotherSpelling('//graph%71l')).toBe(true);
    expect(index.claimedInAnotherSpelling('/graphql')).toBe(false);
    expect(index.claimedInAnotherSpelling('/GRAPHQL')).toBe(false);
    expect(index.claimedInAnotherSpelling('/other')).toBe(false);
    expect(index.claimedInAnotherSpelling('/%E0%A4%A')).toBe(false); // not decodable
  });

  it('on a case-sensitive router, another case is another spelling', () => {
    const strict = new CorsRouteIndex(entries([['GET', '/graphql', A, { pathPolicy: true }]]), {
      caseSensitive: true,
      ignoreTrailingSlash: false,
    });
    expect(strict.claimedGroup('/GRAPHQL')).toBeNull();
    expect(strict.claimedInAnotherSpelling('/GRAPHQL')).toBe(true);
    expect(strict.claimedInAnotherSpelling('/graphql/')).toBe(false);
    expect(strict.claimedInAnotherSpelling('/graphql//')).toBe(false);
  });

  it('none without path policies', () => {
    const plain = new CorsRouteIndex(entries([['GET', '/graphql']]), express);
    expect(plain.claimedGroup('/graphql')).toBeNull();
    expect(plain.claimedInAnotherSpelling('/graph%71l')).toBe(false);
  });
});

describe('RouteGroup', () => {
  const group = (rows: Row[], headFromGet = true) => new RouteGroup(entries(rows), headFromGet);

  it('serves a method with the first entry registered for it, @All() included, HEAD with GET', () => {
    const g = group([
      ['GET', '/x', A],
      ['ALL', '/x', B],
      ['GET', '/x', B],
    ]);
    expect(g.forMethod('GET')?.info).toBe('#0');
    expect(g.forMethod('HEAD')?.info).toBe('#0');
    expect(g.forMethod('PATCH')?.info).toBe('#1');
    expect(group([['GET', '/x']], false).forMethod('HEAD')).toBeUndefined();
    expect(group([['POST', '/x']]).forMethod('HEAD')).toBeUndefined();
  });

  it('skips entries bound to other hosts, and every host-bound entry when the hostname is unknown', () => {
    const g = group([
      ['GET', '/x', A, { hosts: [/^api\.example$/, /^v2\.example$/] }],
      ['GET', '/x', B],
    ]);
    expect(g.hostBound).toBe(true);
    expect(g.forMethod('GET', 'api.example')?.info).toBe('#0');
    expect(g.forMethod('GET', 'v2.example')?.info).toBe('#0');
    expect(g.forMethod('GET', 'www.example')?.info).toBe('#1');
    expect(g.forMethod('GET')?.info).toBe('#1');
    expect(group([['GET', '/x']]).hostBound).toBe(false);
  });

  it('tells whether some entry decides origins dynamically or comes from a path policy', () => {
    const dynamic = compile({ origin: () => true });
    expect(
      group([
        ['GET', '/x', A],
        ['PUT', '/x', null],
      ]).dynamicOrigins,
    ).toBe(false);
    expect(
      group([
        ['GET', '/x', A],
        ['PUT', '/x', dynamic],
      ]).dynamicOrigins,
    ).toBe(true);
    expect(group([['GET', '/x', A]]).hasPathPolicy).toBe(false);
    expect(
      group([
        ['GET', '/x', A],
        ['PUT', '/x', A, { pathPolicy: true }],
      ]).hasPathPolicy,
    ).toBe(true);
  });

  describe('allowMethods', () => {
    it("lists the methods routed here that share the entry's policy, in order, once each", () => {
      const g = group([
        ['GET', '/x', A],
        ['PUT', '/x', A],
        ['DELETE', '/x', B],
        ['PUT', '/x', B],
        ['POST', '/x', A],
      ]);
      expect(g.allowMethods(g.entries[1], 'PUT')).toBe('GET, PUT, POST');
      expect(g.allowMethods(g.entries[1], 'GET')).toBe('GET, PUT, POST');
      expect(g.allowMethods(g.entries[2], 'DELETE')).toBe('DELETE');
      // the second PUT never runs (the first PUT serves it): its policy grants only DELETE here
      expect(g.allowMethods(g.entries[3], 'DELETE')).toBe('DELETE');
    });

    it("leaves out what the policy's methods do not grant, and @All() entries, but always lists the requested method", () => {
      const limited = compile({ origin: 'https://a.example', methods: ['PUT', 'PATCH'] });
      const g = group([
        ['GET', '/x', limited],
        ['PUT', '/x', limited],
        ['ALL', '/x', limited],
      ]);
      expect(g.allowMethods(g.entries[1], 'PUT')).toBe('PUT');
      expect(g.allowMethods(g.entries[2], 'PATCH')).toBe('PUT, PATCH');
      expect(g.allowMethods(g.entries[2], 'PATCH')).toBe('PUT, PATCH');
    });

    it('an @All() entry answers each requested method (its answer is not reused for another method)', () => {
      const g = group([
        ['GET', '/x', A],
        ['ALL', '/x', A],
      ]);
      expect(g.allowMethods(g.entries[1], 'PATCH')).toBe('GET, PATCH');
      expect(g.allowMethods(g.entries[1], 'DELETE')).toBe('GET, DELETE');
      expect(g.allowMethods(g.entries[1], 'PATCH')).toBe('GET, PATCH');
    });

    it('HEAD, served by GET, is listed when asked for, and a later GET preflight still lists GET', () => {
      const g = group([['GET', '/x', A]]);
      expect(g.allowMethods(g.entries[0], 'HEAD')).toBe('GET, HEAD');
      expect(g.allowMethods(g.entries[0], 'GET').split(', ')).toContain('GET');
    });

    it('host-bound groups list what serves the hostname asked for, each time', () => {
      const g = group([
        ['GET', '/x', A, { hosts: [/^api\.example$/] }],
        ['PUT', '/x', A],
        ['GET', '/x', B],
      ]);
      expect(g.allowMethods(g.entries[1], 'PUT', 'api.example')).toBe('GET, PUT');
      expect(g.allowMethods(g.entries[1], 'PUT', 'www.example')).toBe('PUT');
      expect(g.allowMethods(g.entries[1], 'PUT', 'api.example')).toBe('GET, PUT');
    });
  });
});

describe('the index, at its edges', () => {
  it('has path policies when some entry is one, among controller routes', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/a'],
        ['GET', '/b', A, { pathPolicy: true }],
      ]),
      express,
    );
    expect(index.hasPathPolicies).toBe(true);
  });

  it('serves HEAD with GET unless the router does not (headFromGet: false), for static and parameterized paths', () => {
    const rows: Row[] = [
      ['GET', '/s'],
      ['GET', '/d/:id'],
    ];
    const withHead = new CorsRouteIndex(entries(rows), express);
    expect(withHead.lookup('/s')!.forMethod('HEAD')?.info).toBe('#0');
    expect(withHead.lookup('/d/1')!.forMethod('HEAD')?.info).toBe('#1');
    const withoutHead = new CorsRouteIndex(entries(rows), { ...express, headFromGet: false });
    expect(withoutHead.lookup('/s')!.forMethod('HEAD')).toBeUndefined();
    expect(withoutHead.lookup('/d/1')!.forMethod('HEAD')).toBeUndefined();
    expect(new RouteGroup(entries([['GET', '/x']])).forMethod('HEAD')?.info).toBe('#0'); // the default
  });

  it('tests a route filed under a first segment when it comes after every pattern tested for all paths', () => {
    const index = new CorsRouteIndex(
      entries([
        ['GET', '/:slug'],
        ['GET', '/cats/:id'],
        ['PUT', '/cats/:id'],
      ]),
      express,
    );
    expect(served(index, '/cats/1')).toEqual(['#1', '#2']);
    expect(served(index, '/cats')).toEqual(['#0']);
  });

  it('keeps one group per combination of matching routes, for at most 1 024 combinations', () => {
    const rows: Row[] = Array.from({ length: 1_100 }, (_, i): Row => ['GET', `/r${i}/:id`]);
    const index = new CorsRouteIndex(entries(rows), express);
    expect(index.lookup('/r0/a')).toBe(index.lookup('/r0/b'));
    for (let i = 1; i < 1_024; i++) expect(index.lookup(`/r${i}/a`)).toBe(index.lookup(`/r${i}/b`));
    // The 1 025th combination is answered, not kept.
    const late = index.lookup('/r1024/a')!;
    expect(late.entries.map((e) => e.info)).toEqual(['#1024']);
    expect(index.lookup('/r1024/a')).not.toBe(late);
    expect(index.lookup('/r0/c')).toBe(index.lookup('/r0/a'));
  });

  it('a claimed path with duplicate slashes is that path only when the router folds them', () => {
    const rows: Row[] = [['POST', '/graphql', A, { pathPolicy: true }]];
    const strict = new CorsRouteIndex(entries(rows), express);
    expect(strict.claimedGroup('//graphql')).toBeNull();
    expect(strict.claimedInAnotherSpelling('//graphql')).toBe(false);
    const folding = new CorsRouteIndex(entries(rows), { ...express, ignoreDuplicateSlashes: true });
    expect(folding.claimedGroup('//graphql')?.entries.map((e) => e.info)).toEqual(['#0']);
    expect(folding.claimedInAnotherSpelling('//graph%71l')).toBe(true);
  });
});

describe('RouteGroup, at its edges', () => {
  it('a host-bound entry never serves a request whose hostname is unknown, even one bound to every host', () => {
    const g = new RouteGroup(entries([['GET', '/x', A, { hosts: [/.*/] }]]));
    expect(g.forMethod('GET')).toBeUndefined();
    expect(g.forMethod('GET', 'any.example')?.info).toBe('#0');
  });

  it('lists the methods of an entry with CORS off (null policy): those of the other entries with CORS off', () => {
    const g = new RouteGroup(
      entries([
        ['GET', '/x', null],
        ['PUT', '/x', null],
        ['POST', '/x', A],
      ]),
    );
    expect(g.allowMethods(g.entries[0], 'GET')).toBe('GET, PUT');
  });
});
