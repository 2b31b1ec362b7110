/**
 * Policies for paths outside the controller table (`CorsModule.forRoot({ paths })`): GraphQL, Swagger, static
 * files, anything mounted with `app.use()`. Each pattern is validated and compiled once, at startup, into plain
 * route entries (one per method the policy grants), so the route index and the engine treat them like routes.
 */
import { match } from 'path-to-regexp';
import { CompileContext, CompiledPolicy, compilePolicy, CorsProblem, describe } from './cors-compiler.js';
import { CorsPolicy, mergePolicies } from './cors-policy.js';

/** `paths` in the module options: a pattern (path-to-regexp 8, as Nest 12 routes) → a policy, or false. */
export type CorsPathPolicies = Readonly<Record<string, CorsPolicy | false>>;

/**
 * Methods a path policy grants when it names none (neither the path policy nor the module defaults): the
 * CORS-safelisted methods (Fetch §CORS-safelisted method). They cover GraphQL (GET, POST), Swagger and static
 * files; anything that takes PUT, PATCH or DELETE must say so, since no route table tells what the path serves.
 */
export const DEFAULT_PATH_METHODS: readonly string[] = ['GET', 'HEAD', 'POST'];

export interface CompiledPath {
  /** The pattern as written. */
  pattern: string;
  /**
   * Methods this pattern serves, in the order given (HEAD left out when GET is there: GET's entry serves it);
   * `['ALL']` for `false` (every method) or `methods: '*'`.
   */
  methods: string[];
  /** The compiled policy, or null for `false` (no CORS headers, preflights refused). */
  policy: CompiledPolicy | null;
}

export interface CompilePathsResult {
  paths: CompiledPath[];
  problems: CorsProblem[];
  /** The fields each path policy sets itself, by its label (`paths['/graphql']`), to tell its problems from inherited ones. */
  ownFields: Map<string, Set<string>>;
}

/** Where a path policy's problems are reported: `paths['/graphql']`. */
export function pathLabel(pattern: string): string {
  return `paths['${pattern}']`;
}

/** Why `pattern` is not a usable path pattern, or null when it is. */
export function pathPatternProblem(pattern: string): string | null {
  if (pattern === '' || !pattern.startsWith('/')) {
    return `a path pattern starts with '/': use '/${pattern.replace(/^\/*/, '')}' (the path the browser requests; the global prefix is not added)`;
  }
  if (/[?#]/.test(pattern.replace(/\\./g, ''))) return 'a path pattern has no query or fragment: match the path only';
  try {
    match(pattern);
  } catch (error) {
    const message = error instanceof Error ? error.message.split(';')[0] : String(error);
    return `not a path pattern in the syntax Nest 12 routes with (path-to-regexp 8): ${message}. Wildcards are named ('/static/*path'), optional parts go in braces ('/static{/*path}'), '(.*)' and a bare '*' are gone`;
  }
  return null;
}

/**
 * Validates and compiles every path policy, each merged over the module defaults (as `@Cors()` is). All problems
 * are collected, none thrown.
 */
export function compilePathPolicies(paths: unknown, defaults: CorsPolicy, ctx: CompileContext = {}): CompilePathsResult {
  const problems: CorsProblem[] = [];
  const compiled: CompiledPath[] = [];
  const ownFields = new Map<string, Set<string>>();
  if (paths === undefined) return { paths: compiled, problems, ownFields };
  if (paths === null || typeof paths !== 'object' || Array.isArray(paths)) {
    problems.push({
      route: 'CorsModule.forRoot',
      field: 'paths',
      value: describe(paths),
      reason: "paths maps a path pattern to a policy or false: { '/graphql': { credentials: true }, '/api-json': { origin: '*' } }",
    });
    return { paths: compiled, problems, ownFields };
  }
  for (const [pattern, value] of Object.entries(paths as Record<string, unknown>)) {
    const route = pathLabel(pattern);
    const patternProblem = pathPatternProblem(pattern);
    if (patternProblem !== null) problems.push({ route, field: 'path', value: `'${pattern}'`, reason: patternProblem });
    if (value === false) {
      if (patternProblem === null) compiled.push({ pattern, methods: ['ALL'], policy: null });
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push({
        route,
        field: '(policy)',
        value: describe(value),
        reason:
          value === true
            ? 'use {} to apply the module defaults here, or false to switch CORS off'
            : 'a path policy is an object (the fields of @Cors()) or false',
      });
      continue;
    }
    ownFields.set(route, new Set(Object.keys(value)));
    const merged = mergePolicies(defaults, value as CorsPolicy);
    if (merged.origin === undefined) {
      problems.push({
        route,
        field: 'origin',
        value: 'undefined',
        reason: 'no origin here nor in the module defaults: give this path an origin, or false to switch CORS off',
      });
      continue;
    }
    // No route table says what the path serves: grant the safelisted methods unless the policy names its own.
    if (merged.methods === undefined) merged.methods = DEFAULT_PATH_METHODS;
    const result = compilePolicy(merged, route, ctx);
    if (result.policy === null) {
      problems.push(...result.problems);
      continue;
    }
    if (patternProblem !== null) continue;
    // HEAD is served with GET's grant (as Express and Fastify serve HEAD with the GET route): no entry of its own.
    const granted = result.policy.methods;
    const methods = granted === null ? ['ALL'] : [...granted].filter((m) => m !== 'HEAD' || !granted.has('GET'));
    compiled.push({ pattern, methods, policy: result.policy });
  }
  return { paths: compiled, problems, ownFields };
}
