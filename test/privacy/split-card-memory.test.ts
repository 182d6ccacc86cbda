/**
 * A card number split over two consecutive messages (issue 16, item 2): the memory of each conversation's
 * trailing digits, and the Direct Line service end to end — what it stores, echoes and hands the bot.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Activity, TurnContext } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { luhnValid } from '../../src/privacy/card-mask.js';
import { SplitCardMemory } from '../../src/privacy/split-card-memory.js';
import { DirectLineService } from '../../src/channels/webchat/directline-service.js';
import { DirectLineStore } from '../../src/channels/webchat/directline-store.js';
import { ActivityHub, DIRECTLINE_CHANNEL_ID, WebChatAdapter } from '../../src/channels/webchat/webchat-adapter.js';
import { MASKED_CARD_NUMBERS } from '../../src/channels/channel-adapter.js';
import { openDatabase, SqlTranscriptStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../helpers/runtime.js';

describe('SplitCardMemory', () => {
  it('masks the second part of a card split over two messages of one conversation', () => {
    const memory = new SplitCardMemory();
    expect(memory.mask('c1', '卡号6222 0212')).toEqual({ text: '卡号6222 0212', count: 0 });
    expect(memory.mask('c1', '3456 7890 128')).toEqual({ text: '*******0128', count: 1 });
    // The card is complete: the next message starts afresh.
    expect(memory.mask('c1', '1234 5678')).toEqual({ text: '1234 5678', count: 0 });
  });

  it('keeps conversations apart', () => {
    const memory = new SplitCardMemory();
    memory.mask('c1', '6222 0212');
    memory.mask('c2', '终端号 53005940');
    expect(memory.mask('c2', '3456 7890 128').count).toBe(0);
    expect(memory.mask('c1', '3456 7890 128').text).toBe('*******0128');
  });

  it('counts only the previous message: one in between, or one without trailing digits, ends it', () => {
    const memory = new SplitCardMemory();
    memory.mask('c1', '6222 0212');
    memory.mask('c1', '好的');
    expect(memory.mask('c1', '3456 7890 128').count).toBe(0);
    expect(memory.size).toBe(1); // "3456 7890 128" itself ends with digits
    memory.mask('c1', '谢谢');
    expect(memory.size).toBe(0);
  });

  it('forgets a tail after the time limit', () => {
    let now = 1_000_000;
    const memory = new SplitCardMemory({ ttlMs: 60_000, now: () => now });
    memory.mask('c1', '6222 0212');
    now += 60_001;
    expect(memory.mask('c1', '3456 7890 128').count).toBe(0);
    memory.mask('c2', '6222 0212');
    now += 59_000;
    expect(memory.mask('c2', '3456 7890 128').count).toBe(1);
  });

  it('holds at most maxConversations tails, dropping the oldest', () => {
    const memory = new SplitCardMemory({ maxConversations: 100 });
    for (let i = 0; i < 1000; i++) memory.mask(`c${i}`, '6222 0212');
    expect(memory.size).toBe(100);
    expect(memory.mask('c0', '3456 7890 128').count).toBe(0); // evicted
    expect(memory.mask('c999', '3456 7890 128').count).toBe(1);
  });
});

describe('Direct Line: a card number split over two messages', () => {
  let dir: string;
  let store: Store;
  let service: DirectLineService;
  let transcripts: SqlTranscriptStore;
  let dlStore: DirectLineStore;
  const seen: { text: string | undefined; masked: number }[] = [];

  beforeEach(async () => {
    dir = tempDir();
    store = await openDatabase({ filename: join(dir, 'db.sqlite') });
    transcripts = new SqlTranscriptStore(store.db);
    dlStore = new DirectLineStore(store.db);
    const hub = new ActivityHub();
    const adapter = new WebChatAdapter({ transcripts, store: dlStore, hub });
    seen.length = 0;
    service = new DirectLineService({
      store: dlStore,
      hub,
      adapter,
      logic: async (context: TurnContext) => {
        if (context.activity.type !== 'message') return;
        seen.push({ text: context.activity.text, masked: Number(context.turnState.get(MASKED_CARD_NUMBERS) ?? 0) });
        await context.sendActivity('收到');
      },
      limits: { maxTextLength: 2000, messagesPerMinute: 100 },
      onError: (err) => {
        throw err;
      },
    });
  });
  afterEach(async () => {
    await service.drain();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(conversationId: string, userId: string, text: string): Promise<void> {
    await service.post(conversationId, userId, { type: 'message', text }, 'http://test');
    await service.drain();
  }

  async function userTexts(conversationId: string): Promise<{ stored: string[]; transcript: string[] }> {
    const stored = (await dlStore.listAfter(conversationId, undefined)).map((a) => a.activity).filter((a) => a.from?.role === 'user');
    const logged = (await transcripts.getTranscriptActivities(DIRECTLINE_CHANNEL_ID, conversationId)).items.filter((a) => a.from?.role === 'user');
    return { stored: stored.map((a: Partial<Activity>) => a.text ?? ''), transcript: logged.map((a) => a.text ?? '') };
  }

  it('stores, echoes, logs and hands the bot the second part masked, once', async () => {
    const { conversationId, userId } = await service.createConversation();
    await post(conversationId, userId, '卡号6222 0212');
    await post(conversationId, userId, '3456 7890 128');
    await post(conversationId, userId, '好的');
    const texts = await userTexts(conversationId);
    expect(texts.stored).toEqual(['卡号6222 0212', '*******0128', '好的']);
    expect(texts.transcript).toEqual(texts.stored);
    expect(seen).toEqual([
      { text: '卡号6222 0212', masked: 0 },
      { text: '*******0128', masked: 1 }, // the bot warns the merchant
      { text: '好的', masked: 0 },
    ]);
  });

  it('runs each message through the split memory exactly once', async () => {
    // A card whose two halves are the same 8 digits: were a message masked twice (once before it is
    // stored, once more in the adapter), the first half would be taken for the start of a card and its
    // own repetition, and the bot would see it masked while the store holds it in clear.
    let half = 40_000_000;
    while (!luhnValid(`${half}${half}`)) half++;
    const { conversationId, userId } = await service.createConversation();
    await post(conversationId, userId, String(half));
    await post(conversationId, userId, String(half));
    const texts = await userTexts(conversationId);
    expect(texts.stored).toEqual([String(half), `****${String(half).slice(-4)}`]);
    expect(texts.transcript).toEqual(texts.stored);
    expect(seen.map((s) => s.text)).toEqual(texts.stored);
  });

  it('keeps users and conversations apart', async () => {
    const a = await service.createConversation();
    const b = await service.createConversation();
    await post(a.conversationId, a.userId, '6222 0212');
    await post(b.conversationId, b.userId, '3456 7890 128');
    expect((await userTexts(b.conversationId)).stored).toEqual(['3456 7890 128']);
  });
});
