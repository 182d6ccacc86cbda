/**
 * The web chat channel: a `ChannelAdapter` whose "platform" is our own Direct Line store. Delivering an
 * activity appends it to the conversation's log (that assigns its watermark) and wakes the
 * conversation's stream listeners; typing indicators are live-only and never stored.
 *
 * Streamed replies (see ../streaming.ts): the interim activities (the text so far) are live-only like
 * typing — passed to the stream listeners at once, and the latest one of each stream kept in memory
 * (`ActivityHub.live`) so a client that polls `GET …/activities`, or connects mid-stream, still sees the
 * text grow. The final message is stored like any bot message and ends the stream: its interim is
 * forgotten *before* the final is appended, so no listing ever shows an interim after its final.
 *
 * Several instances (REDIS_URL): a stream may be open on one instance while the turn runs on another.
 * Every wake-up, live activity and stream end is also published on the message bus; the instances with
 * a stream of that conversation act on it as if it were their own. A wake-up lost with the bus (Redis
 * away) costs nothing but time: the activity is in the shared database, and the bus tells the streams
 * to read it (a `gap`) once it is back.
 */
import { EventEmitter } from 'node:events';
import type { Activity, ResourceResponse } from 'botbuilder';
import { InProcessBus, type MessageBus } from '../../scale/message-bus.js';
import type { SqlTranscriptStore } from '../../store/transcript-store.js';
import { ChannelAdapter } from '../channel-adapter.js';
import type { ConversationQueue } from '../conversation-queue.js';
import { isInterimStream, streamInfo } from '../streaming.js';
import type { DirectLineStore } from './directline-store.js';

export const DIRECTLINE_CHANNEL_ID = 'directline';

/** An unfinished stream whose last interim is older than this is forgotten (the bot stopped mid-answer). */
const LIVE_TTL_MS = 2 * 60_000;
const SWEEP_EVERY_MS = 30_000;
const MAX_ENDED = 1000;

/** What the hub publishes besides a plain wake-up: a live-only activity, or the end of a stream. */
interface HubMessage {
  live?: Partial<Activity>;
  end?: string;
}

/** "The conversation's log grew": the most frequent message, kept short. */
const WAKE = 'w';

function hubTopic(conversationId: string): string {
  return `dl:${conversationId}`;
}

interface LiveInterim {
  activity: Partial<Activity>;
  sequence: number;
  at: number;
}

/**
 * Wakes the listeners of a conversation when its log grows, or passes them a live-only activity; keeps
 * the latest interim activity of each unfinished stream.
 */
export class ActivityHub {
  private readonly events = new EventEmitter();
  /** conversation id → stream id → its latest interim activity. */
  private readonly live = new Map<string, Map<string, LiveInterim>>();
  /** Streams that ended lately (`conversation|stream`), so a straggling interim cannot revive one. */
  private readonly ended = new Set<string>();
  private lastSweep = 0;
  /** Conversations with a stream here → the end of their bus subscription. */
  private readonly topics = new Map<string, () => void>();

  constructor(private readonly now: () => number = Date.now, private readonly bus: MessageBus = new InProcessBus()) {
    this.events.setMaxListeners(0);
  }

  subscribe(conversationId: string, listener: (ephemeral?: Partial<Activity>) => void): () => void {
    this.events.on(conversationId, listener);
    if (!this.topics.has(conversationId)) {
      const topic = hubTopic(conversationId);
      this.topics.set(
        conversationId,
        this.bus.subscribe(topic, {
          message: (payload, local) => {
            if (!local) this.received(conversationId, payload);
          },
          // Something may have been stored meanwhile: the streams read after their watermark again.
          gap: () => this.events.emit(conversationId),
        }),
      );
    }
    return () => {
      this.events.off(conversationId, listener);
      if (this.events.listenerCount(conversationId) > 0) return;
      this.topics.get(conversationId)?.();
      this.topics.delete(conversationId);
    };
  }

  notify(conversationId: string, ephemeral?: Partial<Activity>): void {
    // This instance's streams directly; the other instances' through the bus.
    this.events.emit(conversationId, ephemeral);
    this.bus.publish(hubTopic(conversationId), ephemeral ? JSON.stringify({ live: ephemeral } satisfies HubMessage) : WAKE);
  }

