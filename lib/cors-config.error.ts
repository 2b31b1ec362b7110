import type { CorsProblem } from './core/cors-compiler.js';

/** Thrown at bootstrap when a policy would not work or would leak: lists every problem, each with its route and fix. */
export class CorsConfigError extends Error {
  override readonly name = 'CorsConfigError';

  constructor(readonly errors: readonly CorsProblem[]) {
    super(
      `Invalid CORS configuration (${errors.length} problem${errors.length === 1 ? '' : 's'}):\n` +
        errors.map((e) => `  - ${e.route}: ${e.field} = ${e.value}: ${e.reason}`).join('\n'),
    );
  }
}
