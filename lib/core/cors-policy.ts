/**
 * The public shape of a CORS policy. Field names follow the `cors` package and Nest's `CorsOptions`
 * so configuration written for `app.enableCors()` ports over.
 */

/** Decides an origin at request time. Throwing or rejecting means "not allowed". */
export type CorsOriginFunction = (origin: string, request: any) => boolean | Promise<boolean>;

/** A class whose instances decide origins (in the Nest layer: a `CorsOriginResolver` resolved through DI). */
export interface CorsResolverClass {
  new (...args: any[]): {
    isOriginAllowed(origin: string, request: any): boolean | Promise<boolean>;
    allOrigins?(): Iterable<string> | Promise<Iterable<string>>;
  };
}

export type CorsStaticOrigin = string | RegExp;

export type CorsOriginOption = CorsStaticOrigin | readonly CorsStaticOrigin[] | CorsOriginFunction | CorsResolverClass;

export interface CorsPolicy {
  /**
   * Who may read responses: `'*'` (anyone, never with credentials); a serialized origin
   * (`'https://app.example.com'`); a pattern (`'https://*.example.com'` for one or more subdomain labels,
   * `'http://localhost:*'` for any port); an anchored RegExp (`/^https:\/\/(a|b)\.example\.com$/`);
   * an array of these; a function `(origin, request) => boolean | Promise<boolean>`; or a class extending
   * `CorsOriginResolver`, resolved through Nest DI.
   */
  origin?: CorsOriginOption;
  /** Methods granted in preflights. Default: the methods the app routes at the requested path. */
  methods?: string | readonly string[];
  /** Request headers granted in preflights. Default: reflect `Access-Control-Request-Headers`. `'*'` allows any. */
  allowedHeaders?: string | readonly string[];
  /** Response headers the page may read beyond the safelisted ones. `'*'` only without credentials. */
  exposedHeaders?: string | readonly string[];
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Default false. */
  credentials?: boolean;
  /** Seconds a browser may cache the preflight (`Access-Control-Max-Age`), an integer in 0–86400. */
  maxAge?: number;
  /** Status of a granted preflight (a 2xx). Default 204. */
  optionsSuccessStatus?: number;
  /**
   * Allow plain-http origins (other than localhost and loopback) together with credentials. Anyone on the
   * network path can impersonate such an origin, so this is refused unless you opt in.
   */
  dangerouslyAllowInsecureOrigins?: boolean;
}

export const POLICY_FIELDS: ReadonlySet<string> = new Set<keyof CorsPolicy>([
  'origin',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'credentials',
  'maxAge',
  'optionsSuccessStatus',
  'dangerouslyAllowInsecureOrigins',
]);

/** Merges policies field by field; later arguments win (pass defaults, controller, handler). */
export function mergePolicies(...layers: (CorsPolicy | undefined)[]): CorsPolicy {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const key of Object.keys(layer)) {
      const value = (layer as Record<string, unknown>)[key];
      if (value !== undefined) merged[key] = value;
    }
  }
  return merged as CorsPolicy;
}

export function isResolverClass(value: unknown): value is CorsResolverClass {
  return (
    typeof value === 'function' && typeof (value as { prototype?: { isOriginAllowed?: unknown } }).prototype?.isOriginAllowed === 'function'
  );
}

/** Whether two values of a policy field are the same: RegExps by source and flags, functions and classes by identity. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof RegExp && b instanceof RegExp) return a.source === b.source && a.flags === b.flags;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameValue(v, b[i]));
  return false;
}

/**
 * Whether two merged policies (or `false`, the check switched off) are the same, field by field; a field set to
 * `undefined` counts as absent. Used where one check must stand for several owners (gateways sharing a server).
 */
export function samePolicy(a: Readonly<CorsPolicy> | false, b: Readonly<CorsPolicy> | false): boolean {
  if (a === false || b === false) return a === b;
  for (const field of POLICY_FIELDS) {
    if (!sameValue((a as Record<string, unknown>)[field], (b as Record<string, unknown>)[field])) return false;
  }
  return true;
}
