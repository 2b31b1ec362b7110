/**
 * The startup report: one row per route with the policy in force, summarized so an operator can read it next to
 * Nest's `Mapped {/account, GET} route` lines. Pure formatting; the Nest layer decides when and where it is logged.
 */
import { isResolverClass, type CorsPolicy } from './cors-policy.js';

export interface CorsReportRow {
  method: string;
  path: string;
  /** The merged policy, `'off'` for `@Cors(false)`, `'none'` when no level names an origin (no CORS headers). */
  policy: Readonly<CorsPolicy> | 'off' | 'none';
}

/** Longest origins cell before the list is cut to "a, b, +N more". */
const ORIGINS_WIDTH = 64;

function originText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof RegExp) return String(value);
  if (isResolverClass(value)) return `${value.name || 'anonymous'} (resolver)`;
  if (typeof value === 'function') return `${value.name || 'anonymous'} (function)`;
  return String(value);
}

/** `'*'`, `https://a.example, https://b.example, +9,998 more`, `TenantOrigins (resolver)`. */
export function summarizeOrigins(origin: CorsPolicy['origin']): string {
  if (origin === undefined) return '-';
  if (!Array.isArray(origin)) return originText(origin);
  const items = (origin as readonly unknown[]).map(originText);
  if (items.length === 0) return '(empty list)';
  let text = items[0];
  let shown = 1;
  while (shown < items.length) {
    const rest = items.length - shown - 1;
    const next = `${text}, ${items[shown]}`;
    const tail = rest > 0 ? `, +${rest.toLocaleString('en-US')} more` : '';
    if (next.length + tail.length > ORIGINS_WIDTH) break;
    text = next;
    shown++;
  }
  const hidden = items.length - shown;
  return hidden > 0 ? `${text}, +${hidden.toLocaleString('en-US')} more` : text;
}

function methodsText(methods: CorsPolicy['methods']): string {
  if (methods === undefined) return 'as routed';
  const list = typeof methods === 'string' ? methods.split(',') : [...methods];
  return list
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean)
    .join(', ');
}

/** The cells of one row: method, path, origins, credentials, methods. */
export function reportCells(row: CorsReportRow): [string, string, string, string, string] {
  if (row.policy === 'off') return [row.method, row.path, 'off (@Cors(false))', '-', '-'];
  if (row.policy === 'none') return [row.method, row.path, 'none (no origin configured)', '-', '-'];
  const p = row.policy;
  return [row.method, row.path, summarizeOrigins(p.origin), p.credentials === true ? 'yes' : 'no', methodsText(p.methods)];
}

const HEADINGS = ['METHOD', 'PATH', 'ORIGINS', 'CREDENTIALS', 'METHODS'] as const;

/** The whole report: a first line, a heading row, one aligned row per route. */
export function formatCorsReport(rows: readonly CorsReportRow[]): string {
  const cells = rows.map(reportCells);
  const widths = HEADINGS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const withCors = rows.filter((r) => typeof r.policy === 'object').length;
  const title = `CORS policy per route (${rows.length} route${rows.length === 1 ? '' : 's'}, ${withCors} with CORS):`;
  return [title, line(HEADINGS), ...cells.map(line)].join('\n');
}
