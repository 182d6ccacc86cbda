/**
 * Streamed replies over Direct Line (src/channels/streaming.ts): the interim `typing` activities reach the
 * conversation's clients live — over the WebSocket stream as they come, and to a polling client as the
 * latest interim of the unfinished stream (outside the watermark) — while only the final message is
 * stored: once in the Direct Line log, once in the transcript, never an interim. The official client
 * (`botframework-directlinejs`, what Microsoft's Web Chat uses) sees the livestreaming metadata intact.
 * A REAL server (test/webchat/helpers.ts); the bot's turn is driven through the web chat adapter.
 */
import { MessageFactory, type Activity, type ConversationReference } from 'botbuilder';
import type { DirectLine as DirectLineClient, Activity as DlActivity } from 'botframework-directlinejs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import { finalActivity, streamingActivity } from '../../src/channels/streaming.js';
import { ActivityHub, type WebChatAdapter } from '../../src/channels/webchat/webchat-adapter.js';
import { getActivities, openConversation, pageToken, sleep, startTestServer, StreamClient, waitFor, type Conversation, type Frame, type TestServer } from './helpers.js';

let ts: TestServer;
let adapter: WebChatAdapter;

beforeAll(async () => {
  ts = await startTestServer({ WEBCHAT_TOKENS_PER_MINUTE: '1000' });
  adapter = ts.server.runtime()!.handoffDelivery.adapterFor('directline') as WebChatAdapter;
});

afterAll(async () => {
  await ts?.destroy();
});

const FINAL = '撤销只能在当天批结算之前进行。已经结算的交易需要改做退货，退货款项会按原路退回持卡人的银行卡账户。';

function reference(conv: { conversationId: string; userId: string }): Partial<ConversationReference> {
  return {
    channelId: 'directline',
    serviceUrl: ts.url,
    conversation: { id: conv.conversationId, isGroup: false, conversationType: 'personal', name: conv.conversationId },
    bot: { ...BOT_ACCOUNT },
    user: { id: conv.userId, name: conv.userId },
  };
}

const streamData = (a: Partial<Activity>) => a.channelData as { streamType?: string; streamId?: string; streamSequence?: number } | undefined;
const isInterim = (a: Partial<Activity>) => a.type === 'typing' && streamData(a)?.streamType === 'streaming';
const frameActivities = (frames: Frame[]) => frames.flatMap((f) => f.activities);

async function greeted(conv: Conversation): Promise<string> {
  const { activities, watermark } = await waitFor(async () => {
    const set = await getActivities(ts, conv);
    return set.activities.some((a) => a.from?.role === 'bot' && a.type === 'message') ? set : undefined;
  }, 'the greeting');
  expect(activities.length).toBeGreaterThan(0);
  return watermark;
}

