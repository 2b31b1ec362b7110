/** HTTP tokens, header names and the Fetch Standard's lists of forbidden names. */

// RFC 9110 §5.6.2 tchar.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TCHAR[c] = 1;
for (let c = 65; c <= 90; c++) TCHAR[c] = 1;
for (let c = 97; c <= 122; c++) TCHAR[c] = 1;

export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

// Fetch §forbidden request-header (names a page can never set, so granting them is meaningless or a mistake).
export const FORBIDDEN_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'accept-charset',
  'accept-encoding',
  'access-control-request-headers',
  'access-control-request-method',
  'connection',
  'content-length',
  'cookie',
  'cookie2',
  'date',
  'dnt',
  'expect',
  'host',
  'keep-alive',
  'origin',
  'referer',
  'set-cookie',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
]);

export function isForbiddenRequestHeader(lowerName: string): boolean {
  return FORBIDDEN_REQUEST_HEADERS.has(lowerName) || lowerName.startsWith('proxy-') || lowerName.startsWith('sec-');
}

// Fetch §forbidden response-header name: never exposed to a page.
export const FORBIDDEN_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['set-cookie', 'set-cookie2']);

// Fetch §CORS-safelisted method.
export const SAFELISTED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST']);

/** Methods a browser refuses to send (Fetch §forbidden method), so granting them is always a mistake. */
export const FORBIDDEN_METHODS: ReadonlySet<string> = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Caps on Access-Control-Request-Headers: Chromium sends at most a few dozen names. */
export const MAX_REQUEST_HEADERS_LENGTH = 4096;
export const MAX_REQUEST_HEADER_NAMES = 64;

/**
 * Parses Access-Control-Request-Headers into lowercase names in one linear pass.
 * Returns null when the value is malformed or over the caps (a refused preflight, never an exception).
 * Empty list elements (`a,,b`, surrounding whitespace) are skipped, as in Fetch's "get, decode, and split".
 */
export function parseRequestHeaders(value: string | undefined): string[] | null {
  if (value === undefined || value.length === 0) return [];
  if (value.length > MAX_REQUEST_HEADERS_LENGTH) return null;
  const names: string[] = [];
  let start = -1;
  let end = -1;
  for (let i = 0; i <= value.length; i++) {
    const c = i === value.length ? 44 /* , */ : value.charCodeAt(i);
    if (c === 44) {
      if (start !== -1) {
        if (names.length === MAX_REQUEST_HEADER_NAMES) return null;
        names.push(value.slice(start, end + 1).toLowerCase());
        start = -1;
      }
    } else if (c === 32 || c === 9) {
      continue; // OWS around an element; inside a name it is caught by the next character
    } else {
      if (c >= 128 || TCHAR[c] === 0) return null;
      if (start === -1) start = i;
      else if (end !== i - 1) return null; // whitespace inside a name
      end = i;
    }
  }
  return names;
}
