/**
 * Plain-data descriptions of policies and requests (so a failing case prints as readable JSON), the fast-check
 * arbitraries that generate them, the CorsPolicy each describes, and an oracle saying what the policy allows,
 * written from the option documentation rather than from the engine.
 */
import fc from 'fast-check';
import type { CorsPolicy } from '../../lib/core/index.js';
import type { Header, ModelRequest } from './fetch.model.js';

export type Scheme = 'http' | 'https';

export type OriginSpec =
  /** 'https://app.example.com[:port]', possibly written with an upper-case host. */
  | { kind: 'exact'; scheme: Scheme; host: string; port?: number; upper?: boolean }
  /** 'http://localhost:*' */
  | { kind: 'any-port'; scheme: Scheme; host: string }
  /** 'https://*.example.com[:port|:*]' */
  | { kind: 'subdomains'; scheme: Scheme; suffix: string; port?: number | '*' }
  /** /^https:\/\/(?:[a-z0-9-]+\.)?example\.com(:port)?$/ */
  | { kind: 'regexp'; scheme: Scheme; host: string; port?: number };

export type OriginOptionSpec =
  | '*'
  | { list: OriginSpec[] }
  /** A function (sync or async) allowing exactly these origins. */
  | { fn: 'sync' | 'async'; allow: string[] };

export interface PolicySpec {
  origin: OriginOptionSpec;
  credentials?: boolean;
  methods?: '*' | string[];
  allowedHeaders?: '*' | string[];
  exposedHeaders?: '*' | string[];
  maxAge?: number;
  optionsSuccessStatus?: number;
  dangerouslyAllowInsecureOrigins?: boolean;
}

export const ROUTABLE_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
export const REQUEST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;
const HOSTS = ['app.example.com', 'example.com', 'api.corp.example.org', 'localhost', '127.0.0.1', 'shop.example.co.uk'];
const SUFFIXES = ['example.com', 'corp.example.org', 'localhost', 'example.co.uk'];
const PORTS = [3000, 8080, 8443];
const POLICY_HEADERS = ['X-One', 'x-two', 'Authorization', 'Content-Type', 'X-Other'];
const REQUEST_HEADERS: Header[] = [
  ['X-One', '1'],
  ['x-two', '2'],
  ['Authorization', 'Bearer t'],
  ['Content-Type', 'application/json'],
  ['Content-Type', 'text/plain'],
  ['Accept', 'application/json'],
  ['X-Other', 'o'],
  ['X-Unlisted', 'u'],
];

const scheme = fc.constantFrom<Scheme>('https', 'http');
const port = fc.option(fc.constantFrom(...PORTS), { nil: undefined });

export const originSpec: fc.Arbitrary<OriginSpec> = fc.oneof(
  fc.record(
    { kind: fc.constant('exact' as const), scheme, host: fc.constantFrom(...HOSTS), port, upper: fc.boolean() },
    { requiredKeys: ['kind', 'scheme', 'host'], noNullPrototype: true },
  ),
  fc.record({ kind: fc.constant('any-port' as const), scheme, host: fc.constantFrom(...HOSTS) }, { noNullPrototype: true }),
  fc.record(
    {
      kind: fc.constant('subdomains' as const),
      scheme,
      suffix: fc.constantFrom(...SUFFIXES),
      port: fc.option(fc.constantFrom<number | '*'>(...PORTS, '*'), { nil: undefined }),
    },
    { requiredKeys: ['kind', 'scheme', 'suffix'], noNullPrototype: true },
  ),
  fc.record(
    { kind: fc.constant('regexp' as const), scheme, host: fc.constantFrom(...HOSTS), port },
    { requiredKeys: ['kind', 'scheme', 'host'], noNullPrototype: true },
  ),
);

export function serialize(scheme: string, host: string, port?: number | string): string {
  return `${scheme}://${host}${port === undefined ? '' : `:${port}`}`;
}

