import { isToken, MAX_REQUEST_HEADER_NAMES, parseRequestHeaders } from '../../lib/core/cors-tokens.js';

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
  ])('%j → %s', (v, e) => {
    expect(isToken(v)).toBe(e);
  });
});