describe('streamed replies over Direct Line', () => {
  it('interims go live over the WebSocket and to pollers (latest only); the final message is stored once, no interim ever', async () => {
    const conv = await openConversation(ts);
    const watermark = await greeted(conv);
    const ws = StreamClient.connect(conv.streamUrl);
    await ws.waitForActivity((a) => a.type === 'message' && a.from?.role === 'bot', 'the greeting over the stream');

    const texts = [1, 2, 3, 4, 5, 6].map((i) => FINAL.slice(0, i * 8));
    let midPoll: { activities: Activity[]; watermark: string } | undefined;
    let late: StreamClient | undefined;
    await adapter.continueConversation(reference(conv), async (context) => {
      for (const [i, text] of texts.entries()) {
        await context.sendActivity(streamingActivity('dl-1', i + 1, text));
        if (i === 2) {
          // Mid-stream: a polling client, and a client connecting only now.
          midPoll = await getActivities(ts, conv, watermark);
          late = StreamClient.connect(conv.streamUrl);
          await waitFor(() => frameActivities(late!.frames).some(isInterim), 'the late client to get the text so far');
        }
        await sleep(40);
      }
      await context.sendActivity(finalActivity('dl-1', MessageFactory.suggestedActions(['问题已解决'], FINAL)));
    });
    const final = await ws.waitForActivity((a) => a.type === 'message' && a.text === FINAL, 'the final message');
    expect(streamData(final)).toMatchObject({ streamType: 'final', streamId: 'dl-1' });
    expect(final.suggestedActions?.actions.map((a) => a.title)).toEqual(['问题已解决']);
    expect(final.id).toMatch(new RegExp(`^${conv.conversationId}\\|\\d+$`));

    // WebSocket: every interim, in order, live (not stored: no watermark of their own), then the final.
    const live = frameActivities(ws.frames);
    const interims = live.filter(isInterim);
    expect(interims.map((a) => [a.text, streamData(a)?.streamSequence, streamData(a)?.streamId])).toEqual(texts.map((t, i) => [t, i + 1, 'dl-1']));
    expect(interims.every((a) => a.from?.role === 'bot' && a.conversation?.id === conv.conversationId)).toBe(true);
    expect(live.indexOf(final)).toBeGreaterThan(live.indexOf(interims.at(-1)!));
    expect(live.filter((a) => a.text === FINAL)).toHaveLength(1);
    const interimFrames = ws.frames.filter((f) => f.activities.some(isInterim));
    expect(new Set(interimFrames.map((f) => f.watermark)).size).toBe(1);

    // Polling mid-stream: only the latest interim, after the stored activities, and the watermark unmoved.
    expect(midPoll!.watermark).toBe(watermark);
    expect(midPoll!.activities.map((a) => [a.type, a.text, streamData(a)?.streamSequence])).toEqual([['typing', texts[2], 3]]);

    // A client that connected mid-stream got the history, then the text so far, then the rest.
    await late!.waitForActivity((a) => a.text === FINAL, 'the final message on the late client');
    const lateAll = frameActivities(late!.frames);
    const lateInterims = lateAll.filter(isInterim).map((a) => streamData(a)?.streamSequence);
    expect(lateInterims[0]).toBe(3);
    expect(lateInterims).toEqual([...lateInterims].sort((a, b) => a! - b!));
    expect(lateAll.findIndex(isInterim)).toBeGreaterThan(lateAll.findIndex((a) => a.type === 'message'));
    expect(lateAll.at(-1)!.text).toBe(FINAL);
    await late!.close();
    await ws.close();

    // Stored: the final once; no interim in the Direct Line log, nor in a poll after the final.
    const after = await getActivities(ts, conv, watermark);
    expect(after.activities.map((a) => [a.type, a.text])).toEqual([['message', FINAL]]);
    const all = await getActivities(ts, conv);
    expect(all.activities.filter((a) => a.type === 'typing')).toEqual([]);
    expect(all.activities.filter((a) => a.text === FINAL)).toHaveLength(1);
    // The transcript: the final message once, no typing activity.
    const page = await ts.server.runtime()!.transcripts.getTranscriptActivities('directline', conv.conversationId);
    const bot = page.items.filter((a) => a.from?.role === 'bot');
    expect(bot.filter((a) => a.type === 'typing')).toEqual([]);
    expect(bot.filter((a) => a.text === FINAL)).toHaveLength(1);
  });

  it('a polling client sees the text grow and then the final message, never an interim after it', async () => {
    const conv = await openConversation(ts);
    const watermark = await greeted(conv);
    const seen: { type: string; sequence?: number; text?: string }[] = [];
    let polling = true;
    let wm = watermark;
    const poller = (async () => {
      while (polling) {
        const set = await getActivities(ts, conv, wm);
        for (const a of set.activities) seen.push({ type: a.type, sequence: streamData(a)?.streamSequence, text: a.text });
        wm = set.watermark;
        await sleep(25);
      }
    })();
    const texts = Array.from({ length: 8 }, (_, i) => FINAL.slice(0, (i + 1) * 6));
    await adapter.continueConversation(reference(conv), async (context) => {
      for (const [i, text] of texts.entries()) {
        await context.sendActivity(streamingActivity('dl-2', i + 1, text));
        await sleep(70);
      }
      await context.sendActivity(finalActivity('dl-2', MessageFactory.text(FINAL)));
    });
    await waitFor(() => seen.some((s) => s.type === 'message'), 'the final message by polling');
    await sleep(150);
    polling = false;
    await poller;
    const finalAt = seen.findIndex((s) => s.type === 'message');
    const before = seen.slice(0, finalAt);
    expect(seen.slice(finalAt + 1)).toEqual([]);
    expect(seen.filter((s) => s.type === 'message').map((s) => s.text)).toEqual([FINAL]);
    // The same interim may come twice (it stays until a newer one or the final); sequences never go back.
    expect(before.every((s) => s.type === 'typing')).toBe(true);
    const sequences = before.map((s) => s.sequence!);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBeGreaterThanOrEqual(2);
    for (const s of before) expect(s.text).toBe(texts[s.sequence! - 1]);
  });
});