const exactOrigin = fc
  .record({ scheme, host: fc.constantFrom(...HOSTS), port }, { noNullPrototype: true })
  .map(({ scheme, host, port }) => serialize(scheme, host, port));

const originOption: fc.Arbitrary<OriginOptionSpec> = fc.oneof(
  { arbitrary: fc.constant('*' as const), weight: 1 },
  { arbitrary: fc.record({ list: fc.array(originSpec, { minLength: 1, maxLength: 3 }) }, { noNullPrototype: true }), weight: 4 },
  {
    arbitrary: fc.record(
      { fn: fc.constantFrom<'sync' | 'async'>('sync', 'async'), allow: fc.uniqueArray(exactOrigin, { minLength: 1, maxLength: 2 }) },
      { noNullPrototype: true },
    ),
    weight: 1,
  },
);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Valid policies only: the same option space users have, minus the combinations the compiler refuses. */
export const policySpec: fc.Arbitrary<PolicySpec> = fc
  .record(
    {
      origin: originOption,
      credentials: maybe(fc.boolean()),
      methods: maybe(
        fc.oneof(fc.constant('*' as const), fc.uniqueArray(fc.constantFrom(...REQUEST_METHODS), { minLength: 1, maxLength: 4 })),
      ),
      allowedHeaders: maybe(fc.oneof(fc.constant('*' as const), fc.uniqueArray(fc.constantFrom(...POLICY_HEADERS), { maxLength: 4 }))),
      exposedHeaders: maybe(fc.oneof(fc.constant('*' as const), fc.constant(['X-Request-Id']))),
      maxAge: maybe(fc.constantFrom(0, 600)),
      optionsSuccessStatus: maybe(fc.constantFrom(200, 204)),
    },
    { noNullPrototype: true },
  )
  .map((p) => {
    const spec: PolicySpec = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as unknown as PolicySpec;
    if (spec.credentials) {
      // Fetch refuses '*' with credentials; the compiler refuses to configure it.
      if (spec.origin === '*') delete spec.credentials;
      if (spec.exposedHeaders === '*') spec.exposedHeaders = ['X-Request-Id'];
      if (typeof spec.origin === 'object' && 'list' in spec.origin && spec.origin.list.some(insecure)) {
        spec.dangerouslyAllowInsecureOrigins = true;
      }
    }
    return spec;
  });

function insecure(o: OriginSpec): boolean {
  const host = o.kind === 'subdomains' ? o.suffix : o.host;
  return o.scheme === 'http' && host !== 'localhost' && host !== '127.0.0.1';
}

function originString(o: OriginSpec): string | RegExp {
  switch (o.kind) {
    case 'exact':
      return serialize(o.scheme, o.upper ? o.host.toUpperCase() : o.host, o.port);
    case 'any-port':
      return `${o.scheme}://${o.host}:*`;
    case 'subdomains':
      return serialize(o.scheme, `*.${o.suffix}`, o.port);
    case 'regexp': {
      const host = o.host.replace(/\./g, '\\.');
      return new RegExp(`^${o.scheme}:\\/\\/(?:[a-z0-9-]+\\.)?${host}${o.port === undefined ? '' : `:${o.port}`}$`);
    }
  }
}

/** The CorsPolicy a spec describes. */
export function toPolicy(spec: PolicySpec): CorsPolicy {
  const { origin, ...rest } = spec;
  let value: CorsPolicy['origin'];
  if (origin === '*') value = '*';
  else if ('list' in origin) value = origin.list.length === 1 ? originString(origin.list[0]) : origin.list.map(originString);
  else {
    const allow = new Set(origin.allow);
    value = origin.fn === 'sync' ? (o: string) => allow.has(o) : async (o: string) => allow.has(o);
  }
  // The library refuses a RegExp that can match plain-http origins with credentials unless told it is intended
  // (it cannot tell that `(?:[a-z0-9-]+\.)?localhost` stays on loopback); the flag changes validation only.
  const httpRegExp = origin !== '*' && 'list' in origin && origin.list.some((o) => o.kind === 'regexp' && o.scheme === 'http');
  return { ...rest, origin: value, ...(httpRegExp && rest.credentials ? { dangerouslyAllowInsecureOrigins: true } : {}) } as CorsPolicy;
}

