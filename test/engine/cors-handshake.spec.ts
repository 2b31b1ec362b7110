/** WebSocket handshakes in the engine alone, table-driven: gateway policy + Origin + Host → verdict (no Nest, no sockets). */
import { compilePolicy, CompiledPolicy } from '../../lib/core/cors-compiler.js';
import { CompiledHandshakePolicy, decideHandshake, decideHandshakeAny, isSameOrigin } from '../../lib/core/cors-handshake.js';
import type { CorsPolicy } from '../../lib/core/cors-policy.js';
import { MAX_ORIGIN_LENGTH } from '../../lib/core/cors-origin.js';

const APP = 'https://app.example.com';

function compile(policy: CorsPolicy): CompiledPolicy {
  const result = compilePolicy(policy, 'ChatGateway');
  if (!result.policy) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

const gateway = (policy: CorsPolicy, requireOrigin = false): CompiledHandshakePolicy => ({
  mode: 'policy',
  policy: compile(policy),
  requireOrigin,
});
const sameOrigin: CompiledHandshakePolicy = { mode: 'same-origin', policy: null, requireOrigin: false };
const off: CompiledHandshakePolicy = { mode: 'off', policy: null, requireOrigin: true };

describe('isSameOrigin', () => {
  it.each<[string, string | undefined, boolean]>([
    ['https://chat.example', 'chat.example', true],
    ['https://Chat.Example', 'CHAT.example', true],
    ['http://chat.example', 'chat.example', true], // the scheme is not compared (TLS may end at a proxy)
    ['https://chat.example:8443', 'chat.example:8443', true],
    ['https://chat.example:8443', 'chat.example', false],
    ['https://chat.example', 'chat.example:8443', false],
    ['https://chat.example.evil.test', 'chat.example', false],
    // default ports: the same host with or without them, per scheme
    ['https://chat.example:443', 'chat.example', true],
    ['https://chat.example', 'chat.example:443', true],
    ['wss://chat.example:443', 'chat.example', true],
    ['http://chat.example:80', 'chat.example', true],
    ['ws://chat.example', 'chat.example:80', true],
    ['https://chat.example:80', 'chat.example', false],
    ['http://chat.example:443', 'chat.example', false],
    ['ws://chat.example:443', 'chat.example', false],
    // not an origin, or no host to compare with
    ['https://chat.example', undefined, false],
    ['https://chat.example', '', false],
    ['chat.example', 'chat.example', false],
    ['https://', '', false],
    ['https://', 'x', false],
    ['https://chat.example/', 'chat.example/', false],
    ['null', 'null', false],
  ])('%s from host %s → %s', (origin, host, expected) => {
    expect(isSameOrigin(origin, host)).toBe(expected);
  });
});

describe('decideHandshake', () => {
  it.each<[string, CompiledHandshakePolicy, string | undefined, boolean, RegExp]>([
    ['the check is off, whatever the origin', off, 'https://evil.test', true, /check is off .*@Cors\(false\)/],
    ['the check is off, no Origin', off, undefined, true, /check is off/],
    ['no Origin: admitted (not a browser page)', gateway({ origin: APP }), undefined, true, /no Origin header: not a page in a browser/],
    ['no Origin with requireOrigin', gateway({ origin: APP }, true), undefined, false, /no Origin header, and requireOrigin is set/],
    ["'*'", gateway({ origin: '*' }), 'https://any.test', true, /open to '\*'/],
    ['a listed origin', gateway({ origin: [APP] }), APP, true, /matches the gateway's policy/],
    ['another origin', gateway({ origin: [APP] }), 'https://evil.test', false, /not in the gateway's policy/],
    ['a function saying yes', gateway({ origin: () => true }), APP, true, /matches/],
    ['a function saying no', gateway({ origin: () => false }), APP, false, /not in the gateway's policy/],
    ['same origin only: the own host', sameOrigin, 'https://chat.example', true, /same origin \(the gateway has no origins configured/],
    ['same origin only: another host', sameOrigin, APP, false, /not the server's own origin.*add @Cors\(\{ origin \}\)/],
  ])('%s', (_name, gw, origin, allowed, reason) => {
    const verdict = decideHandshake(gw, origin, 'chat.example', undefined);
    expect(verdict).toEqual({ allowed, reason: expect.stringMatching(reason) });
  });

  it('refuses an over-long Origin before any matching, even for a gateway open to *', () => {
    const long = `https://${'a'.repeat(MAX_ORIGIN_LENGTH - 'https://'.length)}`;
    expect(decideHandshake(gateway({ origin: '*' }), long, undefined, undefined)).toMatchObject({ allowed: true });
    expect(decideHandshake(gateway({ origin: '*' }), `${long}b`, undefined, undefined)).toEqual({
      allowed: false,
      reason: expect.stringMatching(/not in the gateway's policy/),
    });
    expect(decideHandshake(off, `${long}b`, undefined, undefined)).toMatchObject({ allowed: true });
  });

  it('passes the request to function origins and waits for an async answer', async () => {
    const seen: unknown[] = [];
    const gw = gateway({
      origin: async (origin: string, request: unknown) => {
        seen.push(request);
        return origin === APP;
      },
    });
    await expect(decideHandshake(gw, APP, 'chat.example', 'req-1')).resolves.toEqual({
      allowed: true,
      reason: expect.stringMatching(/matches/),
    });
    await expect(decideHandshake(gw, 'https://evil.test', 'chat.example', 'req-2')).resolves.toMatchObject({ allowed: false });
    expect(seen).toEqual(['req-1', 'req-2']);
  });

  it('never throws nor rejects: a decider that does is a refusal', async () => {
    const base = compile({ origin: () => true });
    const throwing: CompiledHandshakePolicy = {
      mode: 'policy',
      policy: {
        ...base,
        decider: () => {
          throw new Error('store down');
        },
      },
      requireOrigin: false,
    };
    const rejecting: CompiledHandshakePolicy = {
      mode: 'policy',
      policy: { ...base, decider: () => Promise.reject(new Error('store down')) },
      requireOrigin: false,
    };
    expect(decideHandshake(throwing, APP, undefined, undefined)).toEqual({ allowed: false, reason: expect.stringMatching(/not in/) });
    await expect(decideHandshake(rejecting, APP, undefined, undefined)).resolves.toEqual({
      allowed: false,
      reason: expect.stringMatching(/not in/),
    });
  });
});

describe('decideHandshakeAny', () => {
  const a = gateway({ origin: 'https://a.example' });
  const b = gateway({ origin: 'https://b.example' });

  it('names the first gateway that admits, in the order given', () => {
    expect(decideHandshakeAny([a, b], 'https://b.example', undefined, undefined)).toEqual({
      gateway: b,
      verdict: { allowed: true, reason: expect.stringMatching(/matches/) },
    });
    const both = gateway({ origin: ['https://a.example', 'https://b.example'] });
    expect(decideHandshakeAny([a, both, b], 'https://b.example', undefined, undefined)).toMatchObject({ gateway: both });
  });

  it("when none admits, answers with the first gateway's refusal", () => {
    expect(decideHandshakeAny([sameOrigin, a], 'https://c.example', 'chat.example', undefined)).toEqual({
      gateway: null,
      verdict: { allowed: false, reason: expect.stringMatching(/not the server's own origin/) },
    });
    expect(decideHandshakeAny([], 'https://c.example', undefined, undefined)).toEqual({
      gateway: null,
      verdict: { allowed: false, reason: expect.stringMatching(/not in the gateway's policy/) },
    });
  });

  it('goes on after an async refusal, and stops at the first that admits (a later resolver is not asked)', async () => {
    const asked: string[] = [];
    const asyncGateway = (name: string, answer: boolean) =>
      gateway({
        origin: async () => {
          asked.push(name);
          return answer;
        },
      });
    const first = asyncGateway('first', false);
    const second = asyncGateway('second', true);
    const third = asyncGateway('third', true);
    await expect(decideHandshakeAny([first, second, third], APP, undefined, undefined)).resolves.toMatchObject({
      gateway: second,
      verdict: { allowed: true },
    });
    expect(asked).toEqual(['first', 'second']);

    asked.length = 0;
    const refusing = asyncGateway('refusing', false);
    await expect(decideHandshakeAny([refusing, sameOrigin], APP, 'chat.example', undefined)).resolves.toEqual({
      gateway: null,
      verdict: { allowed: false, reason: expect.stringMatching(/not in the gateway's policy/) },
    });
  });
});
