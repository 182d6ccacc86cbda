/**
 * The conversation evaluation in `npm test`: the test split (the samples while it does not exist) is
 * played through one real runtime, in process, and must reach its outcome at least as often as it does
 * today (a floor a little under the measured score, so the dialog cannot get worse silently); and the
 * judge itself is checked: a sample with a deliberately wrong expectation must be reported as a failure,
 * saying why, and the sample as written must pass. `npm run eval:conversations` prints the full report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PREBUILT_INDEX_ENV } from '../helpers/prebuilt-index.js';
import { shanghaiDate, shiftClockTo } from './dates.js';
import { ConversationSpec, FIXTURES_DIR, loadFixtures, ROOT } from './fixtures.js';
import { openEvalRuntime, playConversation, runSplit, type EvalRuntime } from './harness.js';
import { summarize } from './report.js';
import { REWRITES, rewritten } from './rewrites.js';

const TEST_SPLIT = join(FIXTURES_DIR, 'test.yaml');
const SAMPLES = join(FIXTURES_DIR, 'samples.yaml');

/**
 * Share of conversations that must reach their outcome: what each file scored when the floor was set,
 * rounded down a little. Raise it when the dialog gets better.
 */
const FLOORS: Record<string, number> = {
  'test.yaml': 0.85, // 109/117 (93.2%) now; 108/117 before mistakes at the till told with no request word, a question beside a request, Cantonese 嗰/碌/嘅 (batches 44–61); 107/117 before a stopped request taken up again when the void failed; 106/117 before an answered option corrected while another is asked; 105/117 before six fresh batches' lessons (values compared by value, a correction after the answer, reasons told as stories, 几天/啥/那啥 read as statements, …); 104/117 before a hold asked for until something else is done and Cantonese 冇; 103/117 before a value corrected inside its own message and '申请一个退货' no reason; 102/117 before the ninth round (a value said wrong replaced wherever given, English slot names, the amount said with 刷错, Cantonese 呢单); 101/117 before a status asked with one's own merchant ID, two days told apart by the swipe, facts sent alone; 97/117 before corrections naming no slot, status asked of the chat's own request and options typed by sound; 96/117 before the status from the chat that filed; 93/117 before reasons told in the first message, resume days not known yet, named reasons asking no detail; 90/117 before requests switched mid-flow, facts after a question's topic, reasons in own words; 85/117 before amounts anywhere, Cantonese and traditional script, status as merchants ask it; 83 before the one waiting ticket; 76/117 before giving up heard anywhere and the ticket never asked; 73/117 before the slip's last word and the English typos; 69/117 before the reasons told as what happened; 55/117 (47.0%) after the first dialog work of issue 13, 15.4% when the harness and the fixtures landed
  'samples.yaml': 0.6,
};

let evalRuntime: EvalRuntime;
beforeAll(async () => {
  evalRuntime = await openEvalRuntime();
});
afterAll(async () => {
  await evalRuntime?.close();
});

const samples = () => loadFixtures(SAMPLES).conversations;
const sample = (id: string): ConversationSpec => structuredClone(samples().find((c) => c.id === id)!);

