import { OriginMatcher, parseOriginPattern } from '../../lib/core/cors-origin.js';

describe('parseOriginPattern', () => {
  it.each([
    ['https://app.example.com', { kind: 'exact', origin: 'https://app.example.com' }],
    ['HTTPS://App.Example.COM', { kind: 'exact', origin: 'https://app.example.com' }],
    ['http://localhost:3000', { kind: 'exact', origin: 'http://localhost:3000' }],
    ['http://[::1]:8080', { kind: 'exact', origin: 'http://[::1]:8080' }],
    ['http://localhost:*', { kind: 'any-port', base: 'http://localhost' }],
    ['https://*.example.com', { kind: 'subdomains', scheme: 'https', suffix: 'example.com', port: '' }],
    ['https://*.example.com:8443', { kind: 'subdomains', scheme: 'https', suffix: 'example.com', port: '8443' }],
    ['http://*.localhost:*', { kind: 'subdomains', scheme: 'http', suffix: 'localhost', port: '*' }],
    ['chrome-extension://abcdef', { kind: 'exact', origin: 'chrome-extension://abcdef' }],
  ])('accepts %s', (input, pattern) => {
    expect(parseOriginPattern(input)).toMatchObject({ ok: true, pattern });
  });

  it.each([
    ['null', /'null'/],
    ['app.example.com', /starts with its scheme: use 'https:\/\/app.example.com'/],
    ['https://app.example.com/', /trailing slash/],
    ['https://app.example.com/path', /found a path/],
    ['https://app.example.com?q', /found a query/],
    ['https://app.example.com#f', /found a fragment/],
    ['https://user@app.example.com', /no user info/],
    ['https://app.example.com:443', /default port/],
    ['http://app.example.com:80', /default port/],
    ['https://app.example.com:0', /not a port/],
    ['https://app.example.com:65536', /not a port/],
    ['https://app.example.com:080', /not a port/],
    ['https://app.example.com:', /not a port|empty port/],
    ['https://*.com', /public suffix 'com'/],
    ['https://*.co.uk', /public suffix 'co.uk'/],
    ['https://*.github.io', /public suffix 'github.io'/],
    ['https://app.*.com', /only a leading/],
    ['https://*.10.0.0.1', /IP address/],
    ['https://bücher.example', /punycode/],
    ['https://a..example.com', /not a valid host/],
    [' https://app.example.com', /whitespace/],
  ])('refuses %s', (input, reason) => {
    const result = parseOriginPattern(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });
});

describe('OriginMatcher', () => {
  const matcher = new OriginMatcher();
  for (const o of [
    'https://app.example.com',
    'http://localhost:*',
    'https://*.tenant.example',
    'https://*.ports.example:*',
    'https://*.fixed.example:8443',
  ]) {
    const parsed = parseOriginPattern(o);
    if (parsed.ok) matcher.add(parsed.pattern);
  }
  matcher.addRegExp(/^https:\/\/(?:red|blue)\.colors\.example$/);

  it.each([
    ['https://app.example.com', true],
    ['https://app.example.com.evil.test', false],
    ['https://evilapp.example.com', false],
    ['http://app.example.com', false],
    ['https://app.example.com:8443', false],
    ['http://localhost', true],
    ['http://localhost:5173', true],
    ['http://localhost.evil.test:5173', false],
    ['https://localhost:5173', false],
    ['https://a.tenant.example', true],
    ['https://a.b.c.tenant.example', true],
    ['https://tenant.example', false],
    ['https://eviltenant.example', false],
    ['https://a.tenant.example.evil.test', false],
    ['https://a.tenant.example:444', false],
    ['https://x.ports.example:9999', true],
    ['https://x.ports.example', true],
    ['https://x.fixed.example:8443', true],
    ['https://x.fixed.example', false],
    ['https://.tenant.example', false],
    ['https://a/b.tenant.example', false],
    ['https://red.colors.example', true],
    ['https://green.colors.example', false],
    ['null', false],
    ['', false],
    [`https://${'a.'.repeat(600)}tenant.example`, false],
  ])('%s → %s', (origin, expected) => {
    expect(matcher.matches(origin)).toBe(expected);
  });
});

describe('isSerializedOrigin', () => {
  it.each([
    ['https://shop.example', true],
    ['http://localhost:3000', true],
    ['https://shop.example:443', false],
    ['http://shop.example:80', false],
    ['https://shop.example:99999', false],
    ['https://Shop.example', false],
    ['null', false],
  ])('%s → %s', async (origin, expected) => {
    const { isSerializedOrigin } = await import('../../lib/core/cors-origin.js');
    expect(isSerializedOrigin(origin)).toBe(expected);
  });
});
