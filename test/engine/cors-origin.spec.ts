import { isLocalHost, MAX_ORIGIN_LENGTH, OriginMatcher, parseOriginPattern } from '../../lib/core/cors-origin.js';

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
    ['http://[::1]', { kind: 'exact', origin: 'http://[::1]' }],
    ['http://[::1]:*', { kind: 'any-port', base: 'http://[::1]' }],
    ['http://10.0.0.1:8080', { kind: 'exact', origin: 'http://10.0.0.1:8080' }],
    ['https://a.example:1', { kind: 'exact', origin: 'https://a.example:1' }],
    ['https://a.example:65535', { kind: 'exact', origin: 'https://a.example:65535' }],
    ['http://a.example:443', { kind: 'exact', origin: 'http://a.example:443' }],
    ['https://a_b.example', { kind: 'exact', origin: 'https://a_b.example' }],
    ['https://*.localhost', { kind: 'subdomains', scheme: 'https', suffix: 'localhost', port: '' }],
    ['https://*.example.github.io', { kind: 'subdomains', scheme: 'https', suffix: 'example.github.io', port: '' }],
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
    ['https://app.example.com:', /empty port/],
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

describe('parseOriginPattern: what it says, and what it returns besides the pattern', () => {
  it.each([
    [' NULL ', "'null' is the origin of sandboxed iframes, file: pages and cross-origin redirects: any site can send it. Remove it."],
    ['https://app .example.com', 'remove the whitespace from the origin'],
    ['https://app.example.com ', 'remove the whitespace from the origin'],
    ['//app.example.com/x', "an origin starts with its scheme: use 'https://app.example.com'"],
    ['app.example.com/x', "an origin starts with its scheme: use 'https://app.example.com'"],
    ['1https://a.example', "an origin starts with its scheme: use 'https://1https:'"],
    ['https://app.example.com/', "origins have no path, query or fragment (found a trailing slash): use 'https://app.example.com'"],
    ['HTTPS://App.example.com/a/', "origins have no path, query or fragment (found a path): use 'https://App.example.com'"],
    ['https://app.example.com?', "origins have no path, query or fragment (found a query): use 'https://app.example.com'"],
    ['https://app.example.com#', "origins have no path, query or fragment (found a fragment): use 'https://app.example.com'"],
    ['https://u:p@x@app.example.com', "origins have no user info: use 'https://app.example.com'"],
    ['http://[::1', 'unclosed IPv6 address: write it as [::1]'],
    ['http://[::1]x', 'unexpected text after the IPv6 address'],
    ['http://[::1]:0', "'0' is not a port: use a number in 1–65535 without leading zeros, or '*' for any port"],
    ['https://a.example:99999', "'99999' is not a port: use a number in 1–65535 without leading zeros, or '*' for any port"],
    ['https://a.example:123456', "'123456' is not a port: use a number in 1–65535 without leading zeros, or '*' for any port"],
    ['https://a.example:8x', "'8x' is not a port: use a number in 1–65535 without leading zeros, or '*' for any port"],
    ['https://a.example:x8', "'x8' is not a port: use a number in 1–65535 without leading zeros, or '*' for any port"],
    ['https://A.example:', "empty port: use 'https://a.example'"],
    ['http://[::1]:', "empty port: use 'http://[::1]'"],
    ['https://A.example:443', "browsers never send the default port: use 'https://a.example' instead of 'https://a.example:443'"],
    ['ws://a.example:80', "browsers never send the default port: use 'ws://a.example' instead of 'ws://a.example:80'"],
    ['wss://a.example:443', "browsers never send the default port: use 'wss://a.example' instead of 'wss://a.example:443'"],
    ['https://*.*.example.com', "only a leading '*.' label ('https://*.example.com') or a ':*' port is supported"],
    ['https://*example.com', "only a leading '*.' label ('https://*.example.com') or a ':*' port is supported"],
    ['https://bücher.example', "browsers send internationalized hosts in punycode: write the 'xn--' form"],
    ['https://-a.example', "'-a.example' is not a valid host name"],
    ['https://a-.example', "'a-.example' is not a valid host name"],
    ['https://a.example.', "'a.example.' is not a valid host name"],
    ['https://a%41.example', "'a%41.example' is not a valid host name"],
    ['https://*.co.uk', "'*.co.uk' covers every site under the public suffix 'co.uk': name your own domain ('https://*.example.co.uk')"],
  ])('%j: %s', (input, reason) => {
    expect(parseOriginPattern(input)).toEqual({ ok: false, reason });
  });

  it('returns the scheme and host, lower-cased, without the wildcard label', () => {
    expect(parseOriginPattern('HTTP://Intranet.Example:8080')).toEqual({
      ok: true,
      scheme: 'http',
      host: 'intranet.example',
      pattern: { kind: 'exact', origin: 'http://intranet.example:8080' },
    });
    expect(parseOriginPattern('https://*.Tenant.example:*')).toEqual({
      ok: true,
      scheme: 'https',
      host: 'tenant.example',
      pattern: { kind: 'subdomains', scheme: 'https', suffix: 'tenant.example', port: '*' },
    });
    expect(parseOriginPattern('http://[::1]:*')).toMatchObject({ ok: true, scheme: 'http', host: '[::1]' });
  });
});