  /** What another instance published about a conversation with a stream here. */
  private received(conversationId: string, payload: string): void {
    if (payload === WAKE) {
      this.events.emit(conversationId);
      return;
    }
    const message = JSON.parse(payload) as HubMessage;
    if (message.end !== undefined) {
      this.forgetStream(conversationId, message.end);
      return;
    }
    const activity = message.live;
    if (!activity) return;
    const info = isInterimStream(activity) ? streamInfo(activity) : undefined;
    // Kept here too, so a client that polls or connects to this instance mid-stream sees the text so far.
    if (info && !this.setInterim(conversationId, info.streamId, info.streamSequence ?? 0, activity)) return;
    this.events.emit(conversationId, activity);
  }

  listenerCount(conversationId: string): number {
    return this.events.listenerCount(conversationId);
  }

  /** Listeners over all conversations: the open streams (metrics). */
  totalListeners(): number {
    return this.events.eventNames().reduce((sum, name) => sum + this.events.listenerCount(name), 0);
  }

  /**
   * Keeps `activity` as its stream's latest interim; false (nothing kept) when a later one is already
   * there (an interim that arrived out of order).
   */
  setInterim(conversationId: string, streamId: string, sequence: number, activity: Partial<Activity>): boolean {
    if (this.ended.has(`${conversationId}|${streamId}`)) return false;
    const now = this.now();
    this.sweep(now);
    let streams = this.live.get(conversationId);
    if (!streams) this.live.set(conversationId, (streams = new Map()));
    const current = streams.get(streamId);
    if (current && current.sequence >= sequence) return false;
    streams.set(streamId, { activity, sequence, at: now });
    return true;
  }

  /** The stream is over (its final message is being stored): its interim is no longer shown. */
  endStream(conversationId: string, streamId: string): void {
    this.forgetStream(conversationId, streamId);
    this.bus.publish(hubTopic(conversationId), JSON.stringify({ end: streamId } satisfies HubMessage));
  }

  private forgetStream(conversationId: string, streamId: string): void {
    this.ended.add(`${conversationId}|${streamId}`);
    if (this.ended.size > MAX_ENDED) this.ended.delete(this.ended.values().next().value!);
    const streams = this.live.get(conversationId);
    if (!streams) return;
    streams.delete(streamId);
    if (streams.size === 0) this.live.delete(conversationId);
  }

  /** The latest interim of each unfinished stream of the conversation, oldest stream first. */
  interims(conversationId: string): Partial<Activity>[] {
    const streams = this.live.get(conversationId);
    if (!streams) return [];
    const cutoff = this.now() - LIVE_TTL_MS;
    const out: Partial<Activity>[] = [];
    for (const [id, entry] of streams) {
      if (entry.at < cutoff) streams.delete(id);
      else out.push(entry.activity);
    }
    if (streams.size === 0) this.live.delete(conversationId);
    return out;
  }

  /** Forgets streams that never ended (at most every 30 s, so a busy hub does not scan on every chunk). */
  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    for (const [conversationId, streams] of this.live) {
      for (const [id, entry] of streams) if (now - entry.at > LIVE_TTL_MS) streams.delete(id);
      if (streams.size === 0) this.live.delete(conversationId);
    }
  }
}

export class WebChatAdapter extends ChannelAdapter {
  constructor(
    private readonly options: {
      transcripts: SqlTranscriptStore;
      store: DirectLineStore;
      hub: ActivityHub;
      /** Orders each conversation's turns; with a Redis turn lock, across instances too. */
      queue?: ConversationQueue;
    },
  ) {
    super({
      channelId: DIRECTLINE_CHANNEL_ID,
      transcripts: options.transcripts,
      queue: options.queue,
      capabilities: { suggestedActions: true, markdown: true, attachments: true, typing: true, streaming: true },
    });
  }

  protected async deliver(activity: Partial<Activity>): Promise<ResourceResponse> {
    const conversationId = activity.conversation!.id;
    const { hub } = this.options;
    if (isInterimStream(activity)) {
      const info = streamInfo(activity)!;
      // Live only: never in the Direct Line log (nor, see the base class, in the transcript).
      if (hub.setInterim(conversationId, info.streamId, info.streamSequence ?? 0, activity)) hub.notify(conversationId, activity);
      return { id: activity.id ?? '' };
    }
    if (activity.type === 'typing') {
      hub.notify(conversationId, activity);
      return { id: '' };
    }
    const info = streamInfo(activity);
    if (info?.streamType === 'final') hub.endStream(conversationId, info.streamId);
    const { id } = await this.options.store.append(conversationId, activity, { fromRole: 'bot', processed: true });
    hub.notify(conversationId);
    return { id };
  }
}
