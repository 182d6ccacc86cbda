/**
 * The conversation evaluation's numbers and their print-out: per split, the share of conversations that
 * reached their outcome, overall and per category, the kinds of failure counted, and (verbose) every
 * failure with what happened instead, the turns and the bot's last replies.
 */
import { CATEGORIES } from './fixtures.js';
import type { ConversationResult, SplitResult } from './harness.js';

export interface Rate {
  n: number;
  reached: number;
  /** reached / n, 0–1 (0 when n is 0). */
  rate: number;
}

export interface SplitSummary extends Rate {
  name: string;
  file: string;
  categories: Record<string, Rate>;
  /** Failure kind → number of conversations that failed so, most frequent first. */
  failureKinds: Record<string, number>;
  /** Passes to read with care (see `ConversationResult.notes`) → how many. */
  passNotes: Record<string, number>;
  invalid: SplitResult['invalid'];
  /** How the slip photos were made: by the slip-image generator, or fixed stand-in pictures. */
  photos: 'rendered' | 'fixed' | 'none';
  ms: number;
}

function rate(results: ConversationResult[]): Rate {
  const reached = results.filter((r) => r.passed).length;
  return { n: results.length, reached, rate: results.length ? reached / results.length : 0 };
}

export function summarize(split: SplitResult): SplitSummary {
  const categories: Record<string, Rate> = {};
  const names = [...CATEGORIES.filter((c) => split.results.some((r) => r.category === c)), ...new Set(split.results.map((r) => r.category).filter((c) => !(CATEGORIES as readonly string[]).includes(c)))];
  for (const c of names) categories[c] = rate(split.results.filter((r) => r.category === c));
  const kinds = new Map<string, number>();
  for (const r of split.results) for (const kind of new Set(r.failures.map((f) => f.kind))) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  const failureKinds = Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  const notes = new Map<string, number>();
  for (const r of split.results) if (r.passed) for (const note of r.notes) notes.set(note, (notes.get(note) ?? 0) + 1);
  const passNotes = Object.fromEntries([...notes].sort((a, b) => b[1] - a[1]));
  const photoSources = new Set(split.results.map((r) => r.photos).filter(Boolean));
  const photos = photoSources.has('rendered') ? 'rendered' : photoSources.has('fixed') ? 'fixed' : 'none';
  return { name: split.name, file: split.file, ...rate(split.results), categories, failureKinds, passNotes, invalid: split.invalid, photos, ms: split.ms };
}

const pct = (r: Rate) => (r.n ? `${(r.rate * 100).toFixed(1)}%` : '—');

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}
const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - width(s))) + s;
const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** The table of one split: overall and per category, then the failure kinds. */
export function formatSummary(s: SplitSummary): string {
  const lines: string[] = [];
  const photos = s.photos === 'rendered' ? 'slip photos rendered by test/helpers/slip-image.ts' : s.photos === 'fixed' ? 'slip photos: fixed stand-in pictures (no slip generator yet)' : '';
  lines.push(`${s.name} — ${s.file.replace(/^.*\/test\//, 'test/')}: ${s.reached}/${s.n} conversations reach their outcome (${pct(s)}) in ${(s.ms / 1000).toFixed(1)} s${photos ? `; ${photos}` : ''}`);
  lines.push('');
  const rows: [string, string, string, string][] = [['category', 'n', 'reached', '%'], ['all', String(s.n), String(s.reached), pct(s)]];
  for (const [name, r] of Object.entries(s.categories)) rows.push([name, String(r.n), String(r.reached), pct(r)]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => width(row[i]!))));
  rows.forEach((row, i) => {
    lines.push(`  ${pad(row[0], widths[0]!)}  ${padStart(row[1], widths[1]!)}  ${padStart(row[2], widths[2]!)}  ${padStart(row[3], widths[3]!)}`);
    if (i === 0) lines.push(`  ${'-'.repeat(widths[0]!)}  ${'-'.repeat(widths[1]!)}  ${'-'.repeat(widths[2]!)}  ${'-'.repeat(widths[3]!)}`);
  });
  const kinds = Object.entries(s.failureKinds);
  if (kinds.length) {
    lines.push('');
    lines.push('  failures by kind (conversations):');
    for (const [kind, n] of kinds) lines.push(`    ${padStart(String(n), 3)}  ${kind}`);
  }
  const notes = Object.entries(s.passNotes);
  if (notes.length) {
    lines.push('');
    lines.push('  passes to read with care (conversations):');
    for (const [note, n] of notes) lines.push(`    ${padStart(String(n), 3)}  ${note}`);
  }
  if (s.invalid.length) {
    lines.push('');
    lines.push(`  ${s.invalid.length} conversation(s) not played (they do not fit the fixture format):`);
    for (const i of s.invalid) lines.push(`    ${i.id}: ${i.reason}`);
  }
  return lines.join('\n');
}

