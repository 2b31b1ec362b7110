import { decodeInvalidation, deliverInvalidation, encodeInvalidation } from '../../lib/core/cors-invalidation-message.js';

describe('invalidation messages between replicas', () => {
  it('round-trips one origin and "every origin"', () => {
    expect(decodeInvalidation(encodeInvalidation('a', 'https://x.example'), 'b')).toEqual({ origin: 'https://x.example' });
    expect(decodeInvalidation(encodeInvalidation('a', undefined), 'b')).toEqual({ origin: undefined });
  });

  it("ignores the replica's own messages", () => {
    expect(decodeInvalidation(encodeInvalidation('a', 'https://x.example'), 'a')).toBeNull();
  });

  it.each(['null', '42', '"text"', '[1]', 'not json', 'true'])('ignores a foreign payload %j without throwing', (payload) => {
    expect(decodeInvalidation(payload, 'a')).toBeNull();
  });

  it('reads an object without an origin as "every origin"', () => {
    expect(decodeInvalidation('{}', 'a')).toEqual({ origin: undefined });
    expect(decodeInvalidation(undefined, 'a')).toEqual({ origin: undefined });
  });

  it('delivers to the listener, and never throws (a throwing listener, no listener, a foreign payload)', () => {
    const seen: (string | undefined)[] = [];
    deliverInvalidation(encodeInvalidation('a', 'https://x.example'), 'b', (o) => seen.push(o));
    deliverInvalidation('null', 'b', (o) => seen.push(o));
    expect(seen).toEqual(['https://x.example']);
    expect(() =>
      deliverInvalidation(encodeInvalidation('a', undefined), 'b', () => {
        throw new Error('boom');
      }),
    ).not.toThrow();
    expect(() => deliverInvalidation(encodeInvalidation('a', undefined), 'b', null)).not.toThrow();
  });
});
