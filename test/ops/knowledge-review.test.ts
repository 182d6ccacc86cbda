/**
 * The rest of knowledge upkeep on a REAL server (real SQLite in a temp DATA_DIR, real HTTP on 127.0.0.1):
 * an agent proposes one of their replies in a resolved handoff as a curated answer, which is not live
 * until a supervisor approves it (edited) — then versioned, audited and answering merchants — or rejects
 * it; agents cannot decide (403); card numbers are masked in what is stored. A gap fixed by an edit, or
 * marked handled, leaves the open list for the handled one and comes back when asked again. The console's
 * export download holds what `pos-assist knowledge export` writes.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t } from '../../src/i18n/messages.js';
import { AuditLog } from '../../src/ops/audit-log.js';
import { KnowledgeEdits } from '../../src/ops/knowledge-edits.js';
import { exportKnowledgeEdits } from '../../src/ops/knowledge-export.js';
import { agent, api, dbOf, details, Merchant, onlyHandoff, startHandoffServer, type AgentClient } from '../handoff/helpers.js';
import type { TestServer } from '../webchat/helpers.js';

let ts: TestServer;
let boss: AgentClient;
let ann: AgentClient;
let kai: AgentClient;

const QUESTION = '外卡能刷吗';
const REPLY = '可以刷的。Visa、Mastercard 这些境外卡按终端提示插卡或挥卡就行，签购单上会显示卡组织。祝您生意兴隆！';
const EDITED = '可以刷。Visa、Mastercard 等境外卡按终端提示插卡或挥卡即可，签购单上会显示卡组织。';
const NO_ANSWER = t('zh-CN', 'noAnswer').split('\n')[0]!;
const CARD = '6222021234567890128';
const MASKED = '622202*********0128';

type Proposal = { id: number; handoffId: string; eventId: number; question: string; answer: string; status: string; by: string; decidedBy: string | null; editId: number | null; note: string | null };
type Gaps = { groups: { examples: string[]; questions: string[]; handled: null }[]; handled: { examples: string[]; handled: { by: string; edit: { id: number; kind: string } | null } }[] };

/** A merchant asks `question` (answered with `answered`), asks for a person; `owner` claims and replies. */
async function handedOff(question: string, owner: AgentClient, reply: string, answered: string | RegExp = NO_ANSWER) {
  const merchant = await Merchant.open(ts);
  await merchant.turn(question, answered);
  await merchant.turn('转人工', /客服|排队|前面/);
  const handoff = await onlyHandoff(ts, merchant.conversationId);
  expect((await api(ts, owner, 'POST', `/agent/api/handoffs/${handoff.id}/claim`)).status).toBe(200);
  const sent = await api<{ event: { id: number } }>(ts, owner, 'POST', `/agent/api/handoffs/${handoff.id}/messages`, { body: { text: reply } });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  return { merchant, id: handoff.id, eventId: sent.body.event.id };
}

const preview = (question: string) => api<{ answered: boolean; passages: string[]; curated: { id: number } | null }>(ts, boss, 'POST', '/agent/api/knowledge/preview', { body: { question } });
const gaps = async () => (await api<Gaps>(ts, boss, 'GET', '/agent/api/knowledge/gaps')).body;

beforeAll(async () => {
  ts = await startHandoffServer();
  boss = await agent(ts, 'boss', 'supervisor');
  ann = await agent(ts, 'ann');
  kai = await agent(ts, 'kai');
}, 60_000);

afterAll(async () => {
  await ts?.destroy();
});

