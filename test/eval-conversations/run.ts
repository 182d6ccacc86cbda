/**
 * `npm run eval:conversations [-- --verbose] [-- --json] [-- --split dev|test|samples] [-- --fixtures FILE]
 * [-- --rewrite NAME,…|all] [-- --today YYYY-MM-DD]`: plays the conversation-evaluation splits (dev and test; the samples while
 * neither exists) through one real runtime and prints, per split, the share of conversations that reached
 * their outcome, overall and per category, and the kinds of failure; `--verbose` adds every failure (what
 * happened instead, the turns, the last replies), `--json` prints everything as JSON instead. With
 * `--rewrite`, each split is played again rewritten (rewrites.ts: the same conversations written another
 * way) and the report says how many of those reaching their outcome as written still reach it.
 *
 * Run through test/eval-conversations/run.mjs, which bundles this file against the built `dist/` (the
 * project has no TypeScript runner); under vitest the same code runs from the TypeScript sources.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { cjkFontsInstalled } from '../helpers/slip-image.js';
import { shiftClockTo } from './dates.js';
import { availableSplits, FIXTURES_DIR, loadFixtures } from './fixtures.js';
import { openEvalRuntime, runSplit, type SplitResult } from './harness.js';
import { formatFailures, formatRewrites, formatSummary, rewriteHeld, summarize, toJson, type RewriteResult } from './report.js';
import { REWRITE_NAMES, REWRITES, rewritten, type Rewrite } from './rewrites.js';

const USAGE = `usage: npm run eval:conversations -- [--verbose] [--json] [--split dev|test|samples] [--fixtures FILE]
  --verbose       every failed conversation: what happened instead, its turns, the bot's last replies
  --json          the numbers and every conversation's result as JSON
  --split NAME    only this split (test/fixtures/conversation-eval/NAME.yaml)
  --fixtures FILE only this fixture file
  --rewrite NAMES each split again, rewritten (comma-separated, or all): ${REWRITE_NAMES.join(', ')}
  --today DAY     play as if today (Asia/Shanghai) were DAY, YYYY-MM-DD: days said by weekday or date are
                  read as of the day the conversations were measured on`;

export async function main(argv: string[]): Promise<number> {
  let verbose = false;
  let json = false;
  const files: { name: string; file: string }[] = [];
  let rewrites: Rewrite[] = [];
  let today: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--verbose' || arg === '-v') verbose = true;
    else if (arg === '--json') json = true;
    else if (arg === '--split' || arg === '--fixtures') {
      const value = argv[++i];
      if (!value) return usage(`${arg} needs a value`);
      const file = arg === '--split' ? resolve(FIXTURES_DIR, `${value}.yaml`) : resolve(value);
      if (!existsSync(file)) return usage(`no such fixture file: ${file}`);
      files.push({ name: arg === '--split' ? value : basename(file, '.yaml'), file });
    } else if (arg === '--rewrite') {
      const value = argv[++i];
      if (!value) return usage(`${arg} needs a value`);
      const names = value === 'all' ? REWRITE_NAMES : value.split(',').map((n) => n.trim()).filter(Boolean);
      const unknown = names.filter((n) => !REWRITE_NAMES.includes(n));
      if (unknown.length) return usage(`no such rewrite: ${unknown.join(', ')}`);
      rewrites = REWRITES.filter((r) => names.includes(r.name));
    } else if (arg === '--today') {
      const value = argv[++i];
      if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) return usage(`${arg} needs a day, YYYY-MM-DD`);
      today = value;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    } else return usage(`unknown argument: ${arg}`);
  }
  if (files.length === 0) files.push(...availableSplits());
  if (files.length === 0) return usage(`no fixtures in ${FIXTURES_DIR}`);

  const fixtures = files.map((f) => ({ ...f, fixtures: loadFixtures(f.file) }));
  // Without a Chinese font the slip photos' labels are boxes and every photo conversation fails for that alone.
  if (!cjkFontsInstalled()) {
    process.stderr.write('No Chinese font on this machine: the slip photos cannot be drawn. Install fonts-noto-cjk (apt-get install -y fonts-noto-cjk).\n');
    return 1;
  }
  if (today) shiftClockTo(today);
  const evalRuntime = await openEvalRuntime();
  const splits: SplitResult[] = [];
  const rewriteResults: RewriteResult[] = [];
  const play = async (name: string, f: Parameters<typeof runSplit>[2]) => {
    const progress = process.stderr.isTTY && !json ? (_r: unknown, i: number, n: number) => process.stderr.write(`\r${name}: ${i}/${n}`) : undefined;
    const split = await runSplit(evalRuntime, name, f, progress);
    if (progress) process.stderr.write('\r\x1b[K');
    return split;
  };
  try {
    for (const f of fixtures) {
      const asWritten = await play(f.name, f.fixtures);
      splits.push(asWritten);
      for (const rewrite of rewrites) {
        const conversations = f.fixtures.conversations.map((c) => rewritten(c, rewrite)).filter((c) => c !== undefined);
        const split = await play(`${f.name} rewritten: ${rewrite.name}`, { file: f.file, conversations, invalid: [] });
        rewriteResults.push(rewriteHeld(asWritten, split, rewrite.name));
      }
    }
  } finally {
    await evalRuntime.close();
  }

  if (json) {
    process.stdout.write(`${JSON.stringify(toJson(splits, rewriteResults), null, 2)}\n`);
    return 0;
  }
  for (const split of splits) {
    process.stdout.write(`\n${formatSummary(summarize(split))}\n`);
    if (verbose && split.results.some((r) => !r.passed)) process.stdout.write(`\n${split.name}: failures\n\n${formatFailures(split)}`);
  }
  if (rewriteResults.length) process.stdout.write(`\n${formatRewrites(rewriteResults, REWRITES)}\n`);
  if (verbose) {
    for (const r of rewriteResults.filter((x) => x.lost.length)) {
      process.stdout.write(`\n${r.split.name}: conversations lost\n\n${formatFailures({ ...r.split, results: r.split.results.filter((c) => r.lost.includes(c.id)) })}`);
    }
  }
  if (!verbose && splits.some((s) => s.results.some((r) => !r.passed))) process.stdout.write('\n(--verbose lists every failure with its turns and the bot\'s last replies)\n');
  return 0;
}

function usage(problem: string): number {
  process.stderr.write(`${problem}\n${USAGE}\n`);
  return 2;
}
