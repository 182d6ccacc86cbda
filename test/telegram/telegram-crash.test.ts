/**
 * A crash in the middle of a Telegram turn, as it happens to `pos-assist serve`: the real server in a
 * child process (dist/app/cli.js, long polling against the fake Bot API, the language model a fake
 * OpenAI-compatible server), killed with SIGKILL after Telegram was told the update arrived (the next
 * `getUpdates` confirmed its offset) and while the model was still writing the answer — nothing was sent
 * yet. Started again on the same DATA_DIR, it answers the update, once: also when Telegram delivers it
 * again, and before the chat's next message.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cautiousModel, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { seedDatabase, seedIndex } from '../helpers/prebuilt-index.js';
import { tempDir } from '../helpers/runtime.js';
import { FakeBotApi, type RecordedCall } from './fake-bot-api.js';
import { person, textUpdate } from './helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const dataDir = tempDir();
const cleanup: (() => Promise<void> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

interface Serve {
  child: ChildProcessWithoutNullStreams;
  /** Rejects when the process exits (with its output), so a failed start is not waited for. */
  died: Promise<never>;
  output(): string;
}

function serve(env: Record<string, string>): Serve {
  const child = spawn(process.execPath, [join(ROOT, 'dist/app/cli.js'), 'serve'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const died = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`serve exited (${code ?? signal}):\n${out}`))));
  died.catch(() => undefined);
  cleanup.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, died, output: () => out };
}

const toChat = (chatId: number) => (c: RecordedCall) => c.method === 'sendMessage' && c.params.chat_id === chatId;

describe('a killed server', () => {
  it('answers an update it had acknowledged but not answered, once, after the restart', async () => {
    const fake = await FakeBotApi.start();
    cleanup.push(() => fake.close());
    // First run: the model never answers, so the turn is still in flight when the process is killed.
    let modelAsked!: () => void;
    const asked = new Promise<void>((resolve) => (modelAsked = resolve));
    const model: FakeOpenAI = await startFakeOpenAI({
      chat: () => {
        modelAsked();
        return new Promise(() => undefined);
      },
    });
    cleanup.push(() => model.close());
    seedIndex(dataDir);
    seedDatabase({ paths: { database: join(dataDir, 'pos-assist.sqlite') } });
    const env = {
      DATA_DIR: dataDir,
      PORT: String(43_000 + Math.floor(Math.random() * 2000)),
      LOG_LEVEL: 'warn',
      TELEGRAM_BOT_TOKEN: fake.token,
      TELEGRAM_API_ROOT: fake.apiRoot,
      LLM_API_KEY: 'sk-test-crash',
      LLM_BASE_URL: model.url,
      LLM_TIMEOUT_MS: '120000',
    };
    const merchant = person(7001);

    const first = serve(env);
    const update = fake.pushUpdate(textUpdate(merchant, '退货报25是什么意思'));
    // Telegram was told: the bot asked for the updates after this one.
    await Promise.race([fake.waitFor((c) => c.method === 'getUpdates' && Number(c.params.offset) > update.update_id, { timeoutMs: 60_000 }), first.died]);
    await Promise.race([asked, first.died]);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(fake.calls.filter(toChat(7001))).toEqual([]);
    expect(fake.confirmedOffset).toBeGreaterThan(update.update_id);

    // Second run, same data: the model answers now.
    model.setChat(cautiousModel);
    const second = serve(env);
    await Promise.race([fake.waitFor(toChat(7001), { timeoutMs: 60_000 }), second.died]);
    // Telegram delivers the update again, then the merchant writes on: the next message is answered after
    // the replayed one, and the redelivered one not at all.
    fake.pushUpdate(update, { force: true });
    const from = fake.calls.length;
    fake.pushUpdate(textUpdate(merchant, 'POS机已经结算了还能撤销交易吗'));
    await Promise.race([fake.waitFor(toChat(7001), { from, timeoutMs: 60_000 }), second.died]);
    second.child.kill('SIGTERM');
    const [code] = (await once(second.child, 'exit')) as [number | null];
    expect(code).toBe(0);

    // One message per question (a streamed answer is one message, edited as it grows), the replayed one
    // first; the redelivered update sent nothing.
    const sent = fake.calls.filter(toChat(7001)).map((c) => fake.sent.get(`7001:${(c.result as { message_id: number }).message_id}`) as { text?: string });
    expect(sent).toHaveLength(2);
    expect(sent[0]!.text).toContain('返回码25');
    expect(sent[1]!.text).toContain('结算');
    const db = new Database(join(dataDir, 'pos-assist.sqlite'), { readonly: true });
    const rows = db.prepare("select platform_id, processed_at from channel_inbound where channel = ? order by id").all(`telegram:${fake.botInfo.id}`) as { platform_id: string; processed_at: string | null }[];
    const inbound = db.prepare("select text from transcript where conversation_id = 'tg:7001' and direction = 'in' order by id").all() as { text: string }[];
    db.close();
    expect(rows).toHaveLength(2);
    expect(rows[0]!.platform_id).toBe(String(update.update_id));
    for (const r of rows) expect(r.processed_at).toBeTruthy();
    expect(inbound.map((r) => r.text)).toContain('退货报25是什么意思');
  }, 180_000);
});