describe('the hub keeps the latest interim of each unfinished stream', () => {
  const interim = (seq: number, text: string): Partial<Activity> => ({ type: 'typing', text, channelData: { streamType: 'streaming', streamId: 's', streamSequence: seq } });

  it('newer replaces older, older is refused, the final ends it for good, a stale one is forgotten', () => {
    let now = 1_000_000;
    const hub = new ActivityHub(() => now);
    expect(hub.setInterim('c', 's', 1, interim(1, 'a'))).toBe(true);
    expect(hub.setInterim('c', 's', 3, interim(3, 'abc'))).toBe(true);
    expect(hub.setInterim('c', 's', 2, interim(2, 'ab'))).toBe(false);
    expect(hub.interims('c').map((a) => a.text)).toEqual(['abc']);
    expect(hub.interims('other')).toEqual([]);
    hub.endStream('c', 's');
    expect(hub.interims('c')).toEqual([]);
    // A straggler of an ended stream does not bring it back.
    expect(hub.setInterim('c', 's', 4, interim(4, 'abcd'))).toBe(false);
    expect(hub.interims('c')).toEqual([]);
    // A stream whose final never came (the turn failed) is forgotten after two minutes.
    hub.setInterim('c', 't', 1, interim(1, 'x'));
    now += 119_000;
    expect(hub.interims('c')).toHaveLength(1);
    now += 2_000;
    expect(hub.interims('c')).toEqual([]);
  });
});

type DirectLineModule = typeof import('botframework-directlinejs');

describe.each([
  { transport: 'WebSocket', webSocket: true },
  { transport: 'polling', webSocket: false },
])('botframework-directlinejs over $transport', ({ webSocket }) => {
  let lib: DirectLineModule;

  beforeAll(async () => {
    const globals = globalThis as Record<string, unknown>;
    globals.XMLHttpRequest ??= (await import('xhr2')).default;
    globals.WebSocket ??= (await import('ws')).default;
    lib = await import('botframework-directlinejs');
  });

  it('receives the interims with their livestreaming metadata, then the final message once', async () => {
    const t = await pageToken(ts.url, 'http://localhost');
    const client: DirectLineClient = new lib.DirectLine({ domain: `${ts.url}/v3/directline`, token: t.token, webSocket, pollingInterval: 200 });
    const activities: DlActivity[] = [];
    const sub = client.activity$.subscribe({ next: (a) => activities.push(a), error: () => undefined });
    try {
      await waitFor(() => activities.some((a) => a.type === 'message' && a.from.role === 'bot'), 'the greeting');
      const texts = Array.from({ length: 6 }, (_, i) => FINAL.slice(0, (i + 1) * 7));
      await adapter.continueConversation(reference(t), async (context) => {
        for (const [i, text] of texts.entries()) {
          await context.sendActivity(streamingActivity('dl-js', i + 1, text));
          await sleep(webSocket ? 30 : 250);
        }
        await context.sendActivity(finalActivity('dl-js', MessageFactory.text(FINAL)));
      });
      await waitFor(() => activities.some((a) => a.type === 'message' && a.text === FINAL), 'the final message');
      await sleep(300);
      const interims = activities.filter((a) => isInterim(a as Partial<Activity>));
      expect(interims.length).toBeGreaterThanOrEqual(webSocket ? texts.length : 2);
      for (const a of interims) {
        const data = streamData(a as Partial<Activity>)!;
        expect(data.streamId).toBe('dl-js');
        expect((a as { text?: string }).text).toBe(texts[data.streamSequence! - 1]);
      }
      const finals = activities.filter((a) => a.type === 'message' && a.text === FINAL);
      expect(finals).toHaveLength(1);
      expect(streamData(finals[0] as Partial<Activity>)).toMatchObject({ streamType: 'final', streamId: 'dl-js' });
      expect(activities.indexOf(finals[0]!)).toBeGreaterThan(activities.indexOf(interims.at(-1)!));
    } finally {
      sub.unsubscribe();
      client.end();
    }
  });
});
