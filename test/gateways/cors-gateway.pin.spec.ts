/**
 * The two pure pieces under both gateway bindings, without Nest or sockets: `pinHook` (the accessor that keeps the
 * origin check in front of engine.io's `allowRequest` and ws's `verifyClient`) and `checkHandshake` (one guarded
 * handshake: wait for `ready`, then admit or refuse exactly once).
 */
import { jest } from '@jest/globals';
import { checkHandshake, type HandshakeDecision } from '../../lib/adapters/cors-gateway.binding.js';
import { pinHook } from '../../lib/adapters/cors-gateway.pin.js';
import type { HandshakeMatch } from '../../lib/core/cors-handshake.js';
import { flush } from '../held.js';

type Hook = () => unknown;
type Options = Record<string, unknown>;

const NOT_AN_OBJECT = 'opts is not an object: no allowRequest to guard';
const MUST_STAY = 'opts must stay an object: nestjs-route-cors checks the origin in its allowRequest';

/**
 * `holder.opts.allowRequest` pinned. A front returns the app function it was built for, so `read()()` tells which
 * function the platform's call would reach after the check.
 */
function pin(initial?: Options) {
  const holder: { opts: Options } = { opts: initial ?? {} };
  const front = jest.fn(
    (inner: Hook | undefined): Hook =>
      () =>
        inner,
  );
  const user = pinHook<Hook>(holder, 'opts', 'allowRequest', front);
  const read = (): Hook => holder.opts.allowRequest as Hook;
  return { holder, front, user, read };
}

const f: Hook = () => 'f';
const g: Hook = () => 'g';