describe("an agent's reply proposed as a curated answer", () => {
  let handoff: Awaited<ReturnType<typeof handedOff>>;
  let proposal: Proposal;

  it('is proposed by the agent who sent it, in a conversation being resolved; nobody else may, nor twice', async () => {
    handoff = await handedOff(QUESTION, ann, REPLY);
    // The console prefills the question that led to the handoff: the bot tried it and found nothing.
    const d = await details(ts, ann, handoff.id);
    expect(d.package.botTried.map((b) => b.question)).toContain(QUESTION);

    const notHers = await api(ts, kai, 'POST', `/agent/api/handoffs/${handoff.id}/proposals`, { body: { eventId: handoff.eventId, question: QUESTION } });
    expect(notHers.status).toBe(409); // kai does not own this open conversation
    const claimed = d.events.find((e) => e.kind === 'claimed')!;
    const notAReply = await api(ts, ann, 'POST', `/agent/api/handoffs/${handoff.id}/proposals`, { body: { eventId: claimed.id, question: QUESTION } });
    expect(notAReply.status).toBe(400);
    expect(notAReply.body.error.message).toContain('eventId');
    expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${handoff.id}/proposals`, { body: { eventId: handoff.eventId, question: '  ' } })).status).toBe(400);

    const made = await api<Proposal>(ts, ann, 'POST', `/agent/api/handoffs/${handoff.id}/proposals`, { body: { eventId: handoff.eventId, question: QUESTION } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    proposal = made.body;
    expect(proposal).toMatchObject({ handoffId: handoff.id, eventId: handoff.eventId, question: QUESTION, answer: REPLY, status: 'pending', by: 'ann' });
    expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${handoff.id}/proposals`, { body: { eventId: handoff.eventId, question: QUESTION } })).status).toBe(409);

    // Resolved, the conversation's replies may still be proposed by whoever sent them, and only by them.
    expect((await api(ts, ann, 'POST', `/agent/api/handoffs/${handoff.id}/resolve`)).status).toBe(200);
    expect((await api(ts, kai, 'POST', `/agent/api/handoffs/${handoff.id}/proposals`, { body: { eventId: handoff.eventId, question: QUESTION } })).status).toBe(400);
    const listed = await api<{ proposals: Proposal[] }>(ts, ann, 'GET', `/agent/api/handoffs/${handoff.id}/proposals`);
    expect(listed.body.proposals.map((p) => [p.eventId, p.status])).toEqual([[handoff.eventId, 'pending']]);
  }, 60_000);

  it('is not live while pending, and an agent can neither list nor decide proposals (403)', async () => {
    expect((await preview('能刷外卡吗？')).body).toMatchObject({ answered: false, curated: null });
    expect((await api(ts, ann, 'GET', '/agent/api/knowledge/proposals')).status).toBe(403);
    expect((await api(ts, ann, 'POST', `/agent/api/knowledge/proposals/${proposal.id}/approve`, { body: { question: QUESTION, answer: REPLY } })).status).toBe(403);
    expect((await api(ts, ann, 'POST', `/agent/api/knowledge/proposals/${proposal.id}/reject`, { body: {} })).status).toBe(403);
    const pending = await api<{ proposals: Proposal[] }>(ts, boss, 'GET', '/agent/api/knowledge/proposals?status=pending');
    expect(pending.body.proposals.map((p) => p.id)).toEqual([proposal.id]);
  });

  it('approved as the supervisor edited it, becomes a versioned, audited curated answer that merchants get', async () => {
    expect((await api(ts, boss, 'POST', `/agent/api/knowledge/proposals/${proposal.id}/approve`, { body: { question: QUESTION, answer: '' } })).status).toBe(400);
    const approved = await api<{ proposal: Proposal; curated: { id: number; answer: string; by: string } }>(ts, boss, 'POST', `/agent/api/knowledge/proposals/${proposal.id}/approve`, {
      body: { question: QUESTION, answer: EDITED },
    });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.curated).toMatchObject({ answer: EDITED, by: 'boss' });
    expect(approved.body.proposal).toMatchObject({ status: 'approved', decidedBy: 'boss', editId: approved.body.curated.id });
    expect((await api(ts, boss, 'POST', `/agent/api/knowledge/proposals/${proposal.id}/approve`, { body: { question: QUESTION, answer: EDITED } })).status).toBe(409);
    expect((await api(ts, boss, 'POST', `/agent/api/knowledge/proposals/${proposal.id}/reject`, { body: {} })).status).toBe(409);

    expect((await preview('能刷外卡吗？')).body).toMatchObject({ answered: true, passages: [EDITED], curated: { id: approved.body.curated.id } });
    const merchant = await Merchant.open(ts);
    const reply = (await merchant.turn('能刷外卡吗？', t('zh-CN', 'sourcesLabel'))).join('\n');
    expect(reply).toContain(EDITED);
    expect(reply).toContain('《精选答复》› boss');

    const version = await dbOf(ts).selectFrom('knowledge_edits').selectAll().where('id', '=', approved.body.curated.id).executeTakeFirstOrThrow();
    expect(version).toMatchObject({ kind: 'curated', question: QUESTION, answer: EDITED, status: 'active', actor_name: 'boss' });
    const audit = await api<{ entries: { action: string; actor: { name: string }; targetId: string; detail: Record<string, unknown> }[] }>(ts, boss, 'GET', '/agent/api/audit?action=knowledge');
    expect(audit.body.entries.map((e) => [e.action, e.actor.name])).toEqual([
      ['knowledge.proposal_approve', 'boss'],
      ['knowledge.curated_add', 'boss'],
      ['knowledge.proposal_create', 'ann'],
    ]);
    expect(audit.body.entries[1]!.detail).toMatchObject({ question: QUESTION, version: approved.body.curated.id, proposal: proposal.id, proposedBy: 'ann' });
    expect(audit.body.entries[0]).toMatchObject({ targetId: String(proposal.id), detail: { version: approved.body.curated.id } });
  }, 60_000);

  it('rejected, changes nothing but its status; card numbers are masked in what is stored', async () => {
    const other = await handedOff('刷卡失败了怎么办呢老板很着急', kai, `请把卡号 ${CARD} 的签购单拍照发来，我们帮您查。`);
    const made = await api<Proposal>(ts, kai, 'POST', `/agent/api/handoffs/${other.id}/proposals`, { body: { eventId: other.eventId, question: `卡号${CARD}刷卡失败怎么办` } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const row = await dbOf(ts).withTables<{ knowledge_proposals: { id: number; question: string; answer: string } }>().selectFrom('knowledge_proposals').selectAll().where('id', '=', made.body.id).executeTakeFirstOrThrow();
    expect(row.question).toBe(`卡号${MASKED}刷卡失败怎么办`);
    expect(row.answer).toContain(MASKED);
    expect(JSON.stringify(row)).not.toContain(CARD);

    const curatedBefore = await dbOf(ts).selectFrom('knowledge_edits').select('id').execute();
    const rejected = await api<{ proposal: Proposal }>(ts, boss, 'POST', `/agent/api/knowledge/proposals/${made.body.id}/reject`, { body: { note: `只适用于卡号 ${CARD} 这一单` } });
    expect(rejected.status).toBe(200);
    expect(rejected.body.proposal).toMatchObject({ status: 'rejected', decidedBy: 'boss', editId: null, note: `只适用于卡号 ${MASKED} 这一单` });
    expect(await dbOf(ts).selectFrom('knowledge_edits').select('id').execute()).toEqual(curatedBefore);
    const audit = await api<{ entries: { action: string; detail: Record<string, unknown> }[] }>(ts, boss, 'GET', '/agent/api/audit?action=knowledge.proposal_reject');
    expect(audit.body.entries).toHaveLength(1);
    expect(JSON.stringify(audit.body.entries)).not.toContain(CARD);
    expect((await api<{ proposals: Proposal[] }>(ts, boss, 'GET', '/agent/api/knowledge/proposals?status=pending')).body.proposals).toEqual([]);
  }, 60_000);

  it('cannot be made from a conversation handed back to the bot', async () => {
    const back = await handedOff('终端屏幕一直闪怎么回事', kai, '您先重启一下终端试试。', /[\s\S]/);
    expect((await api(ts, kai, 'POST', `/agent/api/handoffs/${back.id}/handback`)).status).toBe(200);
    const res = await api(ts, kai, 'POST', `/agent/api/handoffs/${back.id}/proposals`, { body: { eventId: back.eventId, question: '终端屏幕一直闪怎么回事' } });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('resolved');
  }, 60_000);
});

