/**
 * Publish/subscribe by topic between the instances of one deployment. A bus carries notices ("this
 * conversation's log grew", a typing indicator), not data that must survive: what must survive is in the
 * database first, and a subscriber told of a `gap` reads it from there. So a bus may lose messages while
 * its transport is away, but never silently: every subscriber is told when it may have missed some.
 *
 * The in-process bus is the single-instance default: delivery is synchronous, nothing is ever missed.
 */

export interface TopicListener {
  /** A message published on the topic; `local` when this instance published it. */
  message(payload: string, local: boolean): void;
  /**
   * Messages may have been missed: the subscription has just become active, or the transport has come
   * back after an outage. Whoever keeps state elsewhere reads it again now.
   */
  gap?(): void;
}

export interface MessageBus {
  /**
   * Delivers to this instance's listeners of the topic before it returns (in publish order), and to every
   * other instance's listeners. Never throws: a message the transport did not take is reported to the
   * other instances as a gap once it is back.
   */
  publish(topic: string, payload: string): void;
  /** Listens to the topic until the returned function is called. */
  subscribe(topic: string, listener: TopicListener): () => void;
  close(): Promise<void>;
}

/** Listeners by topic, and local delivery: the part every bus shares. */
export class TopicListeners {
  private readonly byTopic = new Map<string, Set<TopicListener>>();

  /** Adds the listener; true when it is the topic's first (the transport must subscribe). */
  add(topic: string, listener: TopicListener): boolean {
    let set = this.byTopic.get(topic);
    const first = !set;
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(listener);
    return first;
  }

  /** Removes the listener; true when the topic has none left (the transport may unsubscribe). */
  remove(topic: string, listener: TopicListener): boolean {
    const set = this.byTopic.get(topic);
    if (!set?.delete(listener)) return false;
    if (set.size > 0) return false;
    this.byTopic.delete(topic);
    return true;
  }

  has(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  topics(): string[] {
    return [...this.byTopic.keys()];
  }

  deliver(topic: string, payload: string, local: boolean): void {
    const set = this.byTopic.get(topic);
    if (!set) return;
    // A copy: a listener may unsubscribe (a socket closing) while the message is handed out.
    for (const listener of [...set]) listener.message(payload, local);
  }

  gap(topic: string): void {
    const set = this.byTopic.get(topic);
    if (!set) return;
    for (const listener of [...set]) listener.gap?.();
  }

  clear(): void {
    this.byTopic.clear();
  }
}

export class InProcessBus implements MessageBus {
  private readonly listeners = new TopicListeners();

  publish(topic: string, payload: string): void {
    this.listeners.deliver(topic, payload, true);
  }

  subscribe(topic: string, listener: TopicListener): () => void {
    this.listeners.add(topic, listener);
    return () => void this.listeners.remove(topic, listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
