/**
 * The CLI as a user runs it. Most commands run `main` (src/app/cli-main.ts, everything `pos-assist` does
 * with its arguments) in this process, with the environment, stdin, stdout and stderr a child process
 * would have — a child process per command cost a cold start of ~1.5 s each, forty of them. A few run the
 * built `dist/app/cli.js` in a real child process: the exit code and output as the shell sees them.
 */
import { rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliProcess, runMain, type CliRun } from '../helpers/cli.js';
import { seedDatabase, seedIndex } from '../helpers/prebuilt-index.js';
import { tempDir } from '../helpers/runtime.js';
import { AgentStore } from '../../src/handoff/agents/agent-store.js';
import { openDatabase } from '../../src/store/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const dataDir = tempDir();

/** `pos-assist ...args` in a child process (the built CLI), over this file's data directory. */
const cliProcess = (args: string[], env: Record<string, string> = {}, input?: string): CliRun => runCliProcess(args, { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }, input);

/** `pos-assist ...args` in this process (`main`), over this file's data directory. */
const cli = (args: string[], env: Record<string, string> = {}, input?: string): Promise<CliRun> => runMain(args, { DATA_DIR: dataDir, ...env }, input);

beforeAll(async () => {
  // The run's prebuilt index (test/setup/prebuilt-index.ts) is the head start: this ingest then checks it
  // against the knowledge files instead of building it again (a build from scratch through the CLI is
  // the malformed-file test below).
  seedIndex(dataDir);
  seedDatabase({ paths: { database: join(dataDir, 'pos-assist.sqlite') } });
  const first = await cli(['ingest', '--json']);
  expect(first.code, first.stderr).toBe(0);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('pos-assist CLI', () => {
  it('ask --json gives the documented shape with a cited refund answer', async () => {
    const { code, stdout, stderr } = cliProcess(['ask', 'POS机已经结算了还能撤销交易吗', '--json']);
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out).sort()).toEqual(['answer', 'answered', 'by', 'confidence', 'nearestOutOfScope', 'sources']);
    // Near no out-of-scope question: far under the 0.35 at which one is refused.
    expect(out.nearestOutOfScope.sim).toBeLessThan(0.35);
    // Offline: the guide's own sentences.
    expect(out.by).toBe('extractive');
    expect(out.answered).toBe(true);
    expect(out.confidence).toBeGreaterThanOrEqual(0.35);
    expect(out.answer).toContain('只能做退货');
    expect(out.answer).toContain('来源：《撤销与退货的区别》');
    expect(out.sources[0]).toEqual({ file: 'void-vs-refund.md', title: '撤销与退货的区别', section: '已结算的交易怎么取消', score: expect.any(Number) });
  });

  it('ask prints plain text by default and declines an off-topic question', async () => {
    const plain = await cli(['ask', '撤销报25怎么办']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/返回码25[\s\S]*来源：《撤销和退货失败的返回码》/);
    const off = JSON.parse((await cli(['ask', '帮我写一首关于春天的诗', '--json'])).stdout);
    expect(off).toMatchObject({ answered: false, sources: [] });
    expect(off.confidence).toBeLessThan(0.35);
    // A fee question with input-method typos ("收宽", "手许费") is read as the list's fee question and refused
    // as it: the operator sees which one.
    const fee = JSON.parse((await cli(['ask', '怎么申请二维码收宽 手许费多少', '--json'])).stdout);
    expect(fee).toMatchObject({ answered: false, outOfScope: expect.stringContaining('手续费') });
    expect(fee.nearestOutOfScope).toEqual({ question: fee.outOfScope, sim: expect.any(Number) });
    expect(fee.nearestOutOfScope.sim).toBeGreaterThanOrEqual(0.35);
  });

  it('ingest is incremental: a second run embeds nothing', async () => {
    const { code, stdout } = await cli(['ingest']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/incremental\): 0 added, 0 updated, \d+ unchanged, 0 removed; 0 embedded/);
  });

  it('reports a malformed knowledge file with its path and still builds the index', async () => {
    const kdir = join(tempDir(), 'knowledge');
    mkdirSync(kdir);
    cpSync(join(ROOT, 'knowledge', 'void-vs-refund.md'), join(kdir, 'void-vs-refund.md'));
    writeFileSync(join(kdir, 'broken.md'), '---\ntitle: [unclosed\n---\n## 小节\n内容。\n');
    const { code, stdout } = await cli(['ingest'], { KNOWLEDGE_DIR: kdir, DATA_DIR: join(kdir, '..', 'data') });
    expect(code).toBe(0);
    expect(stdout).toContain(`skipped ${join(kdir, 'broken.md')}: front matter is not valid YAML`);
    expect(stdout).toMatch(/from 1 files/);
    rmSync(join(kdir, '..'), { recursive: true, force: true });
  });

  it('eval --json reports both retrievers on both splits, per category', async () => {
    const { code, stdout } = await cli(['eval', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { file: string; results: { mode: string; correct: number; byCategory: { category: string }[] }[] }[];
    expect(report.map((r) => r.file)).toEqual(['dev.json', 'test.json']);
    for (const r of report) {
      expect(r.results.map((x) => x.mode)).toEqual(['hybrid', 'bm25']);
      expect(r.results[0]!.byCategory.map((c) => c.category)).toEqual(expect.arrayContaining(['spoken', 'code', 'english', 'off-topic']));
    }
  });

  it.each([
    [['frob'], /unknown command "frob"/],
    [['ask'], /"ask" needs an argument/],
    [['chat', '--bogus'], /Unknown option '--bogus'/],
    [['chat', '--user', 'not ok!'], /--user must be/],
    [['ingest', 'extra'], /takes no argument "extra"/],
    [['eval', '--fixtures', '/nonexistent.json'], /fixtures file not found/],
    [[], /Usage: pos-assist/],
  ])('bad usage %j → exit 2 with a usage message', async (args, message) => {
    const { code, stdout, stderr } = await cli(args as string[]);
    expect(code).toBe(2);
    expect(stderr + stdout).toMatch(message as RegExp);
    expect(stderr + stdout).toContain('Usage: pos-assist <command>');
  });

  it('a bad configuration stops the start naming every bad variable', async () => {
    const { code, stderr } = cliProcess(['ask', 'x'], { PORT: 'abc', ANSWER_MIN_CONFIDENCE: '2', LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    expect(stderr).toContain('CONFIG_INVALID');
    expect(stderr).toMatch(/PORT: .*"abc"/);
    expect(stderr).toMatch(/ANSWER_MIN_CONFIDENCE: .*"2"/);
    expect(stderr).toMatch(/LOG_LEVEL: /);
  });

  it('help exits 0', async () => {
    const { code, stdout } = cliProcess(['help']);
    expect(code).toBe(0);
    expect(stdout).toContain('chat [--jsonl] [--user ID]');
  });
});

describe('pos-assist agents', () => {
  const agentsDir = tempDir();
  seedDatabase({ paths: { database: join(agentsDir, 'pos-assist.sqlite') } });
  afterAll(() => rmSync(agentsDir, { recursive: true, force: true }));
  const run = (args: string[], input?: string) => cli(['agents', ...args], { DATA_DIR: agentsDir }, input);

  it('adds an agent with --password-stdin, who can then log in, and lists it', async () => {
    const added = await run(['add', 'alice', '--role', 'supervisor', '--display-name', '李华', '--password-stdin'], 'correct horse battery\n');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Agent "alice" \(supervisor, shown to merchants as "李华"\) added\. Log in at http:\/\/127\.0\.0\.1:\d+\/agent\n$/);
    expect((await run(['add', 'bob', '--password-stdin'], 'another good one')).code).toBe(0); // role agent by default

    const listed = await run(['list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      { id: 1, name: 'alice', displayName: '李华', role: 'supervisor', presence: 'offline', lastActiveAt: null, createdAt: expect.any(String), disabledAt: null },
      { id: 2, name: 'bob', displayName: '#2', role: 'agent', presence: 'offline', lastActiveAt: null, createdAt: expect.any(String), disabledAt: null },
    ]);
    expect((await run(['list'])).stdout).toMatch(/^id +name +shown as +role +presence +last active\n1 +alice +李华 +supervisor +offline +-\n/);

    const store = await openDatabase({ filename: join(agentsDir, 'pos-assist.sqlite') });
    try {
      const agents = new AgentStore(store.db);
      expect(await agents.verifyLogin('alice', 'correct horse battery')).toMatchObject({ name: 'alice', role: 'supervisor' });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('disables and enables an account, resets a password and sets the shown name', async () => {
    expect((await run(['add', 'frank', '--password-stdin'], 'correct horse battery')).code).toBe(0);
    const login = async (password: string) => {
      const store = await openDatabase({ filename: join(agentsDir, 'pos-assist.sqlite') });
      try {
        return await new AgentStore(store.db).verifyLogin('frank', password).then(
          (a) => a.name,
          (err: { code?: string }) => err.code,
        );
      } finally {
        await store.close();
      }
    };
    const disabled = await run(['disable', 'frank']);
    expect([disabled.code, disabled.stdout]).toEqual([0, expect.stringMatching(/^Agent "frank" disabled/)]);
    expect(await login('correct horse battery')).toBe('AGENT_DISABLED');
    expect((await run(['enable', 'frank'])).code).toBe(0);
    expect(await login('correct horse battery')).toBe('frank');
    const reset = await run(['reset-password', 'frank', '--password-stdin'], 'a new long passphrase\n');
    expect([reset.code, reset.stdout]).toEqual([0, 'Agent "frank" has a new password; its sessions have ended.\n']);
    expect(await login('correct horse battery')).toBe('AGENT_LOGIN_FAILED');
    expect(await login('a new long passphrase')).toBe('frank');
    expect((await run(['display-name', 'frank', '王芳'])).stdout).toBe('Agent "frank" is shown to merchants as "王芳".\n');
    const missing = await run(['disable', 'nobody']);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('no agent named "nobody"')]);
  }, 60_000);

  it('rejects a short password, a taken name and a bad name with exit 1 and the reason', async () => {
    const short = await run(['add', 'carol', '--password-stdin'], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('[AGENT_INVALID]');
    expect(short.stderr).toContain('at least 10 characters');
    await run(['add', 'dave', '--password-stdin'], 'correct horse battery');
    const taken = await run(['add', 'dave', '--password-stdin'], 'correct horse battery');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/\[AGENT_INVALID\].*already exists/);
    const bad = await run(['add', 'no spaces!', '--password-stdin'], 'correct horse battery');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/2–32 characters/);
    expect(JSON.parse((await run(['list', '--json'])).stdout).map((a: { name: string }) => a.name)).not.toContain('carol');
  }, 60_000);

  it.each([
    [[], /"agents" needs a subcommand/],
    [['remove', 'x'], /unknown subcommand "agents remove"/],
    [['add'], /needs exactly one name/],
    [['add', 'eve', '--role', 'admin', '--password-stdin'], /--role must be agent or supervisor/],
    [['add', 'eve'], /give it on stdin with --password-stdin/], // stdin is not a terminal here
    [['list', 'extra'], /takes no argument "extra"/],
    [['disable'], /"agents disable" needs exactly one name/],
    [['disable', 'x', '--role', 'agent'], /"agents disable" takes no options, not --role/],
    [['display-name', 'x'], /needs the name and the shown name/],
    [['reset-password', 'x'], /give it on stdin with --password-stdin/],
  ])('agents %j → exit 2 with a usage message', async (args, message) => {
    const { code, stderr } = await run(args as string[], '');
    expect(code).toBe(2);
    expect(stderr).toMatch(message as RegExp);
    expect(stderr).toContain('agents add <name> [--role agent|supervisor] [--display-name <shown name>] [--password-stdin]');
  });
});