describe('pinHook', () => {
  it('reading gives the front built for the app function, and the same one while that function stays', () => {
    const t = pin();
    const first = t.read();
    expect(typeof first).toBe('function');
    expect(first()).toBeUndefined();
    expect(t.read()).toBe(first);
    expect(t.front.mock.calls).toEqual([[undefined]]);
  });

  it('keeps a function already in the options as the app function', () => {
    const t = pin({ allowRequest: f, path: '/socket.io' });
    expect(t.user()).toBe(f);
    expect(t.read()()).toBe(f);
    expect(t.holder.opts.path).toBe('/socket.io');
    expect(t.front.mock.calls).toEqual([[f]]);
  });

  it('assigning a function makes it the app function; the front is rebuilt once for it, not for the same one again', () => {
    const t = pin({ allowRequest: f });
    const forF = t.read();
    t.holder.opts.allowRequest = g;
    expect(t.user()).toBe(g);
    const forG = t.read();
    expect(forG).not.toBe(forF);
    expect(forG()).toBe(g);
    t.holder.opts.allowRequest = g;
    expect(t.read()).toBe(forG);
    expect(t.front.mock.calls).toEqual([[f], [g]]);
  });

  it.each([undefined, null, 0, '', 'allow', true, {}])('assigning %p removes the app function, never the check', (value) => {
    const t = pin({ allowRequest: f });
    t.holder.opts.allowRequest = value;
    expect(t.user()).toBeUndefined();
    const now = t.read();
    expect(typeof now).toBe('function');
    expect(now()).toBeUndefined();
    expect(t.front.mock.calls).toEqual([[undefined]]);
  });

  it('assigning back what was read keeps its app function, neither looping nor stacking', () => {
    const t = pin({ allowRequest: f });
    const forF = t.read();
    t.holder.opts.allowRequest = forF;
    expect(t.user()).toBe(f);
    expect(t.read()).toBe(forF);
    // Later, after another function: what was read brings back the function it was built for.
    t.holder.opts.allowRequest = g;
    expect(t.read()()).toBe(g);
    t.holder.opts.allowRequest = forF;
    expect(t.user()).toBe(f);
    expect(t.read()()).toBe(f);
    expect(t.front.mock.calls).toEqual([[f], [g], [f]]);
  });

  it('a front read while there was no app function, assigned back, leaves none', () => {
    const t = pin();
    const none = t.read();
    t.holder.opts.allowRequest = f;
    t.holder.opts.allowRequest = none;
    expect(t.user()).toBeUndefined();
  });

  it('a function wrapping what was read becomes the app function (it runs the check again, then the previous one)', () => {
    const t = pin({ allowRequest: f });
    const prev = t.read();
    const wrapper: Hook = () => prev();
    t.holder.opts.allowRequest = wrapper;
    expect(t.user()).toBe(wrapper);
    expect(t.read()()).toBe(wrapper);
    expect(wrapper()).toBe(f);
  });

  it('the hook is an enumerable accessor that cannot be deleted or redefined (strict mode: delete throws)', () => {
    const t = pin({ allowRequest: f });
    const opts = t.holder.opts;
    expect(Object.keys(opts)).toEqual(['allowRequest']);
    const descriptor = Object.getOwnPropertyDescriptor(opts, 'allowRequest');
    expect(descriptor).toMatchObject({ enumerable: true, configurable: false });
    expect(typeof descriptor?.get).toBe('function');
    expect(typeof descriptor?.set).toBe('function');
    expect(() => delete opts.allowRequest).toThrow(TypeError);
    expect(() => Object.defineProperty(opts, 'allowRequest', { value: g })).toThrow(TypeError);
    expect(t.user()).toBe(f);
    expect(t.read()()).toBe(f);
  });

  it('the options property on the holder is an enumerable accessor that cannot be deleted', () => {
    const t = pin();
    const opts = t.holder.opts;
    expect(Object.keys(t.holder)).toEqual(['opts']);
    expect(Object.getOwnPropertyDescriptor(t.holder, 'opts')).toMatchObject({ enumerable: true, configurable: false });
    expect(() => delete (t.holder as Partial<typeof t.holder>).opts).toThrow(TypeError);
    expect(t.holder.opts).toBe(opts);
  });

  it('replacing the options object moves the accessor onto the new one, whose function becomes the app function', () => {
    const t = pin({ allowRequest: f });
    const old = t.holder.opts;
    const next: Options = { path: '/next', allowRequest: g };
    t.holder.opts = next;
    expect(t.holder.opts).toBe(next);
    expect(t.user()).toBe(g);
    expect(Object.getOwnPropertyDescriptor(next, 'allowRequest')).toMatchObject({ enumerable: true, configurable: false });
    expect(t.read()()).toBe(g);
    expect(() => delete next.allowRequest).toThrow(TypeError);
    next.allowRequest = f;
    expect(t.user()).toBe(f);
    // The old object's accessor still shares the pin.
    old.allowRequest = g;
    expect(t.user()).toBe(g);
    expect(next.allowRequest as Hook).toBe(t.read());
    expect((next.allowRequest as Hook)()).toBe(g);
  });

  it('new options without a function leave no app function', () => {
    const t = pin({ allowRequest: f });
    t.holder.opts = { path: '/next' };
    expect(t.user()).toBeUndefined();
    expect(t.read()()).toBeUndefined();
  });

  it('new options spread from the old ones keep the app function without stacking a second check', () => {
    const t = pin({ allowRequest: f, path: '/a' });
    t.holder.opts = { ...t.holder.opts, path: '/b' };
    expect(t.user()).toBe(f);
    expect(t.read()()).toBe(f);
    expect(t.holder.opts.path).toBe('/b');
    expect(t.front.mock.calls).toEqual([[f]]);
  });

  it('assigning the same options object again changes nothing', () => {
    const t = pin({ allowRequest: f });
    const opts = t.holder.opts;
    const before = t.read();
    t.holder.opts = opts;
    expect(t.holder.opts).toBe(opts);
    expect(t.user()).toBe(f);
    expect(t.read()).toBe(before);
    expect(t.front).toHaveBeenCalledTimes(1);
  });

  it('moving back to options pinned before keeps its accessor and does not read it again', () => {
    const t = pin({ allowRequest: f });
    const first = t.holder.opts;
    t.holder.opts = {};
    t.holder.opts.allowRequest = g;
    t.holder.opts = first;
    expect(t.holder.opts).toBe(first);
    expect(t.user()).toBe(g);
    // Reading its hook would have built a front: none is built until the platform reads.
    expect(t.front).not.toHaveBeenCalled();
    expect(t.read()()).toBe(g);
  });

  it.each([undefined, null, 'opts', 42, () => ({})])('replacing the options with %p throws TypeError and keeps them', (value) => {
    const t = pin({ allowRequest: f });
    const opts = t.holder.opts;
    expect(() => {
      (t.holder as { opts: unknown }).opts = value;
    }).toThrow(new TypeError(MUST_STAY));
    expect(t.holder.opts).toBe(opts);
    expect(t.user()).toBe(f);
    expect(t.read()()).toBe(f);
  });

  it.each([undefined, null, 'opts', 42])('pinning options that are %p throws TypeError and changes nothing', (value) => {
    const holder = { opts: value };
    const front = jest.fn(
      (inner: Hook | undefined): Hook =>
        () =>
          inner,
    );
    expect(() => pinHook<Hook>(holder, 'opts', 'allowRequest', front)).toThrow(new TypeError(NOT_AN_OBJECT));
    expect(Object.getOwnPropertyDescriptor(holder, 'opts')).toEqual({ value, writable: true, enumerable: true, configurable: true });
    expect(front).not.toHaveBeenCalled();
  });

  it('names the options and the hook it was given in its errors (ws: options.verifyClient)', () => {
    expect(() => pinHook<Hook>({ options: null }, 'options', 'verifyClient', () => f)).toThrow(
      new TypeError('options is not an object: no verifyClient to guard'),
    );
    const server = { options: {} as Options };
    pinHook<Hook>(server, 'options', 'verifyClient', () => f);
    expect(() => {
      (server as { options: unknown }).options = 1;
    }).toThrow(new TypeError('options must stay an object: nestjs-route-cors checks the origin in its verifyClient'));
  });

  it('frozen options cannot be pinned: TypeError, loud, never an unchecked handshake', () => {
    const holder = { opts: Object.freeze({ allowRequest: f }) };
    expect(() => pinHook<Hook>(holder, 'opts', 'allowRequest', () => g)).toThrow(TypeError);
  });

  it.each([
    ['frozen', () => Object.freeze({})],
    ['frozen (with a hook)', () => Object.freeze({ allowRequest: g })],
    ['sealed (with a hook)', () => Object.seal({ allowRequest: g })],
    ['not extensible', () => Object.preventExtensions({})],
  ])('replacing the options with %s options throws TypeError and keeps the current ones and their function', (_name, make) => {
    const t = pin({ allowRequest: f });
    const opts = t.holder.opts;
    expect(() => {
      t.holder.opts = make() as Options;
    }).toThrow(TypeError);
    expect(t.holder.opts).toBe(opts);
    // A failed replacement changes nothing: the app's function (its own auth, say) is still the one that runs.
    expect(t.user()).toBe(f);
    expect(t.read()()).toBe(f);
  });

  it('options already pinned by another pin cannot be pinned again (TypeError)', () => {
    const shared: Options = { allowRequest: f };
    pinHook<Hook>({ opts: shared }, 'opts', 'allowRequest', () => f);
    expect(() => pinHook<Hook>({ opts: shared }, 'opts', 'allowRequest', () => g)).toThrow(TypeError);
  });
});

