/**
 * The web chat channel: a `ChannelAdapter` whose "platform" is our own Direct Line store. Delivering an
 * activity appends it to the conversation's log (that assigns its watermark) and wakes the
 * conversation's stream listeners; typing indicators are live-only and never stored.
 */
import { EventEmitter } from 'node:events';
import type { Activity, ResourceResponse } from 'botbuilder';
import type { SqlTranscriptStore } from '../../store/transcript-store.js';
import { ChannelAdapter } from '../channel-adapter.js';
import type { DirectLineStore } from './directline-store.js';

export const DIRECTLINE_CHANNEL_ID = 'directline';

/** Wakes the listeners of a conversation when its log grows, or passes them a live-only activity. */
export class ActivityHub {
  private readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(0);
  }

  subscribe(conversationId: string, listener: (ephemeral?: Partial<Activity>) => void): () => void {
    this.events.on(conversationId, listener);
    return () => this.events.off(conversationId, listener);
  }

  notify(conversationId: string, ephemeral?: Partial<Activity>): void {
    this.events.emit(conversationId, ephemeral);
  }

  listenerCount(conversationId: string): number {
    return this.events.listenerCount(conversationId);
  }
}

export class WebChatAdapter extends ChannelAdapter {
  constructor(
    private readonly options: { transcripts: SqlTranscriptStore; store: DirectLineStore; hub: ActivityHub },
  ) {
    super({
      channelId: DIRECTLINE_CHANNEL_ID,
      transcripts: options.transcripts,
      capabilities: { suggestedActions: true, markdown: true, attachments: true, typing: true },
    });
  }

  protected async deliver(activity: Partial<Activity>): Promise<ResourceResponse> {
    const conversationId = activity.conversation!.id;
    if (activity.type === 'typing') {
      this.options.hub.notify(conversationId, activity);
      return { id: '' };
    }
    const { id } = await this.options.store.append(conversationId, activity, { fromRole: 'bot', processed: true });
    this.options.hub.notify(conversationId);
    return { id };
  }
}
