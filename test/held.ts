/** For the specs of the engine's caches: answers the test settles by hand, and a way to let settled ones land. */

export interface Held<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** A function whose every call returns a promise that the test settles by hand: `held[i]` is the i-th call's. */
export function heldCalls<T>(): { held: Held<T>[]; call: () => Promise<T> } {
  const held: Held<T>[] = [];
  const call = () => new Promise<T>((resolve, reject) => held.push({ resolve, reject }));
  return { held, call };
}

/** Lets promise callbacks already queued run (a settled lookup's or load's then-handlers). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
