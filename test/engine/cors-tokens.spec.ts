import {
  isForbiddenRequestHeader,
  isToken,
  MAX_REQUEST_HEADER_NAMES,
  MAX_REQUEST_HEADERS_LENGTH,
  parseRequestHeaders,
} from '../../lib/core/cors-tokens.js';

describe('parseRequestHeaders', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['x-a', ['x-a']],
    ['X-A,Content-Type', ['x-a', 'content-type']],
    [' x-a , x-b ', ['x-a', 'x-b']],
    ['x-a,,x-b,', ['x-a', 'x-b']],
    ['\tx-a', ['x-a']],
    ['x a', null],
    ['x-a;x-b', null],
    ['x-é', null],
    ['x-\u0080', null],
    ['\u0080', null],
    ['x-a ,\tx-b\t', ['x-a', 'x-b']],
    ['x-a x', null],
    ['a', ['a']],
    ['A,b', ['a', 'b']],
    ['a'.repeat(MAX_REQUEST_HEADERS_LENGTH), ['a'.repeat(MAX_REQUEST_HEADERS_LENGTH)]],
    ['a'.repeat(MAX_REQUEST_HEADERS_LENGTH + 1), null],
    ['x-a\r\nx-b', null],
    [','.repeat(5000), null],
    [Array.from({ length: MAX_REQUEST_HEADER_NAMES + 1 }, (_, i) => `h${i}`).join(','), null],
    [
      Array.from({ length: MAX_REQUEST_HEADER_NAMES }, (_, i) => `h${i}`).join(','),
      Array.from({ length: MAX_REQUEST_HEADER_NAMES }, (_, i) => `h${i}`),
    ],
  ])('%j → %j', (input, expected) => {
    expect(parseRequestHeaders(input as string | undefined)).toEqual(expected);
  });
});

describe('isToken', () => {
  it.each([
    ['PUT', true],
    ['X-Custom_1', true],
    ['', false],
    ['A B', false],
    ['a:b', false],
    ['é', false],
    ['\u0080', false],
    ['\u007f', false],
    ["!#$%&'*+-.^_`|~", true],
  ])('%j → %s', (v, e) => {
    expect(isToken(v)).toBe(e);
  });
});

describe('isForbiddenRequestHeader', () => {
  it.each([
    ['cookie', true],
    ['origin', true],
    ['proxy-authorization', true],
    ['proxy-', true],
    ['sec-fetch-mode', true],
    ['sec-', true],
    ['x-proxy-id', false],
    ['x-sec-token', false],
    ['content-type', false],
    ['authorization', false],
  ])('%s → %s', (name, expected) => {
    expect(isForbiddenRequestHeader(name)).toBe(expected);
  });
});
