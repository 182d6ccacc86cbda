/**
 * WeCom's allowance for `kf/send_msg`: after a customer's message, at most 5 messages within 48 hours; the
 * customer's next message opens a new allowance of 5 (it is not added to what is left). A send past it is
 * refused with errcode 95001 (给该客户发送的消息数量已达上限; WeCom's 发送消息 page, developer.work.weixin.qq.com
 * document 94677/96427, states the 5 and the 48 hours; the errcode as open-source kf clients report it).
 * Welcome messages (`send_msg_on_event`, with an `enter_session` code) are not counted.
 *
 * `SendBudget` keeps, per conversation, when the customer last wrote and how many messages went out since,
 * in the shared channel store (so a restart and the other instances agree); `fitInto` merges what a turn
 * still has to say into as few messages as the allowance has left.
 */
import type { ChannelStore } from '../wechat-platform/channel-store.js';
import type { OutgoingPart } from '../wechat-platform/platform-adapter.js';

/** Messages `kf/send_msg` takes per customer message. */
export const KF_SEND_ALLOWANCE = 5;
/** How long after the customer's message they may be sent. */
export const KF_SEND_WINDOW_MS = 48 * 3_600_000;
/** WeCom's errcode for a send past the allowance. */
export const KF_SEND_LIMIT_ERRCODE = 95001;

interface BudgetEntry {
  /** When the customer last wrote (epoch ms, WeCom's send_time). */
  since: number;
  /** That message's msgid (a re-pulled copy of it does not open a new allowance). */
  msgid: string;
  /** Messages sent with send_msg since. */
  sent: number;
}

export class SendBudget {
  constructor(
    private readonly store: ChannelStore,
    private readonly now: () => number = Date.now,
  ) {}

  private key(conversationId: string): string {
    return `budget/${conversationId}`;
  }

  /** A customer message (WeCom's send_time, ms): a new allowance, unless it is not newer than the one on record. */
  async customerWrote(conversationId: string, at: number, msgid: string): Promise<void> {
    const entry = await this.store.get<BudgetEntry>(this.key(conversationId));
    if (entry && (entry.since > at || (entry.since === at && entry.msgid === msgid))) return;
    await this.store.set(this.key(conversationId), { since: at, msgid, sent: 0 } satisfies BudgetEntry);
  }

  /** Messages send_msg still takes; undefined when no customer message is on record (WeCom decides). */
  async remaining(conversationId: string): Promise<number | undefined> {
    const entry = await this.store.get<BudgetEntry>(this.key(conversationId));
    if (!entry) return undefined;
    if (this.now() - entry.since >= KF_SEND_WINDOW_MS) return 0;
    return Math.max(0, KF_SEND_ALLOWANCE - entry.sent);
  }

  /** One more message sent. */
  async count(conversationId: string): Promise<void> {
    const entry = await this.store.get<BudgetEntry>(this.key(conversationId));
    if (entry) await this.store.set(this.key(conversationId), { ...entry, sent: entry.sent + 1 });
  }

  /** WeCom said the allowance is used up (another instance sent, or the record was missing). */
  async exhausted(conversationId: string): Promise<void> {
    const entry = await this.store.get<BudgetEntry>(this.key(conversationId));
    await this.store.set(this.key(conversationId), { since: entry?.since ?? this.now(), msgid: entry?.msgid ?? '', sent: KF_SEND_ALLOWANCE });
  }
}

export interface Fitted {
  /** What goes out, at most `slots` messages, in order, options last. */
  messages: OutgoingPart[];
  /** Files that could not go out and are only named in the text. */
  named: OutgoingPart[];
  /** What does not fit even merged (logged; it is in the transcript). */
  unsent: OutgoingPart[];
}

type TextPart = Extract<OutgoingPart, { kind: 'text' }>;
type MenuPart = Extract<OutgoingPart, { kind: 'menu' }>;

/**
 * `parts` in at most `slots` messages: neighbouring texts joined (each message at most `maxLength`
 * characters), the last menu kept as a menu and sent last (earlier ones become numbered lines; the text just
 * before it becomes its head when it fits); when files still do not fit, they are named in the text
 * ("📎 name") instead. What fits in no way is returned as `unsent`, the options kept.
 */
export function fitInto(parts: readonly OutgoingPart[], slots: number, maxLength: number): Fitted {
  if (parts.length <= slots) return { messages: [...parts], named: [], unsent: [] };
  const merged = merge(parts, maxLength, false);
  if (merged.length <= slots) return { messages: merged, named: [], unsent: [] };
  const named = parts.filter((p) => p.kind === 'image' || p.kind === 'file');
  const texts = merge(parts, maxLength, true);
  if (texts.length <= slots) return { messages: texts, named, unsent: [] };
  if (slots <= 0) return { messages: [], named: [], unsent: [...parts] };
  // Still too long: what comes first, then the options with their own question (the merchant answers them).
  const lastMenu = parts.findLastIndex((p) => p.kind === 'menu');
  const menu = lastMenu >= 0 ? parts[lastMenu]! : undefined;
  const body = menu ? merge(parts.filter((_, i) => i !== lastMenu), maxLength, true) : texts;
  const keep = body.slice(0, menu ? slots - 1 : slots);
  return { messages: menu ? [...keep, menu] : keep, named, unsent: body.slice(keep.length) };
}

function merge(parts: readonly OutgoingPart[], maxLength: number, nameFiles: boolean): OutgoingPart[] {
  const lastMenu = parts.findLastIndex((p) => p.kind === 'menu');
  const out: OutgoingPart[] = [];
  const addText = (text: string) => {
    if (!text.trim()) return;
    const previous = out.at(-1);
    if (previous?.kind === 'text' && previous.text.length + 2 + text.length <= maxLength) out[out.length - 1] = { kind: 'text', text: `${previous.text}\n\n${text}` };
    else out.push({ kind: 'text', text });
  };
  parts.forEach((part, i) => {
    if (part.kind === 'text') addText(part.text);
    else if (part.kind === 'menu') {
      if (i !== lastMenu) addText([part.text, ...part.options.map((o, n) => `${n + 1}. ${o}`)].filter(Boolean).join('\n'));
    } else if (nameFiles) addText(`📎 ${part.name}`);
    else out.push(part);
  });
  if (lastMenu < 0) return out;
  const menu = parts[lastMenu] as MenuPart;
  const previous = out.at(-1);
  if (previous?.kind === 'text' && previous.text.length + (menu.text ? menu.text.length + 2 : 0) <= maxLength) {
    out[out.length - 1] = { kind: 'menu', text: menu.text ? `${(previous as TextPart).text}\n\n${menu.text}` : previous.text, options: menu.options };
  } else out.push(menu);
  return out;
}
