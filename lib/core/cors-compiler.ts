/**
 * Turns a merged CorsPolicy into a CompiledPolicy once, at startup: every field validated (all problems
 * collected, none thrown one by one), origins indexed for lookups, header values precomputed.
 */
import { CorsOriginFunction, CorsPolicy, CorsResolverClass, isResolverClass, POLICY_FIELDS } from './cors-policy.js';
import { isLocalHost, OriginMatcher, parseOriginPattern } from './cors-origin.js';
import { FORBIDDEN_METHODS, FORBIDDEN_RESPONSE_HEADERS, isForbiddenRequestHeader, isToken } from './cors-tokens.js';

export interface CorsProblem {
  /** Where the policy applies: `CorsModule.forRoot` or `AccountController.update PUT /account`. */
  route: string;
  field: string;
  value: string;
  /** What is wrong and how to fix it. */
  reason: string;
}

/** Decides an origin at request time; never throws (errors and rejections mean "not allowed"). */
export type OriginDecider = (origin: string, request: unknown) => boolean | Promise<boolean>;

/**
 * A decider that can also list every origin it allows (a resolver with `allOrigins()`): `wrapDecider` may then
 * answer from the list instead of calling the decider per origin.
 */
export type ListingOriginDecider = OriginDecider & { allOrigins?: () => Iterable<string> | Promise<Iterable<string>> };

export interface CompiledPolicy {
  /** `origin: '*'`: every origin, `Access-Control-Allow-Origin: *`. */
  readonly anyOrigin: boolean;
  readonly credentials: boolean;
  readonly matcher: OriginMatcher | null;
  readonly decider: OriginDecider | null;
  /** Granted methods; null means "every method the path routes". */
  readonly methods: ReadonlySet<string> | null;
  /** 'reflect': grant what is asked; '*': any; a Set: only these (lowercase). */
  readonly allowedHeaders: 'reflect' | '*' | ReadonlySet<string>;
  readonly allowHeadersValue: string | null;
  readonly exposeHeadersValue: string | null;
  readonly maxAgeValue: string | null;
  readonly successStatus: number;
  /** The answer depends on the request's Origin, so caches must key on it. */
  readonly varyOrigin: boolean;
  /** Headers after Access-Control-Allow-Origin on an allowed actual response, computed once. */
  readonly actualTail: readonly (readonly [string, string])[];
  /** The merged policy this was compiled from (for `routes()` and messages). */
  readonly source: Readonly<CorsPolicy>;
}

export interface CompileContext {
  /** Turns a resolver class into a decider (the Nest layer resolves it through DI), with `allOrigins` if it has one. */
  resolveClass?: (cls: CorsResolverClass) => ListingOriginDecider;
  /**
   * Wraps function and resolver deciders (caching, timeouts); identity by default. `decider` is the user's own
   * (it may throw or reject); `source` is the policy's `origin` value (the function or resolver class).
   */
  wrapDecider?: (decider: ListingOriginDecider, source: unknown) => OriginDecider;
}

/** Work shared between policies that use the same origin value (e.g. 10,000 origins in the module defaults). */
const originCache = new WeakMap<
  object,
  { matcher: OriginMatcher; problems: Omit<CorsProblem, 'route'>[]; insecure: string[]; reflectsAll: boolean }
>();

export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'function') return value.name ? `${value.name}` : '[function]';
  if (Array.isArray(value))
    return value.length > 5
      ? `[${value.slice(0, 5).map(describe).join(', ')}, … ${value.length} items]`
      : `[${value.map(describe).join(', ')}]`;
  return String(value);
}

function toList(value: unknown): unknown[] | null {
  if (typeof value === 'string')
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  if (Array.isArray(value)) return value;
  return null;
}