describe('conversation evaluation', () => {
  it('reaches the outcome in at least as many conversations of the test split as it did', async () => {
    const file = existsSync(TEST_SPLIT) ? TEST_SPLIT : SAMPLES;
    const name = file === TEST_SPLIT ? 'test' : 'samples';
    const split = await runSplit(evalRuntime, name, loadFixtures(file));
    const s = summarize(split);
    const perConversation = s.n ? split.ms / s.n : 0;
    console.log(`${name}: ${s.reached}/${s.n} reach their outcome (${(s.rate * 100).toFixed(1)}%) in ${(split.ms / 1000).toFixed(1)} s (${perConversation.toFixed(0)} ms a conversation)`);
    expect(split.invalid, 'every conversation fits the fixture format').toEqual([]);
    expect(s.n).toBeGreaterThan(0);
    expect(s.rate).toBeGreaterThanOrEqual(FLOORS[file === TEST_SPLIT ? 'test.yaml' : 'samples.yaml']!);
  }, 300_000);

  // The samples are real conversations: when the dialog changes, one may stop reaching its outcome. The
  // checks below then still hold: a wrong expectation fails either way, and says why when the rest held.
  it('passes a conversation that reaches its outcome, with the values it filed', async () => {
    const result = await playConversation(evalRuntime, sample('s-001'));
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.happened).toMatch(/^filed cancel-transaction CX-\d{8}-\d{4}/);
  });

  it('fails a conversation whose expectation is wrong, and says why', async () => {
    const filedAsWritten = (await playConversation(evalRuntime, sample('s-001'))).passed;
    const wrongAmount = sample('s-001');
    wrongAmount.expect.values!.amount = 561;
    const amount = await playConversation(evalRuntime, wrongAmount);
    expect(amount.passed).toBe(false);
    expect(amount.lastReplies.length).toBeGreaterThan(0);
    expect(amount.lastReplies.length).toBeLessThanOrEqual(3);
    if (filedAsWritten) {
      expect(amount.failures).toEqual([{ kind: 'wrong value: amount', detail: 'amount: expected 56100 fen, filed ¥560.00 (56000)' }]);
      expect(amount.lastReplies.at(-1)).toMatch(/工单号 CX-\d{8}-\d{4}/);

      const wrongOutcome = sample('s-001');
      wrongOutcome.expect = { outcome: 'not-filed' };
      const filed = await playConversation(evalRuntime, wrongOutcome);
      expect(filed.passed).toBe(false);
      expect(filed.failures.map((f) => f.kind)).toEqual(['filed although not wanted']);
    }

    const handedOver = (await playConversation(evalRuntime, sample('s-005'))).passed;
    const wrongPhone = sample('s-005');
    wrongPhone.expect.handoff = { phone: '13900009999' };
    const handoff = await playConversation(evalRuntime, wrongPhone);
    expect(handoff.passed).toBe(false);
    if (handedOver) {
      expect(handoff.failures.map((f) => f.kind)).toEqual(['handoff phone not recorded']);
      expect(handoff.happened).toContain('callback 13900001111');
    }

    const notAnAnswer = sample('s-007');
    notAnAnswer.expect = { outcome: 'status-shown', tickets: ['CX-20260101-0001'] };
    const answered = await playConversation(evalRuntime, notAnAnswer);
    expect(answered.passed).toBe(false);
    expect(answered.failures.map((f) => f.kind)).toEqual(['ticket not shown']);
  });

  it('rewrites a conversation the same way every time, only its turns, never a ticket placeholder', () => {
    const spec = sample('s-003'); // a status check: '{{ticket:A}}' among its turns
    for (const rewrite of REWRITES) {
      const once = rewritten(spec, rewrite);
      expect(rewritten(spec, rewrite), rewrite.name).toEqual(once);
      if (!once) continue;
      expect(once.expect).toEqual(spec.expect);
      if (rewrite.text) expect(once.turns).toHaveLength(spec.turns.length); // turn by turn
      else expect(once.turns.length).toBeGreaterThan(spec.turns.length); // a turn added or cut in two
      expect(JSON.stringify(once.turns), rewrite.name).toContain('{{ticket:A}}');
    }
    expect(rewritten(spec, REWRITES.find((r) => r.name === 'full-width')!)!.turns).toContain('810199000000003'.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))));
    const rewrite = (name: string) => REWRITES.find((r) => r.name === name)!;
    expect(rewritten(sample('s-001'), rewrite('no-punctuation'))!.turns[0]).toBe('我要申请退货 商户编号810199000000001 终端编号55667701 前天的交易 金额560元 凭证号000777');
    expect(rewritten(sample('s-001'), rewrite('burst'))!.turns.slice(0, 2)).toEqual(['我要申请退货', '商户编号810199000000001，终端编号55667701，前天的交易，金额560元，凭证号000777']);
    expect(rewritten(sample('s-001'), rewrite('traditional'))!.turns[0]).toMatch(/^我要申請退貨/);
  });

  it('replays as of another day with --today: today in Shanghai is that day, the time of day runs on', () => {
    const restore = shiftClockTo('2026-12-06');
    try {
      expect(shanghaiDate(0)).toBe('2026-12-06');
      expect(shanghaiDate(-1)).toBe('2026-12-05');
      expect(Math.abs(new Date().getTime() - Date.now())).toBeLessThan(1000);
      expect(new Date('2026-01-01T00:00:00Z').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    } finally {
      restore();
    }
    // The real clock is back.
    expect(Math.abs(Date.now() - (performance.timeOrigin + performance.now()))).toBeLessThan(60_000);
  });

  it('lists conversations that do not fit the format, with the reason, and plays the others', () => {
    const bad = [
      { id: 'x-1', category: 'several-facts', lang: 'zh', turns: ['hi'], expect: { outcome: 'filed' } },
      { id: 'x-2', category: 'photos', lang: 'zh', turns: ['hi'], expect: { outcome: 'answered' } },
      { id: 'x-3', category: 'photo', lang: 'zh', turns: [{ photo: 's9' }, '{{ticket:B}}'], expect: { outcome: 'answered' } },
      { id: 'x-4', category: 'status', lang: 'zh', turns: ['hi'], expect: { outcome: 'answered', value: 1 } },
    ];
    const reasons = bad.map((c) => {
      const parsed = ConversationSpec.safeParse(c);
      return parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    });
    expect(reasons[0]).toContain('expect.flow: outcome filed needs the flow');
    expect(reasons[1]).toMatch(/^category: /);
    expect(reasons[2]).toContain('no slip "s9" under slips');
    expect(reasons[2]).toContain('{{ticket:B}} names no setup request');
    expect(reasons[3]).toMatch(/expect: .*value/);
  });

  it('runs as `npm run eval:conversations` (run.mjs, the product from dist/), playing the same conversations', () => {
    if (!existsSync(join(ROOT, 'dist', 'app', 'runtime.js'))) return; // npm test builds first
    // The child starts from the run's prebuilt knowledge index, as every runtime of this run does.
    const env = { ...process.env, [PREBUILT_INDEX_ENV]: inject('prebuiltIndexDir') };
    const run = spawnSync(process.execPath, [join(ROOT, 'test', 'eval-conversations', 'run.mjs'), '--split', 'samples', '--json', '--rewrite', 'thanks'], { encoding: 'utf8', env, timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    type Split = { name: string; n: number; reached: number; results: { id: string; passed: boolean; trace: { sent: string }[] }[] };
    const out = JSON.parse(run.stdout) as { splits: Split[]; rewrites: { rewrite: string; changed: number; heldOf: number; held: number; lost: string[]; split: Split }[] };
    expect(out.splits.map((s) => s.name)).toEqual(['samples']);
    expect(out.splits[0]!.results.map((r) => r.id)).toEqual(samples().map((c) => c.id));
    expect(out.splits[0]!.results.every((r) => typeof r.passed === 'boolean')).toBe(true);
    // --rewrite plays the split again rewritten and says how many held: every sample ends with thanks.
    const [thanks] = out.rewrites;
    expect(thanks!.rewrite).toBe('thanks');
    expect(thanks!.changed).toBe(samples().length);
    expect(thanks!.split.results.every((r) => /(?:谢谢|麻烦了|辛苦了|谢谢啦|thanks|thank you|thx)$/.test(r.trace.at(-1)!.sent))).toBe(true);
    expect(thanks!.held + thanks!.lost.length).toBe(thanks!.heldOf);
  }, 150_000);
});
