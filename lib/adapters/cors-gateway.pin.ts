/**
 * Keeps the library's origin check in front of a platform hook the app can also set: engine.io's
 * `engine.opts.allowRequest`, ws's `server.options.verifyClient`. Both platforms read the hook from their options
 * object at every handshake, and apps set it themselves (in a gateway's `afterInit(server)`, in a custom adapter,
 * at any time later), which used to replace the library's check silently: any origin was admitted again.
 *
 * Why accessors and not a re-check at install: an app can assign the hook at any moment, before the library
 * installs its check (afterInit runs between Nest assigning the server and our module init) and long after, so no
 * single point in time can see every assignment. The hook therefore becomes a non-configurable accessor:
 *
 * - reading it gives the library's check in front of the app's current function (the function the platform calls);
 * - assigning a function makes it the app's function: it runs after the origin check, only for admitted origins;
 *   assigning anything else (undefined, null) removes the app's function, never the check; `delete` throws;
 * - assigning back what was read (or wrapping it: `const prev = opts.allowRequest; opts.allowRequest = (req, cb) =>
 *   …prev(req, cb)`) neither loops nor stacks: what was read runs the check again (cheap: Socket.IO keeps the
 *   verdict on the request, origin functions' answers are cached) and then the function that followed it then;
 * - replacing the whole options object (`engine.opts = { … }`) moves the accessor onto the new object.
 */

type Hook = (...args: never[]) => unknown;

/**
 * Pins `holder[optionsKey][hookKey]`. `front(inner)` builds the function the platform calls: the library's check,
 * then `inner` (the app's function, or none). The app's function present when the hook is pinned is kept as `inner`.
 * Returns a function that reads the app's current function.
 */
export function pinHook<F extends Hook>(
  holder: object,
  optionsKey: string,
  hookKey: string,
  front: (inner: F | undefined) => F,
): () => F | undefined {
  let user: F | undefined;
  // Fronts this pin built, with the inner each runs: assigning one back restores that inner (no second check).
  const built = new WeakMap<F, F | undefined>();
  let last: { inner: F | undefined; front: F } | null = null;
  const current = (): F => {
    if (last === null || last.inner !== user) {
      const made = front(user);
      built.set(made, user);
      last = { inner: user, front: made };
    }
    return last.front;
  };
  const accept = (value: unknown): void => {
    if (typeof value !== 'function') user = undefined;
    else user = built.has(value as F) ? built.get(value as F) : (value as F);
  };
  // Options objects pinned here: their accessors share this pin, so one assigned back needs no second accessor.
  const pinned = new WeakSet<object>();
  const pinOn = (options: object): void => {
    if (pinned.has(options)) return;
    const initial = (options as Record<string, unknown>)[hookKey];
    // Throws (TypeError) on a frozen object or one already pinned elsewhere: loud, never an unchecked handshake,
    // and before the app's function is taken from it (a failed replacement leaves the current one in place).
    Object.defineProperty(options, hookKey, { get: current, set: accept, enumerable: true, configurable: false });
    accept(initial);
    pinned.add(options);
  };

  let options = (holder as Record<string, unknown>)[optionsKey];
  if (typeof options !== 'object' || options === null) throw new TypeError(`${optionsKey} is not an object: no ${hookKey} to guard`);
  pinOn(options);
  Object.defineProperty(holder, optionsKey, {
    get: () => options,
    set(value: unknown) {
      if (value === options) return;
      if (typeof value !== 'object' || value === null) {
        throw new TypeError(`${optionsKey} must stay an object: nestjs-route-cors checks the origin in its ${hookKey}`);
      }
      pinOn(value);
      options = value;
    },
    enumerable: true,
    configurable: false,
  });
  return () => user;
}
