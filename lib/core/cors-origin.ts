/** Origin strings: validation and normalization at startup, and the matcher used per request. */
import { getPublicSuffix } from 'tldts';

export type OriginPattern =
  /** `https://app.example.com` */
  | { kind: 'exact'; origin: string }
  /** `http://localhost:*`: the host on any port (or none) */
  | { kind: 'any-port'; base: string }
  /** `https://*.example.com[:port|:*]`: one or more labels in front of `suffix` */
  | { kind: 'subdomains'; scheme: string; suffix: string; port: string };

export type OriginParse = { ok: true; pattern: OriginPattern; host: string; scheme: string } | { ok: false; reason: string };

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;
const LABEL = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };

/** Max length of a request Origin we look at; longer values are refused before any matching. */
export const MAX_ORIGIN_LENGTH = 1024;

/**
 * Parses one configured origin string (not '*', handled by the caller). Every refusal says how to fix it.
 * Fetch §ASCII serialization of an origin: scheme "://" host [":" port], lowercase, no default port, nothing else.
 */
export function parseOriginPattern(input: string): OriginParse {
  if (input.trim().toLowerCase() === 'null') {
    return {
      ok: false,
      reason: "'null' is the origin of sandboxed iframes, file: pages and cross-origin redirects: any site can send it. Remove it.",
    };
  }
  if (input !== input.trim() || /\s/.test(input)) return { ok: false, reason: 'remove the whitespace from the origin' };
  const m = SCHEME.exec(input);
  if (!m) {
    return {
      ok: false,
      reason: `an origin starts with its scheme: use 'https://${input.replace(/^\/+/, '').split('/')[0]}'`,
    };
  }
  const scheme = m[1].toLowerCase();
  let rest = m[2];
  const cut = rest.search(/[/?#]/);
  if (cut !== -1) {
    const what =
      rest[cut] === '/' ? (cut === rest.length - 1 ? 'a trailing slash' : 'a path') : rest[cut] === '?' ? 'a query' : 'a fragment';
    return { ok: false, reason: `origins have no path, query or fragment (found ${what}): use '${scheme}://${rest.slice(0, cut)}'` };
  }
  if (rest.includes('@')) {
    return { ok: false, reason: `origins have no user info: use '${scheme}://${rest.slice(rest.lastIndexOf('@') + 1)}'` };
  }
  rest = rest.toLowerCase();
  let host: string;
  let port = '';
  let hasPort = false;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) return { ok: false, reason: 'unclosed IPv6 address: write it as [::1]' };
    host = rest.slice(0, close + 1);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return { ok: false, reason: 'unexpected text after the IPv6 address' };
      hasPort = true;
      port = after.slice(1);
    }
  } else {
    const colon = rest.indexOf(':');
    host = colon === -1 ? rest : rest.slice(0, colon);
    if (colon !== -1) {
      hasPort = true;
      port = rest.slice(colon + 1);
    }
  }
  if (hasPort && port === '') return { ok: false, reason: `empty port: use '${scheme}://${host}'` };
  if (hasPort && port !== '*') {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535 || port.startsWith('0')) {
      return { ok: false, reason: `'${port}' is not a port: use a number in 1–65535 without leading zeros, or '*' for any port` };
    }
    if (DEFAULT_PORTS[scheme] === port) {
      return {
        ok: false,
        reason: `browsers never send the default port: use '${scheme}://${host}' instead of '${scheme}://${host}:${port}'`,
      };
    }
  }

  let wildcard = false;
  let name = host;
  if (host.startsWith('*.')) {
    wildcard = true;
    name = host.slice(2);
  }
  if (name.includes('*')) {
    return { ok: false, reason: "only a leading '*.' label ('https://*.example.com') or a ':*' port is supported" };
  }
  // eslint-disable-next-line no-control-regex -- the class is everything outside ASCII, control characters included
  if (/[^\x00-\x7f]/.test(name)) {
    return { ok: false, reason: "browsers send internationalized hosts in punycode: write the 'xn--' form" };
  }
  const isIp = IPV4.test(name) || IPV6.test(name);
  if (!isIp && !name.split('.').every((label) => LABEL.test(label))) {
    return { ok: false, reason: `'${name}' is not a valid host name` };
  }
  if (wildcard) {
    if (isIp) return { ok: false, reason: "a '*.' wildcard needs a domain name, not an IP address" };
    if (name !== 'localhost' && getPublicSuffix(name, { allowPrivateDomains: true }) === name) {
      return {
        ok: false,
        reason: `'*.${name}' covers every site under the public suffix '${name}': name your own domain ('https://*.example.${name}')`,
      };
    }
    return { ok: true, scheme, host: name, pattern: { kind: 'subdomains', scheme, suffix: name, port: hasPort ? port : '' } };
  }
  const base = `${scheme}://${host}`;
  if (port === '*') return { ok: true, scheme, host, pattern: { kind: 'any-port', base } };
  return { ok: true, scheme, host, pattern: { kind: 'exact', origin: hasPort ? `${base}:${port}` : base } };
}

