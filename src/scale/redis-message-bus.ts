/**
 * The message bus over Redis pub/sub: one Redis channel per topic, subscribed while this instance has a
 * listener of it. Redis delivers the messages of one publisher in order; this instance's own messages
 * are delivered locally at once and skipped when Redis echoes them.
 *
 * Redis pub/sub forgets what it could not deliver. What is missed is never silent:
 * - a subscriber whose connection comes back subscribes again and tells its listeners `gap`;
 * - a publisher whose message was not taken tells the topic's other listeners `gap` once it is back;
 * - a new subscription tells its listeners `gap` when Redis confirms it (before that, it hears nothing).
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/logger.js';
import { TopicListeners, type MessageBus, type TopicListener } from './message-bus.js';
import { closeRedis, connectRedis } from './redis-client.js';

const MESSAGE = 'm';
const GAP = 'g';
/** Past this many topics missed in one outage, every listener of every instance is told instead. */
const MAX_MISSED_TOPICS = 10_000;
const ALL_TOPICS = '*all*';
const SUBSCRIBE_BATCH = 500;
const RETRY_MISSED_MS = 1_000;

export interface RedisBusOptions {
  url: string;
  /** Prefix of the Redis channels (one deployment, or one test, per prefix). */
  prefix: string;
  logger?: Logger;
}

export class RedisMessageBus implements MessageBus {
  private readonly listeners = new TopicListeners();
  /** Identifies this instance's own messages when Redis echoes them back. */
  private readonly origin = randomBytes(8).toString('hex');
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channelPrefix: string;
  private readonly missed = new Set<string>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: RedisBusOptions) {
    this.channelPrefix = `${options.prefix}bus:`;
    this.pub = connectRedis(options.url, { role: 'bus-publisher', logger: options.logger });
    this.sub = connectRedis(options.url, { role: 'bus-subscriber', logger: options.logger });
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.received(channel.toString(), message.toString()));
    // Also the first connection: topics subscribed before it was ready are subscribed now.
    this.sub.on('ready', () => void this.resubscribe());
    this.pub.on('ready', () => this.announceMissed());
  }

  publish(topic: string, payload: string): void {
    this.listeners.deliver(topic, payload, true);
    this.send(topic, MESSAGE + this.origin + payload);
  }

  subscribe(topic: string, listener: TopicListener): () => void {
    if (this.listeners.add(topic, listener) && this.sub.status === 'ready') {
      // Until Redis confirms, other instances' messages pass by: the listeners look again after it.
      this.sub.subscribe(this.channelPrefix + topic).then(
        () => this.listeners.gap(topic),
        () => undefined, // the connection went away; `resubscribe` runs when it is back
      );
    }
    return () => {
      if (this.listeners.remove(topic, listener) && this.sub.status === 'ready') {
        this.sub.unsubscribe(this.channelPrefix + topic).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.listeners.clear();
    await Promise.all([closeRedis(this.pub), closeRedis(this.sub)]);
  }

  private send(topic: string, message: string): void {
    if (this.pub.status !== 'ready') {
      this.miss(topic);
      return;
    }
    this.pub.publish(this.channelPrefix + topic, message).catch(() => this.miss(topic));
  }

  private miss(topic: string): void {
    if (this.closed) return;
    if (this.missed.size >= MAX_MISSED_TOPICS) {
      this.missed.clear();
      this.missed.add(ALL_TOPICS);
    } else if (!this.missed.has(ALL_TOPICS)) {
      this.missed.add(topic);
    }
    // Failed on a connection that stays up (a command timing out): no 'ready' will come to announce it.
    if (this.pub.status === 'ready' && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = undefined;
        if (this.pub.status === 'ready') this.announceMissed();
      }, RETRY_MISSED_MS);
      this.retry.unref();
    }
  }

  private announceMissed(): void {
    const topics = [...this.missed];
    this.missed.clear();
    for (const topic of topics) this.send(topic, GAP + this.origin);
    if (topics.length > 0) this.options.logger?.info({ topics: topics.length }, 'told the other instances what they may have missed during the Redis outage');
  }

  private received(channel: string, message: string): void {
    if (!channel.startsWith(this.channelPrefix)) return;
    const origin = message.slice(1, 1 + this.origin.length);
    if (origin === this.origin) return;
    const topic = channel.slice(this.channelPrefix.length);
    if (message[0] === GAP) {
      if (topic === ALL_TOPICS) for (const t of this.listeners.topics()) this.listeners.gap(t);
      else this.listeners.gap(topic);
    } else if (message[0] === MESSAGE) {
      this.listeners.deliver(topic, message.slice(1 + this.origin.length), false);
    }
  }

  /** After (re)connecting: subscribes every topic listened to, then tells their listeners to look again. */
  private async resubscribe(): Promise<void> {
    const topics = this.listeners.topics();
    try {
      await this.sub.subscribe(this.channelPrefix + ALL_TOPICS);
      for (let i = 0; i < topics.length; i += SUBSCRIBE_BATCH) {
        await this.sub.subscribe(...topics.slice(i, i + SUBSCRIBE_BATCH).map((t) => this.channelPrefix + t));
      }
    } catch {
      return; // gone again; the next 'ready' starts over
    }
    for (const topic of topics) this.listeners.gap(topic);
  }
}
