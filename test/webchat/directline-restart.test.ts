/**
 * Restarts: conversations, watermarks and tokens live in the data directory, so a client that reconnects
 * to a NEW server process on the same data directory (another port) gets exactly what it missed, and a
 * message stored but never processed by the stopped process is answered by the next one.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  StreamClient,
  bearer,
  botMessages,
  call,
  getActivities,
  openConversation,
  postActivity,
  say,
  startTestServer,
  tempDataDir,
  waitFor,
  waitForReply,
  waitUntilStable,
  settledActivities,
  type TestServer,
} from './helpers.js';

const QUESTION = 'POS机已经结算了还能撤销交易吗';

const dirs: string[] = [];
const servers: TestServer[] = [];

async function start(dataDir: string): Promise<TestServer> {
  const s = await startTestServer({ DATA_DIR: dataDir, WEBCHAT_TOKENS_PER_MINUTE: '1000' });
  servers.push(s);
  return s;
}

function newDir(): string {
  const dir = tempDataDir();
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('restart on the same data directory', () => {
  it('a client reconnecting with its old token and last watermark gets what it missed, exactly once', async () => {
    const dir = newDir();
    const first = await start(dir);
    const conv = await openConversation(first);
    const live = StreamClient.connect(conv.streamUrl);
    await live.waitForActivity((a) => a.from.role === 'bot', 'the greeting');
    const lastSeen = live.frames.at(-1)!.watermark!;
    expect(lastSeen).toMatch(/^\d+$/);
    await live.close(); // the client goes away (tab in background, network lost)…

    const question = await say(first, conv, QUESTION);
    await first.stop(); // …and the server restarts; the answer was produced before it stopped
    expect(live.closed).toBeDefined();

    const second = await start(dir);
    // The old token still works (the signing key is in the data directory).
    const reconnect = await call(`${second.dl}/conversations/${conv.conversationId}?watermark=${lastSeen}`, { headers: bearer(conv.token) });
    expect(reconnect.status).toBe(200);
    const streamUrl = new URL(reconnect.body.streamUrl as string);
    expect(streamUrl.host).toBe(new URL(second.url).host);
    expect(streamUrl.searchParams.get('watermark')).toBe(lastSeen);

    const resumed = StreamClient.connect(reconnect.body.streamUrl as string);
    try {
      const answer = await resumed.waitForActivity((a) => a.replyToId === question.id, 'the missed answer');
      expect(answer.text).toContain('只能做退货');
      await new Promise((r) => setTimeout(r, 300));
      const got = resumed.activities();
      expect(got.map((a) => a.id)).toEqual([question.id, answer.id]);
      expect(got[0]).toMatchObject({ text: QUESTION, from: { role: 'user', id: conv.userId }, channelData: { clientActivityID: question.clientId } });

      // Polling clients see the same thing.
      const polled = await getActivities(second, conv, lastSeen);
      expect(polled.activities.map((a) => a.id)).toEqual([question.id, answer.id]);

      // A retry of the pre-restart message is still recognised: same id, no second answer.
      const retry = await postActivity(second, conv, { type: 'message', text: QUESTION, channelData: { clientActivityID: question.clientId } });
      expect(retry.body.id).toBe(question.id);

      // The conversation goes on with later watermarks, delivered live on the resumed stream.
      const next = await say(second, conv, '退货报25是什么意思');
      const nextAnswer = await resumed.waitForActivity((a) => a.replyToId === next.id, 'the next answer');
      expect(nextAnswer.text).toContain('返回码25');
      const all = await settledActivities(second, conv);
      const ids = all.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(botMessages(all).filter((a) => a.replyToId === question.id)).toHaveLength(1);
      expect(Number(resumed.frames.at(-1)!.watermark)).toBe(all.length);
    } finally {
      await resumed.close();
    }
  });

  it('a message stored but not processed before the stop is answered after the restart, once', async () => {
    const dir = newDir();
    const first = await start(dir);
    const conv = await openConversation(first);
    await waitUntilStable(first, conv);
    const open = StreamClient.connect(conv.streamUrl);
    await open.waitForActivity((a) => a.from.role === 'bot', 'the greeting');
    await first.stop();
    // Stopping the server closes its streams (clients then reconnect).
    await open.whenClosed();

    // What the stopped process left behind: the merchant's message stored, its turn never run.
    const dbFile = join(dir, 'pos-assist.sqlite');
    const db = new Database(dbFile);
    let activityId: string;
    try {
      const { next_seq } = db.prepare('SELECT next_seq FROM dl_conversations WHERE id = ?').get(conv.conversationId) as { next_seq: number };
      const seq = next_seq + 1;
      activityId = `${conv.conversationId}|${String(seq).padStart(7, '0')}`;
      const now = new Date().toISOString();
      const activity = {
        type: 'message',
        text: '退货报25是什么意思',
        channelData: { clientActivityID: 'wc:pending:1' },
        channelId: 'directline',
        serviceUrl: first.url,
        conversation: { id: conv.conversationId },
        from: { id: conv.userId, name: conv.userId, role: 'user' },
        recipient: { id: 'pos-assist', name: 'POS Assist', role: 'bot' },
        timestamp: now,
        id: activityId,
      };
      db.transaction(() => {
        db.prepare('UPDATE dl_conversations SET next_seq = ? WHERE id = ?').run(seq, conv.conversationId);
        db.prepare(
          `INSERT INTO dl_activities (conversation_id, seq, activity_id, client_activity_id, from_role, activity_json, processed_at, created_at)
           VALUES (?, ?, ?, ?, 'user', ?, NULL, ?)`,
        ).run(conv.conversationId, seq, activityId, 'wc:pending:1', JSON.stringify(activity), now);
      })();
    } finally {
      db.close();
    }

    const second = await start(dir);
    const activities = await waitForReply(second, conv, activityId);
    const answer = activities.find((a) => a.replyToId === activityId)!;
    expect(answer.text).toContain('返回码25');
    expect(answer.from.role).toBe('bot');
    expect(activities.indexOf(answer)).toBeGreaterThan(activities.findIndex((a) => a.id === activityId));
    await settledActivities(second, conv);

    const check = new Database(dbFile, { readonly: true });
    try {
      const row = check.prepare('SELECT processed_at FROM dl_activities WHERE activity_id = ?').get(activityId) as { processed_at: string | null };
      expect(row.processed_at).not.toBeNull();
    } finally {
      check.close();
    }

    // A third process has nothing left to replay: still one answer.
    await second.stop();
    const third = await start(dir);
    await new Promise((r) => setTimeout(r, 400));
    const after = await waitUntilStable(third, conv);
    expect(botMessages(after).filter((a) => a.replyToId === activityId)).toHaveLength(1);
  });

  // Regression (fixed): the stream's pump sends one page of `DirectLineStore.listAfter` (limit 500) per wake-up and only
  // wakes again when the conversation gets a NEW activity. A client that opens the stream with no (or an
  // old) watermark on a conversation with more than 500 activities after it receives the first 500 and
  // then nothing — until someone posts. (GET …/activities pages correctly: the client asks again.)
  // Input: a conversation with 601 stored activities; connect to streamUrl without watermark → 1 frame,
  // watermark "500", then silence.
  it('a stream opened on a long conversation delivers all of it', async () => {
    const dir = newDir();
    const first = await start(dir);
    const conv = await openConversation(first);
    const before = (await waitUntilStable(first, conv)).length;
    await first.stop();
    const db = new Database(join(dir, 'pos-assist.sqlite'));
    try {
      const { next_seq } = db.prepare('SELECT next_seq FROM dl_conversations WHERE id = ?').get(conv.conversationId) as { next_seq: number };
      const insert = db.prepare(
        `INSERT INTO dl_activities (conversation_id, seq, activity_id, client_activity_id, from_role, activity_json, processed_at, created_at)
         VALUES (?, ?, ?, NULL, 'bot', ?, ?, ?)`,
      );
      const now = new Date().toISOString();
      db.transaction(() => {
        for (let i = 1; i <= 600; i++) {
          const seq = next_seq + i;
          const id = `${conv.conversationId}|${String(seq).padStart(7, '0')}`;
          const activity = { type: 'message', id, text: `历史消息 ${i}`, from: { id: 'pos-assist', name: 'POS Assist', role: 'bot' }, conversation: { id: conv.conversationId }, timestamp: now };
          insert.run(conv.conversationId, seq, id, JSON.stringify(activity), now, now);
        }
        db.prepare('UPDATE dl_conversations SET next_seq = ? WHERE id = ?').run(next_seq + 600, conv.conversationId);
      })();
    } finally {
      db.close();
    }
    const second = await start(dir);
    const reconnect = await call(`${second.dl}/conversations/${conv.conversationId}`, { headers: bearer(conv.token) });
    const stream = StreamClient.connect(reconnect.body.streamUrl as string);
    try {
      await waitFor(() => stream.activities().length >= before + 600, 'every stored activity on the stream', 2_000);
      expect(stream.frames.at(-1)!.watermark).toBe(String(before + 600));
    } finally {
      await stream.close();
    }
  });
});
