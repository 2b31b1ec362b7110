/** The startup report's formatting, table-driven (no Nest). */
import { formatCorsReport, reportCells, summarizeOrigins } from '../../lib/core/cors-report.js';

class TenantOrigins {
  isOriginAllowed() {
    return true;
  }
}
function checkOrigin() {
  return true;
}

describe('summarizeOrigins', () => {
  const many = Array.from({ length: 10_000 }, (_, i) => `https://tenant-${i}.example`);
  it.each<[string, unknown, string]>([
    ['no origin', undefined, '-'],
    ["'*'", '*', '*'],
    ['one string', 'https://app.example.com', 'https://app.example.com'],
    ['a RegExp', /^https:\/\/a\.example$/, '/^https:\\/\\/a\\.example$/'],
    ['a resolver class', TenantOrigins, 'TenantOrigins (resolver)'],
    ['a function', checkOrigin, 'checkOrigin (function)'],
    ['an anonymous function', [() => true][0], 'anonymous (function)'],
    ['a short list, whole', ['https://a.example', 'https://b.example'], 'https://a.example, https://b.example'],
    ['an empty list', [], '(empty list)'],
    ['a long list, cut with a count', many, 'https://tenant-0.example, https://tenant-1.example, +9,998 more'],
    [
      'the last item fits without a tail',
      ['https://aaaa.example', `https://${'b'.repeat(22)}.example`],
      `https://aaaa.example, https://${'b'.repeat(22)}.example`,
    ],
    [
      'one very long item, then a count',
      ['https://' + 'x'.repeat(70) + '.example', 'https://b.example'],
      `https://${'x'.repeat(70)}.example, +1 more`,
    ],
  ])('%s', (_name, origin, expected) => {
    expect(summarizeOrigins(origin as never)).toBe(expected);
  });

  it('keeps the cell near 64 characters whatever the list', () => {
    expect(summarizeOrigins(many as never).length).toBeLessThanOrEqual(70);
  });
});

describe('reportCells', () => {
  it.each<[string, Parameters<typeof reportCells>[0], string[]]>([
    ['@Cors(false)', { method: 'POST', path: '/webhooks', policy: 'off' }, ['POST', '/webhooks', 'off (@Cors(false))', '-', '-']],
    ['no origin anywhere', { method: 'GET', path: '/x', policy: 'none' }, ['GET', '/x', 'none (no origin configured)', '-', '-']],
    [
      'credentials and a method list',
      { method: 'PUT', path: '/a', policy: { origin: 'https://a.example', credentials: true, methods: ['put', 'GET'] } },
      ['PUT', '/a', 'https://a.example', 'yes', 'PUT, GET'],
    ],
    [
      'methods as a string',
      { method: 'GET', path: '/a', policy: { origin: '*', methods: 'GET, post' } },
      ['GET', '/a', '*', 'no', 'GET, POST'],
    ],
    [
      'methods as routed',
      { method: 'GET', path: '/a', policy: { origin: '*', credentials: false } },
      ['GET', '/a', '*', 'no', 'as routed'],
    ],
  ])('%s', (_name, row, expected) => {
    expect(reportCells(row)).toEqual(expected);
  });
});

describe('formatCorsReport', () => {
  it('aligns the columns under a heading and counts the routes', () => {
    const text = formatCorsReport([
      { method: 'GET', path: '/public/status', policy: { origin: '*' } },
      { method: 'POST', path: '/webhooks/payment', policy: 'off' },
    ]);
    expect(text.split('\n')).toEqual([
      'CORS policy per route (2 routes, 1 with CORS):',
      'METHOD  PATH               ORIGINS             CREDENTIALS  METHODS',
      'GET     /public/status     *                   no           as routed',
      'POST    /webhooks/payment  off (@Cors(false))  -            -',
    ]);
  });

  it('says route, not routes, for one', () => {
    expect(formatCorsReport([{ method: 'GET', path: '/', policy: 'none' }]).split('\n')[0]).toBe(
      'CORS policy per route (1 route, 0 with CORS):',
    );
  });
});