/** Every failed conversation: what was expected, what happened, why, the turns and the last replies. */
export function formatFailures(split: SplitResult): string {
  const out: string[] = [];
  for (const r of split.results.filter((x) => !x.passed)) {
    out.push(`✗ ${r.id} [${r.category}, ${r.lang}] expected: ${r.expected}`);
    out.push(`    happened: ${r.happened}`);
    for (const f of r.failures) out.push(`    - ${f.kind}: ${f.detail}`);
    out.push('    turns (→ where the flow stood after each):');
    r.trace.forEach((turn, i) => {
      const state = turn.flow
        ? `${turn.flow.flowId} ${turn.flow.stage}${turn.flow.pending ? ` ▸${turn.flow.pending}` : ''} [${Object.entries(turn.flow.values).map(([k, v]) => `${k}=${v}`).join(', ')}]`
        : turn.takingMessage
          ? `taking a message ▸${turn.takingMessage}`
          : 'no flow';
      out.push(`      ${i + 1}. ${oneLine(turn.sent, 120)}`);
      out.push(`         → ${oneLine(state, 160)}`);
    });
    out.push('    last bot replies:');
    for (const reply of r.lastReplies) out.push(`      « ${oneLine(reply, 200)}`);
    out.push('');
  }
  return out.join('\n');
}

/** The JSON of a run: each split's numbers and every conversation's result (with its turns). */
export function toJson(splits: SplitResult[], rewrites: RewriteResult[] = []): unknown {
  const splitJson = (split: SplitResult) => {
    const s = summarize(split);
    return { ...s, rate: round(s.rate), categories: Object.fromEntries(Object.entries(s.categories).map(([k, v]) => [k, { ...v, rate: round(v.rate) }])), results: split.results };
  };
  return {
    splits: splits.map(splitJson),
    ...(rewrites.length
      ? { rewrites: rewrites.map((r) => ({ rewrite: r.rewrite, of: r.of, changed: r.changed, heldOf: r.heldOf, held: r.held, rate: round(r.rate), lost: r.lost, gained: r.gained, split: splitJson(r.split) })) }
      : {}),
  };
}

/** One split played again rewritten: of the conversations a rewrite changed, how many still reach their outcome. */
export interface RewriteResult {
  rewrite: string;
  /** The split as written. */
  of: string;
  /** Conversations the rewrite changed (the others are the same messages). */
  changed: number;
  /** …of which reach their outcome as written. */
  heldOf: number;
  /** …and still reach it rewritten. */
  held: number;
  rate: number;
  /** Reached as written, not rewritten. */
  lost: string[];
  /** Reached rewritten only. */
  gained: string[];
  split: SplitResult;
}

export function rewriteHeld(asWritten: SplitResult, rewritten: SplitResult, rewrite: string): RewriteResult {
  const before = new Map(asWritten.results.map((r) => [r.id, r.passed]));
  const reachedBefore = rewritten.results.filter((r) => before.get(r.id) === true);
  const held = reachedBefore.filter((r) => r.passed).length;
  return {
    rewrite,
    of: asWritten.name,
    changed: rewritten.results.length,
    heldOf: reachedBefore.length,
    held,
    rate: reachedBefore.length ? held / reachedBefore.length : 1,
    lost: reachedBefore.filter((r) => !r.passed).map((r) => r.id),
    gained: rewritten.results.filter((r) => r.passed && before.get(r.id) === false).map((r) => r.id),
    split: rewritten,
  };
}

/** The rewrites' table: per split and rewrite, how many conversations reaching their outcome as written still do. */
export function formatRewrites(results: RewriteResult[], rewrites: readonly { name: string; what: string }[]): string {
  const lines = ['Rewritten (the same conversations written another way; of those reaching their outcome as written, how many still do):', ''];
  lines.push('  split   rewrite          changed   held        %   lost (first 8)');
  lines.push('  ------  ---------------  -------  ---------  ------  --------------');
  for (const r of results) {
    const lost = r.lost.slice(0, 8).join(' ') + (r.lost.length > 8 ? ` …+${r.lost.length - 8}` : '');
    lines.push(`  ${r.of.padEnd(6)}  ${r.rewrite.padEnd(15)}  ${String(r.changed).padStart(7)}  ${`${r.held}/${r.heldOf}`.padStart(9)}  ${`${(r.rate * 100).toFixed(1)}%`.padStart(6)}  ${lost}`);
  }
  const used = rewrites.filter((w) => results.some((r) => r.rewrite === w.name));
  lines.push('', ...used.map((w) => `  ${w.name}: ${w.what}`));
  return lines.join('\n');
}

const round = (x: number) => Math.round(x * 1000) / 1000;
