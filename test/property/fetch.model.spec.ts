/** The Fetch model is itself code: these cases pin it to the Standard's wording before it judges the engine. */
import { corsCheck, Header, ModelRequest, needsPreflight, parseTokenList, preflightCheck, unsafeHeaderNames } from './fetch.model.js';

const ORIGIN = 'https://app.example.com';
const req = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  origin: ORIGIN,
  method: 'GET',
  headers: [],
  credentials: false,
  ...over,
});
const res = (headers: Header[], status = 200) => ({ status, headers });

describe('Fetch model', () => {
  it.each<[string, Partial<ModelRequest>, boolean]>([
    ['GET without headers', {}, false],
    ['POST with text/plain', { method: 'POST', headers: [['Content-Type', 'text/plain;charset=utf-8']] }, false],
    ['POST with application/json', { method: 'POST', headers: [['Content-Type', 'application/json']] }, true],
    ['PUT', { method: 'PUT' }, true],
    ['lower-case patch is not normalized, still not safelisted', { method: 'patch' }, true],
    ['Accept with a safe value', { headers: [['Accept', 'application/json']] }, false],
    ['Accept with an unsafe byte', { headers: [['Accept', 'a"b']] }, true],
    ['Range bytes=0-', { headers: [['Range', 'bytes=0-']] }, false],
    ['Authorization', { headers: [['Authorization', 'Bearer t']] }, true],
    ['a custom header', { headers: [['X-One', '1']] }, true],
  ])('preflight needed — %s', (_name, over, expected) => {
    expect(needsPreflight(req(over))).toBe(expected);
  });

  it('unsafe header names are lower-cased, unique and sorted', () => {
    expect(
      unsafeHeaderNames([
        ['X-Two', '2'],
        ['x-one', '1'],
        ['X-ONE', '1'],
        ['Content-Type', 'text/plain'],
      ]),
    ).toEqual(['x-one', 'x-two']);
  });

  it.each<[string, Header[], boolean, boolean]>([
    ['* without credentials', [['Access-Control-Allow-Origin', '*']], false, true],
    [
      '* with credentials',
      [
        ['Access-Control-Allow-Origin', '*'],
        ['Access-Control-Allow-Credentials', 'true'],
      ],
      true,
      false,
    ],
    ['exact origin', [['Access-Control-Allow-Origin', ORIGIN]], false, true],
    ['origin with a trailing slash', [['Access-Control-Allow-Origin', `${ORIGIN}/`]], false, false],
    ['origin in another case', [['Access-Control-Allow-Origin', ORIGIN.toUpperCase()]], false, false],
    [
      'two ACAO headers',
      [
        ['Access-Control-Allow-Origin', ORIGIN],
        ['Access-Control-Allow-Origin', ORIGIN],
      ],
      false,
      false,
    ],
    [
      'credentials with ACAC true',
      [
        ['Access-Control-Allow-Origin', ORIGIN],
        ['Access-Control-Allow-Credentials', 'true'],
      ],
      true,
      true,
    ],
    [
      'credentials with ACAC True',
      [
        ['Access-Control-Allow-Origin', ORIGIN],
        ['Access-Control-Allow-Credentials', 'True'],
      ],
      true,
      false,
    ],
    ['credentials without ACAC', [['Access-Control-Allow-Origin', ORIGIN]], true, false],
    ['no ACAO', [], false, false],
  ])('CORS check — %s', (_name, headers, credentials, ok) => {
    expect(corsCheck(req({ credentials }), res(headers)).ok).toBe(ok);
  });

  it('list parsing: whitespace and empty elements are dropped, a non-token fails', () => {
    expect(parseTokenList(' PUT ,, DELETE')).toEqual(['PUT', 'DELETE']);
    expect(parseTokenList(null)).toEqual([]);
    expect(parseTokenList('PUT, DEL ETE')).toBeNull();
  });

  const granted = (extra: Header[]): Header[] => [['Access-Control-Allow-Origin', ORIGIN], ...extra];

  it.each<[string, Partial<ModelRequest>, Header[], number, boolean]>([
    ['PUT listed', { method: 'PUT' }, granted([['Access-Control-Allow-Methods', 'GET, PUT']]), 204, true],
    ['PUT not listed', { method: 'PUT' }, granted([['Access-Control-Allow-Methods', 'GET']]), 204, false],
    ['methods compare case-sensitively', { method: 'PATCH' }, granted([['Access-Control-Allow-Methods', 'patch']]), 204, false],
    ['method * without credentials', { method: 'PUT' }, granted([['Access-Control-Allow-Methods', '*']]), 204, true],
    [
      'method * with credentials',
      { method: 'PUT', credentials: true },
      granted([
        ['Access-Control-Allow-Methods', '*'],
        ['Access-Control-Allow-Credentials', 'true'],
      ]),
      204,
      false,
    ],
    ['safelisted method needs no ACAM', { headers: [['X-One', '1']] }, granted([['Access-Control-Allow-Headers', 'x-one']]), 204, true],
    ['headers compare case-insensitively', { headers: [['x-one', '1']] }, granted([['Access-Control-Allow-Headers', 'X-ONE']]), 204, true],
    ['header * without credentials', { headers: [['X-One', '1']] }, granted([['Access-Control-Allow-Headers', '*']]), 204, true],
    ['* never covers Authorization', { headers: [['Authorization', 'x']] }, granted([['Access-Control-Allow-Headers', '*']]), 204, false],
    [
      'Authorization listed next to *',
      { headers: [['Authorization', 'x']] },
      granted([['Access-Control-Allow-Headers', '*, Authorization']]),
      204,
      true,
    ],
    [
      'header * with credentials',
      { headers: [['X-One', '1']], credentials: true },
      granted([
        ['Access-Control-Allow-Headers', '*'],
        ['Access-Control-Allow-Credentials', 'true'],
      ]),
      204,
      false,
    ],
    ['a status that is not ok', { method: 'PUT' }, granted([['Access-Control-Allow-Methods', 'PUT']]), 403, false],
    ['ACAM that does not parse', { method: 'PUT' }, granted([['Access-Control-Allow-Methods', 'PUT, GE T']]), 204, false],
  ])('preflight check — %s', (_name, over, headers, status, ok) => {
    expect(preflightCheck(req(over), res(headers, status)).ok).toBe(ok);
  });
});