const ALLOWED: HandshakeMatch = { verdict: { allowed: true, reason: 'allowed' }, gateway: null };
const REFUSED: HandshakeMatch = { verdict: { allowed: false, reason: 'refused' }, gateway: null };
const INPUT = { origin: 'https://app.example' };
const never = new Promise<void>(() => undefined);

/** One checkHandshake call; `outcome` lists admit/refuse calls in order. */
function handshake(decision: () => HandshakeDecision<typeof INPUT>, ready: Promise<void>) {
  const outcome: string[] = [];
  checkHandshake(
    decision,
    INPUT,
    ready,
    () => outcome.push('admit'),
    () => outcome.push('refuse'),
  );
  return outcome;
}

/** A `ready` the test settles by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('checkHandshake', () => {
  it.each<[string, HandshakeMatch, string]>([
    ['admits an allowed origin', ALLOWED, 'admit'],
    ['refuses another', REFUSED, 'refuse'],
  ])('with a decision installed, decides at once (%s), without waiting for ready', (_name, match, expected) => {
    const decide = jest.fn((_input: typeof INPUT): HandshakeMatch => match);
    const outcome = handshake(() => decide, never);
    expect(outcome).toEqual([expected]);
    expect(decide.mock.calls).toEqual([[INPUT]]);
  });

  it('refuses when the decision throws', () => {
    const outcome = handshake(
      () => () => {
        throw new Error('resolver bug');
      },
      never,
    );
    expect(outcome).toEqual(['refuse']);
  });

  it.each<[string, () => Promise<HandshakeMatch>, string]>([
    ['an allowed origin is admitted', () => Promise.resolve(ALLOWED), 'admit'],
    ['another is refused', () => Promise.resolve(REFUSED), 'refuse'],
    ['a rejection is a refusal', () => Promise.reject(new Error('store down')), 'refuse'],
  ])('a decision given later (a promise): %s, once it settles', async (_name, answer, expected) => {
    const outcome = handshake(() => answer, never);
    expect(outcome).toEqual([]);
    await flush();
    expect(outcome).toEqual([expected]);
  });

  it.each<[string, HandshakeMatch, string]>([
    ['admits an allowed origin', ALLOWED, 'admit'],
    ['refuses another', REFUSED, 'refuse'],
  ])('with no decision yet, waits for ready, then %s with the decision installed by then', async (_name, match, expected) => {
    const ready = deferred();
    let installed: HandshakeDecision<typeof INPUT> = null;
    const decide = jest.fn((_input: typeof INPUT): HandshakeMatch => match);
    const outcome = handshake(() => installed, ready.promise);
    await flush();
    expect(outcome).toEqual([]);
    installed = decide;
    await flush();
    expect(outcome).toEqual([]);
    expect(decide).not.toHaveBeenCalled();
    ready.resolve();
    await flush();
    expect(outcome).toEqual([expected]);
    expect(decide.mock.calls).toEqual([[INPUT]]);
  });

  it('refuses when ready rejects, even if a decision was installed meanwhile', async () => {
    const ready = deferred();
    let installed: HandshakeDecision<typeof INPUT> = null;
    const decide = jest.fn((_input: typeof INPUT): HandshakeMatch => ALLOWED);
    const outcome = handshake(() => installed, ready.promise);
    installed = decide;
    ready.reject(new Error('the policies did not compile'));
    await flush();
    expect(outcome).toEqual(['refuse']);
    expect(decide).not.toHaveBeenCalled();
  });

  it('refuses when there is still no decision after ready', async () => {
    const outcome = handshake(() => null, Promise.resolve());
    expect(outcome).toEqual([]);
    await flush();
    expect(outcome).toEqual(['refuse']);
  });

  it('after ready, an asynchronous decision is awaited too', async () => {
    const ready = deferred();
    let installed: HandshakeDecision<typeof INPUT> = null;
    const outcome = handshake(() => installed, ready.promise);
    installed = () => Promise.resolve(ALLOWED);
    ready.resolve();
    await flush();
    expect(outcome).toEqual(['admit']);
  });
});