/** A RegExp is anchored when it starts with ^, ends with an unescaped $, and has no top-level alternation. */
function regexpProblem(re: RegExp): string | null {
  if (re.global || re.sticky)
    return `remove the '${re.global ? 'g' : 'y'}' flag: it makes test() stateful, so the same origin is allowed then refused`;
  const src = re.source;
  const endsWithDollar = src.endsWith('$') && !/(^|[^\\])(\\\\)*\\\$$/.test(src);
  if (!src.startsWith('^') || !endsWithDollar) {
    return `anchor it as /^…$/: unanchored, it also matches 'https://attacker.test/?${src.replace(/[\^$\\]/g, '')}' style origins`;
  }
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0)
      return `group the alternatives: /^(?:a|b)$/ — a top-level '|' leaves each side anchored at one end only`;
    else if (c === '.' && /[a-z0-9]/i.test(src[i + 1] ?? '')) {
      return `escape the dot in '${src.slice(Math.max(0, i - 8), i + 8)}': an unescaped '.' matches any character ('appxexample.com')`;
    }
  }
  return null;
}

/** Origins of sites nobody's policy means to allow: a RegExp matching one of them matches far too much. */
const UNRELATED_ORIGINS = [
  'null',
  'https://attacker.invalid',
  'https://attacker.com',
  'https://attacker.net',
  'https://attacker.io',
  'https://attacker.co.uk',
  'https://attacker.github.io',
  'https://a.attacker.com',
];
/** A RegExp source that can only match https origins (`^https://…`). */
const HTTPS_ONLY = /^\^(?:\(\?:)?https:(?:\\\/|\/){2}/;
/** A RegExp source that can only match loopback hosts, whatever the scheme. */
const LOOPBACK_ONLY = /^\^(?:\(\?:)?https?\??:(?:\\\/|\/){2}(?:localhost|127\\\.0\\\.0\\\.1|\\\[::1\\\])(?::|\$|\((?:\?:)?:)/;

function compileOrigins(list: readonly unknown[]) {
  const matcher = new OriginMatcher();
  const problems: Omit<CorsProblem, 'route'>[] = [];
  const insecure: string[] = [];
  let reflectsAll = false;
  for (const item of list) {
    if (typeof item === 'string') {
      if (item === '*') {
        problems.push({
          field: 'origin',
          value: describe(list),
          reason: "'*' cannot be combined with other origins: use origin: '*' alone",
        });
        continue;
      }
      const parsed = parseOriginPattern(item);
      if (!parsed.ok) {
        problems.push({ field: 'origin', value: describe(item), reason: parsed.reason });
        continue;
      }
      matcher.add(parsed.pattern);
      if (parsed.scheme === 'http' && !isLocalHost(parsed.host)) insecure.push(item);
    } else if (item instanceof RegExp) {
      const problem = regexpProblem(item);
      if (problem) {
        problems.push({ field: 'origin', value: describe(item), reason: problem });
        continue;
      }
      const re = new RegExp(item.source, item.flags);
      if (UNRELATED_ORIGINS.some((probe) => re.test(probe))) reflectsAll = true;
      if (!HTTPS_ONLY.test(item.source) && !LOOPBACK_ONLY.test(item.source)) insecure.push(String(item));
      matcher.addRegExp(re);
    } else {
      problems.push({ field: 'origin', value: describe(item), reason: 'origin entries are strings or RegExps' });
    }
  }
  return { matcher, problems, insecure, reflectsAll };
}

function safeDecider(fn: OriginDecider): OriginDecider {
  return (origin, request) => {
    try {
      const answer = fn(origin, request);
      if (answer === true || answer === false) return answer;
      if (answer && typeof (answer as Promise<boolean>).then === 'function') {
        return (answer as Promise<boolean>).then(
          (v) => v === true,
          () => false,
        );
      }
      return false;
    } catch {
      return false;
    }
  };
}

export type CompileResult = { policy: CompiledPolicy; problems: [] } | { policy: null; problems: CorsProblem[] };

export function compilePolicy(policy: CorsPolicy, route: string, ctx: CompileContext = {}): CompileResult {
  const problems: CorsProblem[] = [];
  const add = (field: string, value: unknown, reason: string) => problems.push({ route, field, value: describe(value), reason });

  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    add('(policy)', policy, 'a policy is an object such as { origin: "https://app.example.com" }, or false to switch CORS off');
    return { policy: null, problems };
  }
  for (const key of Object.keys(policy)) {
    if (!POLICY_FIELDS.has(key)) {
      const hint =
        key === 'preflightContinue' ? 'preflights are always answered by the library' : `known options: ${[...POLICY_FIELDS].join(', ')}`;
      add(key, (policy as Record<string, unknown>)[key], `unknown option '${key}': ${hint}`);
    }
  }

  const credentials = policy.credentials ?? false;
  if (typeof credentials !== 'boolean') add('credentials', credentials, 'credentials is true or false');

  // origin
  const origin = policy.origin;
  let anyOrigin = false;
  let matcher: OriginMatcher | null = null;
  let decider: OriginDecider | null = null;
  if (origin === '*') {
    anyOrigin = true;
    if (credentials === true) {
      add('origin', origin, "credentials cannot be used with '*' (Fetch refuses it): list the origins allowed to send cookies");
    }
  } else if (typeof origin === 'string' || origin instanceof RegExp || Array.isArray(origin)) {
    const key: object = Array.isArray(origin) ? origin : { origin };
    let compiled = Array.isArray(origin) ? originCache.get(origin) : undefined;
    if (!compiled) {
      compiled = compileOrigins(Array.isArray(origin) ? origin : [origin]);
      if (Array.isArray(origin)) originCache.set(key, compiled);
    }
    for (const p of compiled.problems) problems.push({ route, ...p });
    if (credentials === true && compiled.reflectsAll) {
      add(
        'origin',
        origin,
        "with credentials this pattern allows any origin or unrelated sites (it matches 'https://attacker.com' or similar), which could then read responses with the user's cookies: anchor it to your own domain",
      );
    }
    if (credentials === true && compiled.insecure.length > 0 && policy.dangerouslyAllowInsecureOrigins !== true) {
      add(
        'origin',
        compiled.insecure,
        'plain-http origins with credentials can be impersonated by anyone on the network path: use https, or set dangerouslyAllowInsecureOrigins: true if you accept that',
      );
    }
    matcher = compiled.matcher;
  } else if (isResolverClass(origin)) {
    if (!ctx.resolveClass) add('origin', origin, 'resolver classes need the Nest module (CorsModule) to be resolved');
    else {
      try {
        decider = ctx.resolveClass(origin);
      } catch (error) {
        add('origin', origin, error instanceof Error ? error.message : String(error));
      }
    }
  } else if (typeof origin === 'function') {
    decider = origin as CorsOriginFunction;
  } else if ((origin as unknown) === true || (origin as unknown) === false) {
    add(
      'origin',
      origin,
      origin ? "origin: true would reflect every origin: use '*' or list the allowed origins" : 'to switch CORS off use @Cors(false)',
    );
  } else if (origin !== undefined) {
    add('origin', origin, 'origin is a string, a RegExp, an array of them, a function or a CorsOriginResolver class');
  }
  // The wrapper (the decision cache) sees the raw decider, so it can tell a throw or a timeout from a "no";
  // whatever it returns is made safe again.
  if (decider) decider = safeDecider(ctx.wrapDecider ? ctx.wrapDecider(decider, origin) : decider);

  // methods
  let methods: Set<string> | null = null;
  if (policy.methods !== undefined) {
    const list = toList(policy.methods);
    if (!list) add('methods', policy.methods, "methods is a list such as ['GET', 'PUT'] or a string 'GET,PUT'");
    else if (!(list.length === 1 && list[0] === '*')) {
      methods = new Set();
      for (const m of list) {
        if (typeof m !== 'string' || !isToken(m)) add('methods', m, 'not a method name (an HTTP token such as PUT)');
        else if (FORBIDDEN_METHODS.has(m.toUpperCase()))
          add('methods', m, `${m.toUpperCase()} is forbidden by Fetch: browsers never send it; remove it`);
        else methods.add(m.toUpperCase());
      }
    }
  }

  // allowedHeaders
  let allowedHeaders: 'reflect' | '*' | Set<string> = 'reflect';
  let allowHeadersValue: string | null = null;
  if (policy.allowedHeaders !== undefined) {
    const list = toList(policy.allowedHeaders);
    if (!list) add('allowedHeaders', policy.allowedHeaders, "allowedHeaders is a list such as ['Content-Type'], or '*'");
    else if (list.length === 1 && list[0] === '*') allowedHeaders = '*';
    else {
      const set = new Set<string>();
      for (const h of list) {
        if (typeof h !== 'string' || !isToken(h) || h === '*') add('allowedHeaders', h, "not a header name ('*' must stand alone)");
        else if (isForbiddenRequestHeader(h.toLowerCase()))
          add('allowedHeaders', h, `'${h}' is a forbidden request header: browsers set it themselves and pages cannot; remove it`);
        else set.add(h.toLowerCase());
      }
      allowedHeaders = set;
      allowHeadersValue = set.size > 0 ? [...set].join(', ') : null;
    }
  }

  // exposedHeaders
  let exposeHeadersValue: string | null = null;
  if (policy.exposedHeaders !== undefined) {
    const list = toList(policy.exposedHeaders);
    if (!list) add('exposedHeaders', policy.exposedHeaders, "exposedHeaders is a list such as ['X-Request-Id'], or '*'");
    else if (list.length === 1 && list[0] === '*') {
      if (credentials === true)
        add('exposedHeaders', '*', "with credentials '*' is read as a header literally named '*': list the headers to expose");
      exposeHeadersValue = '*';
    } else {
      const names: string[] = [];
      for (const h of list) {
        if (typeof h !== 'string' || !isToken(h) || h === '*') add('exposedHeaders', h, "not a header name ('*' must stand alone)");
        else if (FORBIDDEN_RESPONSE_HEADERS.has(h.toLowerCase()))
          add('exposedHeaders', h, `'${h}' is never exposed to pages (Fetch §forbidden response-header name); remove it`);
        else names.push(h);
      }
      exposeHeadersValue = names.length > 0 ? names.join(', ') : null;
    }
  }

  // maxAge
  let maxAgeValue: string | null = null;
  if (policy.maxAge !== undefined) {
    const v = policy.maxAge;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86400) {
      add('maxAge', v, 'maxAge is whole seconds from 0 to 86400 (browsers cap it further: Chromium at 7200)');
    } else maxAgeValue = String(v);
  }

  // optionsSuccessStatus
  const successStatus = policy.optionsSuccessStatus ?? 204;
  if (typeof successStatus !== 'number' || !Number.isInteger(successStatus) || successStatus < 200 || successStatus > 299) {
    add('optionsSuccessStatus', successStatus, 'a preflight only succeeds with an ok status: use 200–299 (204 by default)');
  }
  if (policy.dangerouslyAllowInsecureOrigins !== undefined && typeof policy.dangerouslyAllowInsecureOrigins !== 'boolean') {
    add('dangerouslyAllowInsecureOrigins', policy.dangerouslyAllowInsecureOrigins, 'true or false');
  }

  if (problems.length > 0) return { policy: null, problems };

  const actualTail: [string, string][] = [];
  if (credentials) actualTail.push(['Access-Control-Allow-Credentials', 'true']);
  if (exposeHeadersValue) actualTail.push(['Access-Control-Expose-Headers', exposeHeadersValue]);
  return {
    problems: [],
    policy: {
      anyOrigin,
      credentials,
      matcher,
      decider,
      methods,
      allowedHeaders,
      allowHeadersValue,
      exposeHeadersValue,
      maxAgeValue,
      successStatus,
      varyOrigin: !anyOrigin,
      actualTail,
      source: policy,
    },
  };
}

/** True when the policy lets any origin through at all (a policy without `origin` sends no CORS headers). */
export function hasOrigin(policy: CorsPolicy): boolean {
  return policy.origin !== undefined;
}
