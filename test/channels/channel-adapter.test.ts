import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Activity, ResourceResponse, TurnContext } from 'botbuilder';
import { ChannelAdapter, MASKED_CARD_NUMBERS, capabilitiesOf } from '../../src/channels/channel-adapter.js';
import { openDatabase, SqlTranscriptStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../helpers/runtime.js';

/** A channel that "delivers" into an array: the adapter's own behaviour is what is under test. */
class RecordingChannel extends ChannelAdapter {
  readonly delivered: Partial<Activity>[] = [];
  protected async deliver(activity: Partial<Activity>): Promise<ResourceResponse> {
    this.delivered.push(activity);
    return { id: `platform-${this.delivered.length}` };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function message(conversation: string, text: string, user = 'u1'): Partial<Activity> {
  return { type: 'message', text, conversation: { id: conversation } as Activity['conversation'], from: { id: user, name: user } };
}

describe('ChannelAdapter', () => {
  let dir: string;
  let store: Store;
  let transcripts: SqlTranscriptStore;
  let channel: RecordingChannel;

  beforeEach(async () => {
    dir = tempDir();
    store = await openDatabase({ filename: join(dir, 'db.sqlite') });
    transcripts = new SqlTranscriptStore(store.db);
    channel = new RecordingChannel({ channelId: 'test', transcripts, capabilities: { suggestedActions: false } });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the turns of one conversation one at a time, in order, and other conversations in parallel', async () => {
    const events: string[] = [];
    const logic = async (ctx: TurnContext) => {
      const tag = `${ctx.activity.conversation.id}:${ctx.activity.text}`;
      events.push(`start ${tag}`);
      await sleep(40);
      events.push(`end ${tag}`);
    };
    await Promise.all([
      channel.processActivity(message('A', '1'), logic),
      channel.processActivity(message('A', '2'), logic),
      channel.processActivity(message('B', '1'), logic),
      channel.processActivity(message('A', '3'), logic),
    ]);
    const a = events.filter((e) => e.includes(' A:'));
    expect(a).toEqual(['start A:1', 'end A:1', 'start A:2', 'end A:2', 'start A:3', 'end A:3']);
    // B did not wait for A's queue: it started before A's first turn ended.
    expect(events.indexOf('start B:1')).toBeLessThan(events.indexOf('end A:1'));
  });

  it('keeps serving a conversation after a turn fails', async () => {
    const seen: string[] = [];
    channel.onTurnError = async () => undefined;
    await channel.processActivity(message('A', 'bad'), async () => {
      throw new Error('boom');
    });
    await channel.processActivity(message('A', 'good'), async (ctx) => {
      seen.push(ctx.activity.text);
    });
    expect(seen).toEqual(['good']);
  });

  it('saves the inbound activity to the transcript before the bot runs, masked', async () => {
    let seenInStore: Activity[] = [];
    let maskedCount = -1;
    await channel.processActivity(message('C', '卡号 4111-1111-1111-1111 退款'), async (ctx) => {
      seenInStore = (await transcripts.getTranscriptActivities('test', 'C')).items;
      maskedCount = ctx.turnState.get(MASKED_CARD_NUMBERS);
      expect(ctx.activity.text).toBe('卡号 411111******1111 退款');
    });
    expect(seenInStore).toHaveLength(1);
    expect(seenInStore[0]!.text).toBe('卡号 411111******1111 退款');
    expect(maskedCount).toBe(1);
  });

  it('masks a card number split over two consecutive messages of one sender, before transcript and bot', async () => {
    const seen: [string, number][] = [];
    const logic = async (ctx: TurnContext) => {
      seen.push([ctx.activity.text, ctx.turnState.get(MASKED_CARD_NUMBERS)]);
    };
    await channel.processActivity(message('S', '卡号是 6222.0212.3456'), logic);
    await channel.processActivity(message('S', '7890.128'), logic);
    // Another sender in the same conversation, and another conversation, are not continued.
    await channel.processActivity(message('S', '6222 0212', 'u2'), logic);
    await channel.processActivity(message('T', '3456 7890 128'), logic);
    expect(seen).toEqual([
      ['卡号是 6222.0212.3456', 0],
      ['***0128', 1],
      ['6222 0212', 0],
      ['3456 7890 128', 0],
    ]);
    const logged = (await transcripts.getTranscriptActivities('test', 'S')).items.map((a) => a.text);
    expect(logged).toEqual(['卡号是 6222.0212.3456', '***0128', '6222 0212']);
  });

  it('does not run an activity the channel masked itself (maskInbound, then maskedBefore) through the split memory again', async () => {
    const seen: string[] = [];
    const logic = async (ctx: TurnContext) => {
      seen.push(ctx.activity.text);
    };
    const first = channel.maskInbound(message('M', '4111 1111'));
    await channel.processActivity(first.value, logic, { maskedBefore: first.count });
    const second = channel.maskInbound(message('M', '1111 1111'));
    expect(second).toMatchObject({ count: 1, value: { text: '****1111' } });
    await channel.processActivity(second.value, logic, { maskedBefore: second.count });
    expect(seen).toEqual(['4111 1111', '****1111']);
  });

  it('stamps, masks, logs and delivers outgoing activities; typing is delivered but not logged', async () => {
    await channel.processActivity(message('D', 'hi'), async (ctx) => {
      await ctx.sendActivity({ type: 'typing' });
      await ctx.sendActivity('您的卡号 6011111111111117 已记录');
    });
    const out = channel.delivered.filter((a) => a.type === 'message');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      text: '您的卡号 601111******1117 已记录',
      from: { role: 'bot' },
      recipient: { id: 'u1' },
      conversation: { id: 'D' },
      channelId: 'test',
    });
    expect(out[0]!.id).toBeTruthy();
    expect(out[0]!.replyToId).toBeTruthy();
    expect(channel.delivered.some((a) => a.type === 'typing')).toBe(true);
    const logged = (await transcripts.getTranscriptActivities('test', 'D')).items;
    expect(logged.map((a) => [a.type, a.text])).toEqual([
      ['message', 'hi'],
      ['message', '您的卡号 601111******1117 已记录'],
    ]);
  });

  it('runs proactive turns through the same queue, after the running turn', async () => {
    const events: string[] = [];
    const turn = channel.processActivity(message('E', 'slow'), async () => {
      events.push('turn start');
      await sleep(40);
      events.push('turn end');
    });
    await sleep(5);
    const proactive = channel.continueConversation(
      { channelId: 'test', conversation: { id: 'E' } as Activity['conversation'], user: { id: 'u1', name: 'u1' }, bot: { id: 'b', name: 'b' }, serviceUrl: 'x' },
      async (ctx) => {
        events.push('proactive');
        await ctx.sendActivity('状态更新');
      },
    );
    await Promise.all([turn, proactive]);
    expect(events).toEqual(['turn start', 'turn end', 'proactive']);
    expect(channel.delivered.at(-1)).toMatchObject({ text: '状态更新', conversation: { id: 'E' } });
  });

  it('rejects an inbound activity without a conversation or sender', async () => {
    await expect(channel.processActivity({ type: 'message', text: 'x', from: { id: 'u', name: 'u' } }, async () => undefined)).rejects.toThrow(/conversation/);
    await expect(channel.processActivity({ type: 'message', text: 'x', conversation: { id: 'F' } as Activity['conversation'] }, async () => undefined)).rejects.toThrow(/from/);
  });

  it('exposes its capabilities to the turn', async () => {
    let buttons: boolean | undefined;
    await channel.processActivity(message('G', 'x'), async (ctx) => {
      buttons = capabilitiesOf(ctx).suggestedActions;
    });
    expect(buttons).toBe(false);
  });
});
