/**
 * The browser's side of CORS, written from the Fetch Standard (https://fetch.spec.whatwg.org/) and nothing else:
 * which requests need a preflight, the CORS-preflight fetch and its checks, the CORS check on every response.
 * The property tests run the engine as the server and this model as the browser.
 */

export type Header = readonly [name: string, value: string];

export interface ModelRequest {
  /** The page's serialized origin (what the browser puts in `Origin`). */
  origin: string;
  /** After fetch()'s normalization (DELETE, GET, HEAD, OPTIONS, POST, PUT upper-cased; others as written). */
  method: string;
  /** The author's request headers. */
  headers: readonly Header[];
  /** credentials mode 'include' (cross-origin, 'same-origin' and 'omit' send none). */
  credentials: boolean;
}

export interface ModelResponse {
  status: number;
  headers: readonly Header[];
}

// Fetch §CORS-safelisted method.
const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);

export function isSafelistedMethod(method: string): boolean {
  return SAFELISTED_METHODS.has(method);
}

// Fetch §CORS-unsafe request-header byte: these make a safelisted header's value unsafe.
function hasUnsafeByte(value: string): boolean {
  for (const ch of value) {
    const c = ch.charCodeAt(0);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || '"():<>?@[\\]{}'.includes(ch)) return true;
  }
  return false;
}

/** Fetch §CORS-safelisted request-header (name and value). */
export function isSafelistedRequestHeader(name: string, value: string): boolean {
  if (value.length > 128) return false;
  switch (name.toLowerCase()) {
    case 'accept':
      return !hasUnsafeByte(value);
    case 'accept-language':
    case 'content-language':
      return /^[0-9A-Za-z *,\-.;=]*$/.test(value);
    case 'content-type': {
      if (hasUnsafeByte(value)) return false;
      const essence = value.split(';')[0].trim().toLowerCase();
      return ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'].includes(essence);
    }
    case 'range':
      return /^bytes=\d+-\d*$/.test(value);
    default:
      return false;
  }
}

/** Fetch §CORS-unsafe request-header names: lowercased, unique, sorted (what goes in Access-Control-Request-Headers). */
export function unsafeHeaderNames(headers: readonly Header[]): string[] {
  const names = new Set<string>();
  for (const [name, value] of headers) if (!isSafelistedRequestHeader(name, value)) names.add(name.toLowerCase());
  return [...names].sort();
}

/** Fetch §main fetch: a CORS request needs a preflight when its method or one of its headers is not safelisted. */
export function needsPreflight(req: ModelRequest): boolean {
  return !isSafelistedMethod(req.method) || unsafeHeaderNames(req.headers).length > 0;
}

/** Fetch §header list "get": the values of every header with that name, combined with ", ", or null. */
export function getHeader(headers: readonly Header[], name: string): string | null {
  const values = headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
  return values.length === 0 ? null : values.join(', ');
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Fetch §extract header list values for a list header: split on commas, trim, every element a token;
 * null means "failure" (the preflight is a network error). An absent header is an empty list.
 */
export function parseTokenList(value: string | null): string[] | null {
  if (value === null) return [];
  const items = value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return items.every((v) => TOKEN.test(v)) ? items : null;
}

export type Verdict = { ok: true } | { ok: false; why: string };

/** Fetch §CORS check. */
export function corsCheck(req: ModelRequest, res: ModelResponse): Verdict {
  const origin = getHeader(res.headers, 'Access-Control-Allow-Origin');
  if (origin === null) return { ok: false, why: 'no Access-Control-Allow-Origin' };
  if (!req.credentials && origin === '*') return { ok: true };
  // Byte equality with the serialized origin (a ', '-combined duplicate never equals it).
  if (origin !== req.origin)
    return {
      ok: false,
      why: `ACAO ${JSON.stringify(origin)} is not the origin${req.credentials && origin === '*' ? " ('*' with credentials)" : ''}`,
    };
  if (!req.credentials) return { ok: true };
  const credentials = getHeader(res.headers, 'Access-Control-Allow-Credentials');
  // Exactly `true`, case-sensitively.
  if (credentials === 'true') return { ok: true };
  return { ok: false, why: `ACAC ${JSON.stringify(credentials)} is not 'true'` };
}

/** Fetch §CORS-preflight fetch, steps after the response arrives. */
export function preflightCheck(req: ModelRequest, res: ModelResponse): Verdict {
  const check = corsCheck(req, res);
  if (!check.ok) return { ok: false, why: `preflight: ${check.why}` };
  if (res.status < 200 || res.status > 299) return { ok: false, why: `preflight status ${res.status} is not ok` };
  const methods = parseTokenList(getHeader(res.headers, 'Access-Control-Allow-Methods'));
  const headerNames = parseTokenList(getHeader(res.headers, 'Access-Control-Allow-Headers'));
  if (methods === null) return { ok: false, why: 'Access-Control-Allow-Methods does not parse' };
  if (headerNames === null) return { ok: false, why: 'Access-Control-Allow-Headers does not parse' };
  // Methods compare byte for byte; '*' counts only without credentials.
  if (!methods.includes(req.method) && !isSafelistedMethod(req.method) && (req.credentials || !methods.includes('*'))) {
    return { ok: false, why: `method ${req.method} not in Access-Control-Allow-Methods` };
  }
  const lowerNames = headerNames.map((h) => h.toLowerCase());
  // Authorization is a CORS non-wildcard request-header name: '*' never covers it.
  for (const [name] of req.headers) {
    if (name.toLowerCase() === 'authorization' && !lowerNames.includes('authorization')) {
      return { ok: false, why: "Authorization must be listed by name ('*' does not cover it)" };
    }
  }
  for (const name of unsafeHeaderNames(req.headers)) {
    if (!lowerNames.includes(name) && (req.credentials || !lowerNames.includes('*'))) {
      return { ok: false, why: `request header ${name} not in Access-Control-Allow-Headers` };
    }
  }
  return { ok: true };
}

export interface Server {
  preflight(req: ModelRequest): Promise<ModelResponse>;
  actual(req: ModelRequest): Promise<ModelResponse>;
}

export interface BrowserOutcome {
  granted: boolean;
  why: string;
  preflighted: boolean;
  responses: ModelResponse[];
}

/** The whole browser side: preflight when needed, then the request, then the CORS check on its response. */
export async function browserFetch(server: Server, req: ModelRequest): Promise<BrowserOutcome> {
  const responses: ModelResponse[] = [];
  const preflighted = needsPreflight(req);
  if (preflighted) {
    const res = await server.preflight(req);
    responses.push(res);
    const verdict = preflightCheck(req, res);
    if (!verdict.ok) return { granted: false, why: verdict.why, preflighted, responses };
  }
  const res = await server.actual(req);
  responses.push(res);
  const verdict = corsCheck(req, res);
  return { granted: verdict.ok, why: verdict.ok ? 'granted' : verdict.why, preflighted, responses };
}
