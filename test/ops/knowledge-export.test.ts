/**
 * `pos-assist knowledge export`: the console's paraphrases into their sections' `### 问法` lists and the
 * curated answers into `curated-answers.md` — the CLI's command (in this process) over a real SQLite file
 * and a copy of the knowledge folder; then a bot with a fresh database (no edits at all) answers both
 * questions from the exported files alone.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKnowledge } from '../../src/knowledge/documents.js';
import { addQuestions } from '../../src/ops/knowledge-export.js';
import { openDatabase } from '../../src/store/index.js';
import { runMain, type CliRun } from '../helpers/cli.js';
import { tempDir } from '../helpers/runtime.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const dataDir = tempDir();
const knowledgeDir = join(tempDir(), 'knowledge');

const MISSED = '收银员按错了键把人家的单子打出来了咋弄回去';
const CURATED_Q = '外卡能刷吗';
const CURATED_A = '可以刷。Visa、Mastercard 等境外卡按终端提示插卡或挥卡即可。';

/** A command in this process (`main`), over this file's data and knowledge folders. */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runMain(args, { DATA_DIR: dataDir, KNOWLEDGE_DIR: knowledgeDir, ...env });

beforeAll(async () => {
  cpSync(join(ROOT, 'knowledge'), knowledgeDir, { recursive: true });
  // The edits as the console stores them (src/ops/knowledge-edits.ts): newest version per question counts.
  const store = await openDatabase({ filename: join(dataDir, 'pos-assist.sqlite') });
  const row = { actor_id: 1, actor_name: 'boss', created_at: '2026-12-04T10:00:00.000Z', answer: null, file: null, section: null };
  await store.db
    .insertInto('knowledge_edits')
    .values([
      { ...row, kind: 'paraphrase', question_key: MISSED, question: MISSED, file: 'void-refund-steps.md', section: '消费撤销操作步骤', status: 'active' },
      { ...row, kind: 'paraphrase', question_key: 'removed one', question: 'removed one', file: 'void-refund-steps.md', section: '消费撤销操作步骤', status: 'active' },
      { ...row, kind: 'paraphrase', question_key: 'removed one', question: 'removed one', file: 'void-refund-steps.md', section: '消费撤销操作步骤', status: 'removed' },
      { ...row, kind: 'paraphrase', question_key: 'gone', question: '没有这个文件', file: 'gone.md', section: 'x', status: 'active' },
      { ...row, kind: 'curated', question_key: CURATED_Q, question: CURATED_Q, answer: CURATED_A, status: 'active' },
    ])
    .execute();
  await store.close();
}, 60_000);

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(join(knowledgeDir, '..'), { recursive: true, force: true });
});

describe('addQuestions', () => {
  const md = ['---', 'title: T', '---', '', '## 一', '正文。', '', '### 问法', '- 已有的', '', '### English: One', 'Text.', '', '## 二', '正文二。', '', '### English: Two', 'Two.', ''].join('\n');

  it('appends to a section\'s list, leaving out what it lists already', () => {
    const r = addQuestions(md, '一', ['已有的？', '新的问法'])!;
    expect(r.added).toEqual(['新的问法']);
    expect(r.text).toContain('### 问法\n- 已有的\n- 新的问法\n\n### English: One');
    expect(addQuestions(r.text, '一', ['新的问法'])!.added).toEqual([]);
  });

  it('creates the list before the English block when the section has none; an unknown heading is undefined', () => {
    const r = addQuestions(md, '二', ['第二个'])!;
    expect(r.text).toContain('## 二\n正文二。\n\n### 问法\n- 第二个\n\n### English: Two');
    expect(addQuestions(md, '三', ['x'])).toBeUndefined();
  });
});

describe('pos-assist knowledge export', () => {
  it('--dry-run reports and writes nothing', async () => {
    const before = readFileSync(join(knowledgeDir, 'void-refund-steps.md'), 'utf8');
    const run = await cli(['knowledge', 'export', '--dry-run', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ dryRun: true, files: [{ file: 'void-refund-steps.md', added: [MISSED] }], curated: 1 });
    expect(readFileSync(join(knowledgeDir, 'void-refund-steps.md'), 'utf8')).toBe(before);
  });

  it('writes the paraphrase into its section and the curated answer into curated-answers.md; a second export adds nothing', async () => {
    const run = await cli(['knowledge', 'export', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ files: [{ file: 'void-refund-steps.md', added: [MISSED] }], curated: 1 });
    expect(report.skipped).toEqual([expect.objectContaining({ file: 'gone.md', reason: 'no such file' })]);

    const chunks = loadKnowledge(knowledgeDir).chunks;
    const section = chunks.find((c) => c.file === 'void-refund-steps.md' && c.section === '消费撤销操作步骤' && c.lang === 'zh' && c.questions.length > 0)!;
    expect(section.questions).toContain(MISSED);
    expect(section.questions).not.toContain('removed one');
    const curated = chunks.filter((c) => c.file === 'curated-answers.md');
    expect(curated).toEqual([expect.objectContaining({ title: '精选答复', section: CURATED_Q, text: CURATED_A, questions: [CURATED_Q] })]);

    expect(JSON.parse((await cli(['knowledge', 'export', '--json'])).stdout).files).toEqual([]);
    expect((await cli(['knowledge', 'import'])).code).toBe(2);
  });

  it('the exported files answer both questions for a bot whose database has no edits', async () => {
    const fresh = tempDir();
    try {
      const missed = await cli(['ask', MISSED, '--json'], { DATA_DIR: fresh });
      expect(missed.code, missed.stderr).toBe(0);
      expect(JSON.parse(missed.stdout)).toMatchObject({ answered: true, sources: [expect.objectContaining({ file: 'void-refund-steps.md', section: '消费撤销操作步骤' })] });
      const curated = JSON.parse((await cli(['ask', CURATED_Q, '--json'], { DATA_DIR: fresh })).stdout);
      expect(curated).toMatchObject({ answered: true, sources: [expect.objectContaining({ file: 'curated-answers.md' })] });
      expect(curated.answer).toContain('境外卡');
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 240_000);
});
