// Completion for the KFL box: field names from /api/fields (and their aliases) and the language's
// keywords and functions, offered for the identifier being typed at the caret.
import type { KflCatalogue, KflField } from './types.js';

export interface Suggestion {
  /** What is inserted in place of the identifier being typed. */
  insert: string;
  kind: 'field' | 'keyword' | 'function' | 'method';
  detail: string;
}

const keyword = ([insert, detail]: readonly string[]): Suggestion => ({ insert, kind: 'keyword', detail });

/** Bare keywords of KFL (spec §5), for an API whose catalogue does not list them. */
export const KFL_KEYWORDS: readonly Suggestion[] = [
  ['tcp_flow', 'every TCP connection record'],
  ['flow', 'every flow record'],
  ['tcp', 'a TCP-level connection error: refused, unanswered, reset, half-closed'],
  ['error', 'the record carries an error object'],
  ['icmp', 'ICMP entries'],
  ['dns', 'DNS entries'],
].map(keyword);

/** Operators written as words, and the literals. */
export const KFL_WORDS: readonly Suggestion[] = [
  ['and', 'both sides true (binds tighter than or)'],
  ['or', 'either side true'],
  ['in', 'list membership / map key'],
  ['true', 'boolean'],
  ['false', 'boolean'],
  ['null', 'no value'],
].map(keyword);

export const KFL_FUNCTIONS: readonly Suggestion[] = [
  ['now()', 'the request time'],
  ['timestamp("")', 'RFC 3339 text → timestamp'],
  ['duration("")', 'Go-style duration, e.g. "5m"'],
  ['size()', 'length of a string, list or map'],
  ['map_get(, "", "")', 'map value with a default'],
  ['limit()', 'at most n matches'],
  ['rlimit()', 'the newest n matches'],
  ['redact()', 'hide fields in the output'],
].map(([insert, detail]) => ({ insert, kind: 'function' as const, detail }));

export const KFL_METHODS: readonly Suggestion[] = [
  ['startsWith("")', 'text begins with'],
  ['endsWith("")', 'text ends with'],
  ['contains("")', 'text contains'],
  ['matches("")', 'RE2 search'],
].map(([insert, detail]) => ({ insert, kind: 'method' as const, detail }));

export interface CompletionContext {
  /** Where the identifier being typed starts and ends (the caret may be inside it). */
  start: number;
  end: number;
  prefix: string;
}

/** The text with a suggestion in place of the identifier at `ctx`, and where the caret goes: inside
 * the parentheses or quotes of a call, else after the name. */
export function insertSuggestion(
  text: string,
  ctx: { start: number; end: number },
  chosen: Suggestion,
): { text: string; caret: number } {
  const inner = chosen.insert.search(/\(\)|""|\(,/);
  return {
    text: text.slice(0, ctx.start) + chosen.insert + text.slice(ctx.end),
    caret: ctx.start + (inner >= 0 ? inner + 1 : chosen.insert.length),
  };
}

/** Inside a "…" or '…' literal at `caret`? Completion stays quiet there. */
function inString(text: string, caret: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < caret; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
  }
  return quote !== undefined;
}

/** The dotted identifier around the caret, or undefined where completion does not apply. */
export function completionContext(text: string, caret: number): CompletionContext | undefined {
  if (inString(text, caret)) return undefined;
  let start = caret;
  while (start > 0 && /[\w.]/.test(text[start - 1])) start--;
  let end = caret;
  while (end < text.length && /\w/.test(text[end])) end++;
  const prefix = text.slice(start, caret);
  if (prefix.length === 0 || !/^[A-Za-z_]/.test(prefix)) return undefined;
  return { start, end, prefix };
}

function fieldSuggestions(fields: readonly KflField[]): Suggestion[] {
  return fields.flatMap((f) => [
    { insert: f.name, kind: 'field' as const, detail: `${f.type} · ${f.description}` },
    ...f.aliases
      .filter((a) => /^[A-Za-z_][\w.]*$/.test(a))
      .map((a) => ({ insert: a, kind: 'field' as const, detail: `alias of ${f.name}` })),
  ]);
}

/**
 * Suggestions for `prefix`: names starting with it first (shortest first), then names containing it
 * after a dot or underscore; after `field.` also the string methods. At most `max`.
 */
export function suggest(prefix: string, catalogue: KflCatalogue, max = 12): Suggestion[] {
  const lower = prefix.toLowerCase();
  const dot = prefix.lastIndexOf('.');
  const methods =
    dot > 0 ? KFL_METHODS.map((m) => ({ ...m, insert: `${prefix.slice(0, dot + 1)}${m.insert}` })) : [];
  const keywords = catalogue.keywords?.map((k) => keyword([k.name, k.description])) ?? KFL_KEYWORDS;
  const candidates = [
    ...fieldSuggestions(catalogue.fields),
    ...keywords,
    ...KFL_WORDS,
    ...KFL_FUNCTIONS,
    ...methods,
  ];
  const starts = candidates.filter((c) => c.insert.toLowerCase().startsWith(lower) && c.insert !== prefix);
  const inside = candidates.filter(
    (c) =>
      !c.insert.toLowerCase().startsWith(lower) &&
      new RegExp(`[._]${escapeRegExp(lower)}`).test(c.insert.toLowerCase()),
  );
  starts.sort((a, b) => a.insert.length - b.insert.length || a.insert.localeCompare(b.insert));
  const seen = new Set<string>();
  return [...starts, ...inside].filter((c) => !seen.has(c.insert) && seen.add(c.insert)).slice(0, max);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