// ---- The oracle: what the documentation says each option allows. ----

/** A serialized origin as browsers send it (scheme, lower-case host, no default port, nothing else), per WHATWG URL. */
export function parseSerializedOrigin(origin: string): { scheme: string; host: string; port: string } | null {
  try {
    const url = new URL(origin);
    if (url.origin !== origin || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
    return { scheme: url.protocol.slice(0, -1), host: url.hostname, port: url.port };
  } catch {
    return null;
  }
}

function specAllows(o: OriginSpec, u: { scheme: string; host: string; port: string }): boolean {
  if (u.scheme !== o.scheme) return false;
  switch (o.kind) {
    case 'exact':
      return u.host === o.host && u.port === (o.port === undefined ? '' : String(o.port));
    case 'any-port':
      return u.host === o.host;
    case 'subdomains':
      // One or more labels in front of the suffix; the suffix itself is not covered.
      return u.host.endsWith(`.${o.suffix}`) && (o.port === '*' || u.port === (o.port === undefined ? '' : String(o.port)));
    case 'regexp': {
      if (u.port !== (o.port === undefined ? '' : String(o.port))) return false;
      if (u.host === o.host) return true;
      return u.host.endsWith(`.${o.host}`) && /^[a-z0-9-]+$/.test(u.host.slice(0, -o.host.length - 1));
    }
  }
}

export function oracleOriginAllowed(spec: PolicySpec, origin: string): boolean {
  if (spec.origin === '*') return true;
  const u = parseSerializedOrigin(origin);
  if (u === null) return false;
  if ('list' in spec.origin) return spec.origin.list.some((o) => specAllows(o, u));
  return spec.origin.allow.includes(origin);
}

// ---- Requests ----

/** Origins near the policy's (prefix and suffix tricks, subdomains, ports, scheme, case) and far from it. */
export function candidateOrigins(specs: PolicySpec[]): string[] {
  const out = new Set<string>(['https://attacker.test', 'http://localhost:5000', 'https://example.com.attacker.test']);
  const bases: { scheme: string; host: string; port?: number | string }[] = [];
  for (const spec of specs) {
    if (spec.origin === '*') continue;
    if ('allow' in spec.origin) {
      for (const o of spec.origin.allow) {
        const u = parseSerializedOrigin(o)!;
        bases.push({ scheme: u.scheme, host: u.host, port: u.port || undefined });
      }
      continue;
    }
    for (const o of spec.origin.list) {
      if (o.kind === 'subdomains')
        bases.push({ scheme: o.scheme, host: `a.${o.suffix}`, port: o.port === '*' ? 4000 : o.port }, { scheme: o.scheme, host: o.suffix });
      else bases.push({ scheme: o.scheme, host: o.host, port: o.kind === 'any-port' ? 4000 : o.port });
    }
  }
  for (const { scheme, host, port } of bases) {
    const other = scheme === 'https' ? 'http' : 'https';
    const isIp = /^\d+(\.\d+)*$/.test(host);
    out.add(serialize(scheme, host, port));
    out.add(serialize(other, host, port));
    out.add(serialize(scheme, host));
    out.add(serialize(scheme, host, 9999));
    out.add(serialize(scheme, `evil${host}`, port));
    out.add(serialize(scheme, `${host}.evil.test`, port));
    if (!isIp) {
      out.add(serialize(scheme, `x.${host}`, port));
      out.add(serialize(scheme, `a.b.${host}`, port));
      const parent = host.split('.').slice(1).join('.');
      if (parent.includes('.')) out.add(serialize(scheme, parent, port));
    }
  }
  return [...out].sort();
}

/** Origins each policy allows, as a browser would send them (so that granted requests are common). */
export function allowedOrigins(specs: PolicySpec[]): string[] {
  const out = new Set<string>();
  for (const spec of specs) {
    if (spec.origin === '*') out.add('https://anyone.test');
    else if ('allow' in spec.origin) spec.origin.allow.forEach((o) => out.add(o));
    else {
      for (const o of spec.origin.list) {
        if (o.kind === 'exact') out.add(serialize(o.scheme, o.host, o.port));
        else if (o.kind === 'any-port') out.add(serialize(o.scheme, o.host, 4000)).add(serialize(o.scheme, o.host));
        else if (o.kind === 'subdomains') out.add(serialize(o.scheme, `a.${o.suffix}`, o.port === '*' ? 4000 : o.port));
        else {
          out.add(serialize(o.scheme, o.host, o.port));
          // 'x.127.0.0.1' is no host a browser can have (WHATWG URL refuses it).
          if (!/^[\d.]+$/.test(o.host)) out.add(serialize(o.scheme, `x.${o.host}`, o.port));
        }
      }
    }
  }
  return [...out].sort();
}

/** What a browser page cannot be, but a hand-made request can claim: none of it may ever be reflected. */
export function hostileVariants(origin: string): string[] {
  return [
    origin.toUpperCase(),
    origin.replace('://', '://A'),
    `${origin}/`,
    `${origin}/path`,
    ` ${origin}`,
    `${origin}, https://attacker.test`,
    origin.replace('://', '://user@'),
    'null',
    '',
    // The default port spelled out: browsers drop it from the serialization.
    /:\d+$/.test(origin.slice(8)) ? origin.replace(/:(\d+)$/, ':0$1') : `${origin}${origin.startsWith('https:') ? ':443' : ':80'}`,
  ];
}

export interface RouteSpec {
  /** Which policy (index into the spec's policies) serves each routed method; null for @Cors(false). */
  routes: { method: (typeof ROUTABLE_METHODS)[number]; policy: 0 | 1 | null }[];
  policies: [PolicySpec, PolicySpec];
}

export const routeSpec: fc.Arbitrary<RouteSpec> = fc.record(
  {
    routes: fc.uniqueArray(
      fc.record(
        { method: fc.constantFrom(...ROUTABLE_METHODS), policy: fc.constantFrom<0 | 1 | null>(0, 1, null) },
        { noNullPrototype: true },
      ),
      { minLength: 1, maxLength: 4, selector: (r) => r.method },
    ),
    policies: fc.tuple(policySpec, policySpec),
  },
  { noNullPrototype: true },
);

export const requestHeaders: fc.Arbitrary<Header[]> = fc
  .subarray(REQUEST_HEADERS, { maxLength: 4 })
  .map((hs) => hs.filter(([n], i) => hs.findIndex(([m]) => m.toLowerCase() === n.toLowerCase()) === i));

/** Picks from a list that depends on other generated values, by index (unlike chain, this shrinks well). */
export const pick = fc.nat({ max: 63 });
export const at = <T>(list: readonly T[], i: number): T => list[i % list.length];

/** A route table, and a request from an origin near or far from its policies. */
export const scenario: fc.Arbitrary<{ route: RouteSpec; request: ModelRequest }> = fc
  .record(
    {
      route: routeSpec,
      trickOrigin: fc.boolean(),
      origin: pick,
      anyMethod: fc.boolean(),
      method: pick,
      headers: fc.oneof(fc.constant([]), requestHeaders),
      credentials: fc.boolean(),
    },
    { noNullPrototype: true },
  )
  .map(({ route, trickOrigin, origin, anyMethod, method, headers, credentials }) => ({
    route,
    request: {
      origin: at(trickOrigin ? candidateOrigins(route.policies) : allowedOrigins(route.policies), origin),
      method: at(anyMethod ? REQUEST_METHODS : route.routes.map((r) => r.method), method),
      headers,
      credentials,
    },
  }));
