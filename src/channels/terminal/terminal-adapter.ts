/**
 * The terminal as a channel: the `chat` command's lines become message activities, and the bot's
 * activities go to a callback that prints them (human-readable or JSON lines). Same adapter contract
 * as every other channel, so a terminal conversation is a faithful rehearsal of a real one.
 */
import { ActivityTypes, type Activity, type ResourceResponse } from 'botbuilder';
import { BOT_ACCOUNT, ChannelAdapter, type BotLogic } from '../channel-adapter.js';
import type { SqlTranscriptStore } from '../../store/transcript-store.js';

export interface TerminalAdapterOptions {
  transcripts: SqlTranscriptStore;
  userId: string;
  /** Receives every outgoing activity, in order. */
  onActivity: (activity: Partial<Activity>) => void | Promise<void>;
  locale?: string;
}

export class TerminalAdapter extends ChannelAdapter {
  readonly conversationId: string;
  private readonly userId: string;
  private readonly onActivity: TerminalAdapterOptions['onActivity'];
  private readonly locale: string | undefined;

  constructor(options: TerminalAdapterOptions) {
    super({
      channelId: 'terminal',
      transcripts: options.transcripts,
      // A terminal shows buttons as numbered options and accepts the number as the answer.
      capabilities: { suggestedActions: true, markdown: false, attachments: false, typing: false },
    });
    this.userId = options.userId;
    this.onActivity = options.onActivity;
    this.locale = options.locale;
    // One conversation per terminal user, kept across runs: a request half filled in yesterday's
    // session continues today, and decisions made meanwhile are delivered to it.
    this.conversationId = `terminal:${options.userId}`;
  }

  protected async deliver(activity: Partial<Activity>): Promise<ResourceResponse> {
    await this.onActivity(activity);
    return { id: activity.id! };
  }

  /** Opens the conversation the way channels do: the merchant joins, the bot greets. */
  start(logic: BotLogic): Promise<void> {
    return this.processActivity(
      this.base({ type: ActivityTypes.ConversationUpdate, membersAdded: [{ id: this.userId, name: this.userId }] }),
      logic,
    );
  }

  say(text: string, logic: BotLogic, attachments: Activity['attachments'] = []): Promise<void> {
    return this.processActivity(this.base({ type: ActivityTypes.Message, text, ...(attachments.length ? { attachments } : {}) }), logic);
  }

  private base(fields: Partial<Activity>): Partial<Activity> {
    return {
      ...fields,
      channelId: 'terminal',
      conversation: { id: this.conversationId, isGroup: false, conversationType: 'personal', name: 'terminal' },
      from: { id: this.userId, name: this.userId, role: 'user' },
      recipient: { ...BOT_ACCOUNT },
      locale: this.locale,
    };
  }
}