describe('gaps marked handled', () => {
  it('a question fixed by an edit leaves the open list for the handled one, naming the edit', async () => {
    const g = await gaps();
    expect(g.groups.flatMap((x) => x.examples)).not.toContain(QUESTION);
    const fixed = g.handled.find((x) => x.examples.includes(QUESTION));
    expect(fixed?.handled).toMatchObject({ by: 'boss', edit: { kind: 'curated' } });
    // Still open: the questions nobody fixed.
    expect(g.groups.flatMap((x) => x.examples)).toContain('刷卡失败了怎么办呢老板很着急');
  });

  it('a group is marked handled without an edit, reopened, and comes back when asked again after the mark', async () => {
    const weather = await Merchant.open(ts);
    await weather.turn('明天上海会下雨吗', NO_ANSWER);
    const group = (await gaps()).groups.find((x) => x.examples.includes('明天上海会下雨吗'))!;
    expect((await api(ts, ann, 'POST', '/agent/api/knowledge/gaps/handle', { body: { questions: group.questions } })).status).toBe(403);
    expect((await api(ts, boss, 'POST', '/agent/api/knowledge/gaps/handle', { body: { questions: [] } })).status).toBe(400);
    const unknownEdit = await api(ts, boss, 'POST', '/agent/api/knowledge/gaps/handle', { body: { questions: group.questions, editId: 999_999 } });
    expect(unknownEdit.status).toBe(400);
    expect(unknownEdit.body.error.message).toContain('editId');

    expect((await api(ts, boss, 'POST', '/agent/api/knowledge/gaps/handle', { body: { questions: group.questions } })).body).toEqual({ marked: 1 });
    let g = await gaps();
    expect(g.groups.flatMap((x) => x.examples)).not.toContain('明天上海会下雨吗');
    expect(g.handled.find((x) => x.examples.includes('明天上海会下雨吗'))?.handled).toMatchObject({ by: 'boss', edit: null });

    expect((await api(ts, boss, 'POST', '/agent/api/knowledge/gaps/reopen', { body: { questions: group.questions } })).status).toBe(200);
    g = await gaps();
    expect(g.groups.flatMap((x) => x.examples)).toContain('明天上海会下雨吗');

    expect((await api(ts, boss, 'POST', '/agent/api/knowledge/gaps/handle', { body: { questions: group.questions } })).status).toBe(200);
    await weather.turn('明天上海会下雨吗', NO_ANSWER);
    g = await gaps();
    expect(g.groups.flatMap((x) => x.examples)).toContain('明天上海会下雨吗');

    const audit = await api<{ entries: { action: string; actor: { name: string } }[] }>(ts, boss, 'GET', '/agent/api/audit?targetType=knowledge_gap');
    expect(audit.body.entries.map((e) => e.action)).toEqual(['knowledge.gap_handle', 'knowledge.gap_reopen', 'knowledge.gap_handle']);
  }, 60_000);
});