describe('isLocalHost', () => {
  it.each([
    ['localhost', true],
    ['app.localhost', true],
    ['[::1]', true],
    ['127.0.0.1', true],
    ['127.10.20.30', true],
    ['localhost.evil.test', false],
    ['evillocalhost', false],
    ['127.0.0.1.evil.test', false],
    ['x127.0.0.1', false],
    ['10.0.0.1', false],
    ['[::2]', false],
  ])('%s → %s', (host, expected) => {
    expect(isLocalHost(host)).toBe(expected);
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

describe('OriginMatcher, one kind of pattern at a time', () => {
  const matcherOf = (...patterns: (string | RegExp)[]) => {
    const m = new OriginMatcher();
    for (const p of patterns) {
      if (p instanceof RegExp) m.addRegExp(p);
      else {
        const parsed = parseOriginPattern(p);
        if (!parsed.ok) throw new Error(parsed.reason);
        m.add(parsed.pattern);
      }
    }
    return m;
  };

  it('counts its patterns (subdomain ports of one suffix count once)', () => {
    expect(matcherOf().size).toBe(0);
    expect(matcherOf('https://a.example', 'http://localhost:*', 'https://*.t.example', 'https://*.t.example:8443', /^a$/).size).toBe(4);
  });

  it('refuses an origin longer than MAX_ORIGIN_LENGTH, even an exact one', () => {
    const host = `${'a'.repeat(60)}.`.repeat(17).slice(0, MAX_ORIGIN_LENGTH - 'https://.example'.length) + '.example';
    const origin = `https://${host}`;
    expect(origin.length).toBe(MAX_ORIGIN_LENGTH);
    expect(matcherOf(origin).matches(origin)).toBe(true);
    const longer = `https://a${host}`;
    expect(matcherOf(longer).matches(longer)).toBe(false);
  });

  it('exact origins only: anything else is refused', () => {
    const m = matcherOf('https://a.example');
    expect(m.matches('https://a.example')).toBe(true);
    expect(m.matches('https://b.example')).toBe(false);
  });

  it('any port alone', () => {
    const m = matcherOf('http://localhost:*');
    expect(m.matches('http://localhost:1')).toBe(true);
    expect(m.matches('http://localhost:80')).toBe(false); // never sent by a browser: not reflected
    expect(m.matches('http://localhost:65536')).toBe(false);
    expect(m.matches('http://localhost:0')).toBe(false);
    expect(m.matches('http://LOCALHOST:3000')).toBe(false);
    expect(m.matches('http://localhost:3000/')).toBe(false);
    expect(m.matches('xhttp://localhost:3000')).toBe(false);
  });

  it('subdomains alone: the port must be the one given, or any with :*', () => {
    const fixed = matcherOf('https://*.t.example:8443');
    expect(fixed.matches('https://a.t.example:8443')).toBe(true);
    expect(fixed.matches('https://a.t.example:8444')).toBe(false);
    expect(fixed.matches('https://a.t.example')).toBe(false);
    const none = matcherOf('https://*.t.example');
    expect(none.matches('https://a.t.example')).toBe(true);
    expect(none.matches('https://a.t.example:8443')).toBe(false);
    expect(none.matches('http://a.t.example')).toBe(false);
    expect(none.matches('https://at.example')).toBe(false);
    const both = matcherOf('https://*.t.example', 'https://*.t.example:8443');
    expect(both.matches('https://a.t.example')).toBe(true);
    expect(both.matches('https://a.t.example:8443')).toBe(true);
    expect(both.matches('https://a.t.example:9000')).toBe(false);
  });

  it('RegExps alone, tried in order until one matches', () => {
    const m = matcherOf(/^https:\/\/a\.example$/, /^https:\/\/b\.example$/);
    expect(m.matches('https://a.example')).toBe(true);
    expect(m.matches('https://b.example')).toBe(true);
    expect(m.matches('https://c.example')).toBe(false);
    expect(m.matches('https://b.example:443')).toBe(false);
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
    ['https://shop.example:65535', true],
    ['https://shop.example:65536', false],
    ['ws://shop.example:80', false],
    ['wss://shop.example:8443', true],
    ['http://[::1]:8080', true],
    ['chrome-extension://abcdef', true],
    ['https://shop.example:0', false],
    [`https://${'a'.repeat(MAX_ORIGIN_LENGTH - 8)}`, true],
    [`https://${'a'.repeat(MAX_ORIGIN_LENGTH - 7)}`, false],
  ])('%s → %s', async (origin, expected) => {
    const { isSerializedOrigin } = await import('../../lib/core/cors-origin.js');
    expect(isSerializedOrigin(origin)).toBe(expected);
  });
});
