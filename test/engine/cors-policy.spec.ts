/** Policy values in the engine alone: merging layers, telling resolver classes apart, comparing merged policies. */
import { CorsPolicy, isResolverClass, mergePolicies, POLICY_FIELDS, samePolicy } from '../../lib/core/cors-policy.js';

class TenantOrigins {
  isOriginAllowed() {
    return true;
  }
}
const checkOrigin = () => true;

describe('mergePolicies', () => {
  it('merges field by field, later layers winning, undefined layers and fields skipped', () => {
    const defaults: CorsPolicy = { origin: 'https://a.example', credentials: true, maxAge: 600 };
    const controller: CorsPolicy = { origin: 'https://b.example', maxAge: undefined };
    const handler: CorsPolicy = { methods: ['PUT'] };
    expect(mergePolicies(defaults, undefined, controller, handler)).toEqual({
      origin: 'https://b.example',
      credentials: true,
      maxAge: 600,
      methods: ['PUT'],
    });
  });

  it('keeps false values (credentials: false overrides true) and never changes its inputs', () => {
    const defaults: CorsPolicy = { origin: '*', credentials: true };
    const merged = mergePolicies(defaults, { credentials: false });
    expect(merged).toEqual({ origin: '*', credentials: false });
    expect(defaults).toEqual({ origin: '*', credentials: true });
    expect(mergePolicies()).toEqual({});
  });
});

describe('isResolverClass', () => {
  it.each<[string, unknown, boolean]>([
    ['a class with isOriginAllowed', TenantOrigins, true],
    ['a plain function', checkOrigin, false],
    ['a class without isOriginAllowed', class Other {}, false],
    ['a class whose isOriginAllowed is not a method', Object.assign(function F() {}, { prototype: { isOriginAllowed: true } }), false],
    ['an instance', new TenantOrigins(), false],
    ['a string', 'https://a.example', false],
    ['undefined', undefined, false],
  ])('%s → %s', (_name, value, expected) => {
    expect(isResolverClass(value)).toBe(expected);
  });
});

describe('samePolicy', () => {
  it.each<[string, CorsPolicy | false, CorsPolicy | false, boolean]>([
    ['the same fields', { origin: 'https://a.example', credentials: true }, { credentials: true, origin: 'https://a.example' }, true],
    ['an undefined field counts as absent', { origin: '*', maxAge: undefined }, { origin: '*' }, true],
    ['a field only one sets', { origin: '*', maxAge: 60 }, { origin: '*' }, false],
    ['different values', { origin: 'https://a.example' }, { origin: 'https://b.example' }, false],
    ['RegExps by source and flags', { origin: /^https:\/\/a\.example$/ }, { origin: /^https:\/\/a\.example$/ }, true],
    ['RegExps with other flags', { origin: /^https:\/\/a\.example$/ }, { origin: /^https:\/\/a\.example$/i }, false],
    ['RegExps with other sources', { origin: /^https:\/\/a\.example$/ }, { origin: /^https:\/\/b\.example$/ }, false],
    ['a RegExp and a string', { origin: /^a$/ }, { origin: '^a$' }, false],
    ['arrays item by item', { origin: ['https://a.example', /^b$/] }, { origin: ['https://a.example', /^b$/] }, true],
    [
      'arrays in another order',
      { origin: ['https://a.example', 'https://b.example'] },
      { origin: ['https://b.example', 'https://a.example'] },
      false,
    ],
    ['a longer array', { origin: ['https://a.example'] }, { origin: ['https://a.example', 'https://b.example'] }, false],
    ['a shorter array', { methods: ['GET', 'PUT'] }, { methods: ['GET'] }, false],
    ['an array and a string', { methods: ['GET'] }, { methods: 'GET' }, false],
    ['functions by identity', { origin: checkOrigin }, { origin: checkOrigin }, true],
    ['two functions alike', { origin: () => true }, { origin: () => true }, false],
    ['classes by identity', { origin: TenantOrigins }, { origin: TenantOrigins }, true],
    ['the last field differs', { origin: '*', dangerouslyAllowInsecureOrigins: true }, { origin: '*' }, false],
    ['false and false', false, false, true],
    ['false and a policy', false, {}, false],
    ['a policy and false', {}, false, false],
  ])('%s → %s', (_name, a, b, expected) => {
    expect(samePolicy(a, b)).toBe(expected);
    expect(samePolicy(b, a)).toBe(expected);
  });

  it('compares every field of a policy', () => {
    for (const field of POLICY_FIELDS) {
      expect(samePolicy({ [field]: 1 } as CorsPolicy, {})).toBe(false);
    }
  });
});