/** localhost, *.localhost and loopback addresses: plain http there cannot be intercepted on the network. */
export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Matches request origins against compiled patterns with lookups only: exact origins in a Set, any-port hosts in
 * a Set, subdomain wildcards in a Map keyed by "scheme://suffix" (one lookup per label of the request's host),
 * then anchored RegExps compiled at startup.
 */
export class OriginMatcher {
  private readonly exact = new Set<string>();
  private readonly anyPort = new Set<string>();
  private readonly subdomains = new Map<string, Set<string>>();
  private readonly regexps: RegExp[] = [];

  add(pattern: OriginPattern): void {
    if (pattern.kind === 'exact') this.exact.add(pattern.origin);
    else if (pattern.kind === 'any-port') this.anyPort.add(pattern.base);
    else {
      const key = `${pattern.scheme}://${pattern.suffix}`;
      let ports = this.subdomains.get(key);
      if (!ports) this.subdomains.set(key, (ports = new Set()));
      ports.add(pattern.port);
    }
  }

  addRegExp(re: RegExp): void {
    this.regexps.push(re);
  }

  get size(): number {
    return this.exact.size + this.anyPort.size + this.subdomains.size + this.regexps.length;
  }

  /** `origin` is the raw request header value. */
  matches(origin: string): boolean {
    if (origin.length > MAX_ORIGIN_LENGTH) return false;
    if (this.exact.has(origin)) return true;
    if (this.anyPort.size === 0 && this.subdomains.size === 0 && this.regexps.length === 0) return false;
    // Only a well-formed serialized origin reaches the patterns, so nothing odd is ever reflected.
    const m = execSerializedOrigin(origin);
    if (m === null) return false;
    const [, scheme, host, port = ''] = m;
    if (this.anyPort.size !== 0 && this.anyPort.has(`${scheme}://${host}`)) return true;
    if (this.subdomains.size !== 0 && host.charCodeAt(0) !== 91 /* [ */) {
      // One lookup per label boundary; at least one label precedes the suffix, so the apex is not covered.
      for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
        const ports = this.subdomains.get(`${scheme}://${host.slice(dot + 1)}`);
        if (ports !== undefined && (ports.has(port) || ports.has('*'))) return true;
      }
    }
    for (let i = 0; i < this.regexps.length; i++) if (this.regexps[i].test(origin)) return true;
    return false;
  }
}

/** A browser-serialized origin: lowercase scheme and host, non-empty labels, optional port. */
const SERIALIZED_ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/([a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::([1-9]\d{0,4}))?$/;

/**
 * For the patterns: Fetch §ASCII serialization of an origin omits the scheme's default port, so
 * 'https://a.test:443' never comes from a browser and a ':*' pattern must not reflect it.
 */
function execSerializedOrigin(origin: string): RegExpExecArray | null {
  const m = SERIALIZED_ORIGIN.exec(origin);
  if (m === null || m[3] === undefined) return m;
  return DEFAULT_PORTS[m[1]] === m[3] || Number(m[3]) > 65535 ? null : m;
}

/** True for a browser-serialized origin (what a browser sends; never 'null', never a list, no default port). */
export function isSerializedOrigin(origin: string): boolean {
  return origin.length <= MAX_ORIGIN_LENGTH && execSerializedOrigin(origin) !== null;
}
