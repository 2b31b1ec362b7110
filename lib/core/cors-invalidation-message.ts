/** The message replicas exchange to invalidate cached origin decisions (PostgreSQL NOTIFY, Redis pub/sub). */

export function encodeInvalidation(from: string, origin: string | undefined): string {
  return JSON.stringify({ from, origin: origin ?? null });
}

/**
 * What to invalidate for a message from the channel: `{ origin }` (undefined: every origin), or null for a message
 * to ignore — this replica's own, or anything that is not an invalidation (the channel may be shared: never throw).
 */
export function decodeInvalidation(payload: string | undefined, self: string): { origin: string | undefined } | null {
  let message: unknown;
  try {
    message = JSON.parse(payload ?? '{}');
  } catch {
    return null;
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return null;
  const { from, origin } = message as { from?: unknown; origin?: unknown };
  if (from === self) return null;
  return { origin: typeof origin === 'string' ? origin : undefined };
}

/** Hands a channel message to `listener`: foreign payloads and this replica's own are dropped; never throws. */
export function deliverInvalidation(
  payload: string | undefined,
  self: string,
  listener: ((origin: string | undefined) => void) | null | undefined,
): void {
  const message = listener ? decodeInvalidation(payload, self) : null;
  if (message === null) return;
  try {
    listener!(message.origin);
  } catch {
    // A listener that throws must not take down the driver's event handler (and with it the process).
  }
}
