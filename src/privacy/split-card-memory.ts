/**
 * The digits each conversation's last message ended with, so a card number split over two consecutive
 * messages ("6222 0212" then "3456 7890 128") is masked in the second one (see `maskCardNumbersAfter` in
 * `card-mask.ts` for the rules, and for what stays: the first message's part, stored before the second
 * one came).
 *
 * Bounded: at most `maxConversations` tails (the least recently written go first) and each one is
 * forgotten after `ttlMs` — a second part typed minutes later is not a split. Only messages that end
 * with unmasked digits hold an entry, and an entry holds at most 18 digits. In memory only, on purpose:
 * a restart forgets the tails (at worst one split in flight is missed), and no digits are written
 * anywhere for this.
 */
import { maskCardNumbersAfter, type DigitTail } from './card-mask.js';

export interface SplitCardMemoryOptions {
  /** Most conversations remembered at once (default 10 000). */
  maxConversations?: number;
  /** How long a message's trailing digits wait for the next message (default 5 minutes). */
  ttlMs?: number;
  now?: () => number;
}

export class SplitCardMemory {
  private readonly tails = new Map<string, { tail: DigitTail; at: number }>();
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: SplitCardMemoryOptions = {}) {
    this.max = options.maxConversations ?? 10_000;
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Masks one message of conversation `key` (one sender in one conversation), card numbers in it and one
   * begun at the end of the previous message, and remembers how this one ends. Call it once per message,
   * in the order they came.
   */
  mask(key: string, text: string): { text: string; count: number } {
    const now = this.now();
    this.expire(now);
    const previous = this.tails.get(key);
    this.tails.delete(key);
    const result = maskCardNumbersAfter(previous?.tail, text);
    if (result.tail.length > 0) {
      this.tails.set(key, { tail: result.tail, at: now });
      if (this.tails.size > this.max) this.tails.delete(this.tails.keys().next().value!);
    }
    return { text: result.text, count: result.count };
  }

  /** Conversations remembered now. */
  get size(): number {
    return this.tails.size;
  }

  /** Entries are in the order they were written, so the expired ones are at the front. */
  private expire(now: number): void {
    for (const [key, entry] of this.tails) {
      if (now - entry.at <= this.ttlMs) break;
      this.tails.delete(key);
    }
  }
}