describe("the console's export download", () => {
  /** The archive's entries, read by Python's zipfile (not by our writer's own code). */
  function unzip(archive: Buffer): Record<string, string> {
    const script = 'import sys, zipfile, io, json\nz = zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read()))\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).decode("utf-8") for n in z.namelist()}))';
    return JSON.parse(execFileSync('python3', ['-c', script], { input: archive }).toString('utf8')) as Record<string, string>;
  }

  it('holds exactly what `pos-assist knowledge export` writes into knowledge/, for supervisors only', async () => {
    const FILE = 'void-refund-steps.md';
    const MISSED = '收银员按错了键把人家的单子打出来了咋弄回去';
    expect((await api(ts, boss, 'POST', '/agent/api/knowledge/paraphrases', { body: { question: MISSED, file: FILE, section: '消费撤销操作步骤' } })).status).toBe(201);
    expect((await api(ts, ann, 'GET', '/agent/api/knowledge/export')).status).toBe(403);

    const res = await fetch(`${ts.url}/agent/api/knowledge/export`, { headers: { cookie: boss.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="pos-assist-knowledge-\d{4}-\d{2}-\d{2}\.zip"$/);
    const entries = unzip(Buffer.from(await res.arrayBuffer()));
    expect(Object.keys(entries).sort()).toEqual(['curated-answers.md', 'export-report.json', FILE]);
    expect(entries[FILE]).toContain(`- ${MISSED}`);
    expect(entries['curated-answers.md']).toContain(EDITED);
    expect(JSON.parse(entries['export-report.json']!)).toEqual({ files: [{ file: FILE, added: [MISSED] }], curated: 1, skipped: [], remove: [] });

    // The CLI's export over a copy of the same folder writes the same files, byte for byte.
    const knowledgeDir = ts.server.runtime()!.knowledge.knowledgeDir;
    const copy = mkdtempSync(join(tmpdir(), 'pos-assist-export-'));
    try {
      cpSync(knowledgeDir, copy, { recursive: true });
      const report = exportKnowledgeEdits(copy, await new KnowledgeEdits(dbOf(ts), new AuditLog(dbOf(ts))).inForce());
      expect(report.files).toEqual([{ file: FILE, added: [MISSED] }]);
      for (const name of [FILE, 'curated-answers.md']) expect(readFileSync(join(copy, name), 'utf8')).toBe(entries[name]);
      expect(readdirSync(copy).length).toBe(readdirSync(knowledgeDir).length + 1);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    // Nothing was written on the server.
    expect(readdirSync(knowledgeDir)).not.toContain('curated-answers.md');
  }, 60_000);
});
