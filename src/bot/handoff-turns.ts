/**
 * The bot's side of the human handoff: when to hand over (and why), the package the agent gets, what
 * the merchant hears while waiting, the message-and-callback ticket outside business hours, and what
 * happens when the agent is done (the bot resumes and asks for a rating).
 *
 * Handing over is the botbuilder convention: a `handoff.initiate` event (EventFactory) that the channel
 * adapter gives to the handoff service; the service answers with `handoff.status` event turns.
 */
import { EventFactory, type TurnContext } from 'botbuilder';
import type { FlowState } from '../flows/engine.js';
import type { FileView, HandoffPackage } from '../handoff/console-api.js';
import type { HandoffService } from '../handoff/handoff-service.js';
import type { HandoffRecord } from '../handoff/handoff-store.js';
import { t, type Locale } from '../i18n/messages.js';
import { SLOT_TYPES } from '../flows/slot-types/registry.js';
import { maskCardNumbers } from '../privacy/card-mask.js';
import type { RequestStore } from '../requests/index.js';
import type { SqlTranscriptStore } from '../store/index.js';
import type { FlowTurns } from './flow-turns.js';
import type { AgentBriefWriter } from '../handoff/agent-brief.js';
import { DEFAULT_TIME_ZONE } from '../core/time-zone.js';
import type { IdentityStore } from '../identity/identity-store.js';

/** Complaints and strong negative wording: a person, at once. */
// A lawyer counts when the merchant means to use one against us ("我要找律师"), not when a lawyer's advice is
// the story of a request ("律师说账上进来的钱先别结出去").
// The police count when called on us ("再不给我结算我就报警", "call the police"), not when they closed a road.
export const COMPLAINT = /投诉|骗子|骗人|诈骗|欺诈|报警|(?:找|叫|喊)警察|(?:找|请)律师|律师(?:告|起诉)|起诉|曝光|12315|你们[^，,。!！?？]{0,6}坑人|坑人[^，,。!！?？]{0,4}你们|坑我|黑心|垃圾服务|太差劲|\b(complain|complaint|scam|fraud|sue)\b|\b(?:call|calling|called|go to|going to|report (?:you|this|it) to) the police\b|\b(?:get|hire|call) (?:a|my) lawyer\b|\bmy lawyer will\b/i;
/**
 * A complaint the merchant reports about their customer ("菜品有问题，顾客投诉要退钱") or against the shop
 * ("我们店被人投诉了，银行要先停结算") is the reason for the request, not one of ours.
 */
const CUSTOMER = /顾客|客人|客户|持卡人|消费者|会员|学员|家长|患者|病人|住客|房客|车主|业主|租客|游客|姑娘|宝妈|买家|人家|邻居|街坊|[位个個]客|\bcustomer|\bcardholder|\bguest|\bmember|\bclient|\bbuyer|\bpatient/i;
const CUSTOMER_COMPLAINS = new RegExp(
  String.raw`(${CUSTOMER.source})(?:(?!你们|您们|我就|我要)[^，,。.!！?？]){0,14}(投诉|报警|起诉|曝光|complain|complained)(?!你们|您们)|被(?:人|顾客|客人|客户)?(?:投诉|举报|起诉)|(?:投诉|告|起诉)(?:我们|我家|咱们)(?:店|家|这边)?(?=[呀啊哦啦吧嘛]*(?:[，,。.!！~～\s]|$))|\bcomplaints? against (?:my|our|the) (?:shop|store|business|restaurant|gallery|company)\b|\b(?:got|received|had) (?:a )?complaints?\b|\bkena complain|\b(?:don'?t|do not) want (?:to )?(?:get |kena )?(?:a )?complain`,
  'i',
);

/**
 * Papers named by the words of a complaint ("起诉书的扫描件", "律师函", "the police report"): sent as proof for
 * a request, they are no complaint against us.
 */
const COMPLAINT_PAPERS = /起诉书|起诉状|诉状|律师函|报警回执|报案回执|受案回执|立案通知书?|报警记录|\b(?:police|incident) report\b|\blawyer'?s letter\b|\bcourt (?:papers|documents|order)\b/gi;

/**
 * A crime against the shop told as the story of a request ("有人拿盗刷的卡来刷的 已经报警了 想先把结算停掉"):
 * the police and the fraud it names are the reason for a hold, not a complaint about us.
 */
const CRIME_AGAINST_SHOP = /盗刷|被盗|被偷|偷来|偷的卡|可疑|假卡|伪卡|套现|盗用|冒用|(?:带|拿|偷)走了?[^，,。\s]{0,6}(?:刷卡机|机器|机子|终端|POS)|配合调查|查清|调查|受案|立案|\bstol(?:e|en)\b|\bsuspicious\b|\bfraudulent\b/i;
const CRIME_WORDS = /报警|警察|诈骗|欺诈|\b(?:police|fraud|scam)\b/gi;

/**
 * The customer's threat, told by the merchant ("这个客人…不给退就要投诉 行吧 退给她"): the reason for a
 * refund. A threat of the merchant's own names us ("不给我退我就投诉你们").
 */
// …however the condition is put ("不退给她就要投诉", "今天不把钱弄回他卡上就打12315", "不给个说法就去12315").
const CUSTOMER_THREATENS = /不[^，,。!！\s]{1,10}就(?:要|说要|会|去|要去)?(?:投诉|报警|起诉|曝光|打12315|去12315)/;

const CAME_TO_COMPLAIN = /(?:打电话|打来电话|打来|找上门|跑来|过来|来)(?:说)?投诉/;

/** The clause of `text` around [start, end): up to the punctuation on either side. */
function clauseAround(text: string, start: number, end: number): string {
  const stop = /[，,。.!！?？;；\s]/;
  let from = start;
  while (from > 0 && !stop.test(text[from - 1]!)) from--;
  let to = end;
  while (to < text.length && !stop.test(text[to]!)) to++;
  return text.slice(from, to);
}

/**
 * Fixed-line numbers with their area code ("028-85126673", "0451 8264 7731", "010 6552 9988"): 0, an area
 * code of two or three more digits, and a local number of seven or eight — as digits.
 */
export function landlinesIn(text: string): string[] {
  const found: string[] = [];
  for (const m of text.normalize('NFKC').matchAll(/(?<![\d-])(?:\(?0\d{2,3}\)?)[\s-]?\d{3,4}[\s-]?\d{4}(?![\d-])/g)) {
    const digits = m[0].replace(/\D/g, '');
    if (digits.length >= 10 && digits.length <= 12 && !/^0{2}/.test(digits)) found.push(digits);
  }
  return [...new Set(found)];
}

/** A landline shown masked as a mobile is: the area code and the last four digits ("028****6673"). */
function maskLandline(digits: string): string {
  return `${digits.slice(0, digits.length - 8)}****${digits.slice(-4)}`;
}

/** Whether the merchant complains (about us): a person at once. */
export function isComplaint(text: string): boolean {
  let said = text.replace(COMPLAINT_PAPERS, ' ');
  if (CRIME_AGAINST_SHOP.test(said)) said = said.replace(CRIME_WORDS, ' ');
  // …"你们" elsewhere in the message ("昨天在你们这提交了撤销申请 … 客人说今天不退他就去投诉") names us, not the threat.
  const threat = CUSTOMER_THREATENS.exec(said);
  const customerThreat = threat !== null && CUSTOMER.test(said) && !/你们|我就/.test(clauseAround(said, threat.index, threat.index + threat[0].length));
  // "…一桌客人结账刷了1264，今天打电话来投诉菜有问题": the customer, named before, came to complain to the shop.
  const customerCame = CUSTOMER.test(said) && CAME_TO_COMPLAIN.test(said) && !/你们/.test(said);
  return COMPLAINT.test(said) && !CUSTOMER_COMPLAINS.test(said) && !customerThreat && !customerCame;
}
/** How long after a ticket was taken another number given replaces the one to call. */
const CALLBACK_CHANGE_MS = 30 * 60_000;
/** Words that give a number to be called on ("打我儿子手机", "换个号码", "call my son on", "use this number"). */
const CALL_ME_ON = /打(?:我|这个|给|到)|打[^，,。\s]{0,4}(?:手机|电话|座机)|换(?:个|成)?(?:号码?|电话|手机)|(?:号码|电话|手机号?)(?:改成|换成|改为)|回电|联系(?:我|他|她)|\bcall\b|\bring\b|\b(?:use|try) (?:this|my|another) (?:number|phone)/i;
/** "不用了" while waiting for a person. */
export const CANCEL_WAIT = /^(不用了|不需要了|算了|取消|不等了|取消转人工|cancel|never ?mind|no thanks)[\s!！。.,，]*$/i;
/** Back to the bot instead of leaving a message ("哦好吧 那还是走你们这 继续"): the request in progress goes on. */
const GO_ON_WITH_BOT = /(?:^|[\s,，。])(?:那)?(?:还是)?(?:继续(?:办|弄|吧)?|接着(?:办|弄)|走你们这|在这(?:里|儿)?办)(?:吧|了)?[\s!！。.]*$|\b(?:let'?s continue|carry on|go on)\b/i;
const RATING = /^\s*([1-5])\s*(分|星|stars?)?\s*$/i;

export const HANDOFF_REASONS = ['human_request', 'unanswered', 'slot_retry_limit', 'missing_document', 'business_rule', 'submission_failed', 'complaint'] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** What the bot keeps about handoffs in conversation state. */
export interface HandoffConversation {
  /** Taking a message and a callback number (outside hours, nobody online, or after a timeout). */
  takingMessage?: { reason: string; detail: string | null; step: 'message' | 'phone'; message?: string; ticketId?: string };
  /** The handoff just ended: the next "1"–"5" is its rating. */
  awaitingRating?: boolean;
  /** The ticket a message and number were just taken for: a number given next may replace the one to call. */
  lastTicket?: { id: string; at: number };
  /** The bot offered a person for this reason (e.g. a slot's retry limit); a yes uses it. */
  handoffOffer?: string;
  /** What the offer was about (e.g. the slot and why it failed), for the agent. */
  handoffOfferDetail?: string;
  /** Questions the bot tried to answer (for the agent), newest last. */
  tried?: { question: string; answered: boolean; sources: string[]; at?: string }[];
  unanswered: number;
  flow?: FlowState;
  /** A flow a business rule ended by handing over: kept for the agent's package. */
  endedFlow?: FlowState;
  merchantId?: string;
}

export interface HandoffTurnsOptions {
  service: HandoffService;
  requests: RequestStore;
  transcripts: SqlTranscriptStore;
  flows?: FlowTurns;
  /** Who the merchant has proven to be: shown to the agent beside the chat. */
  identities?: IdentityStore;
  /** Writes the agent's brief with a language model; the template summary stays until it arrives. */
  brief?: AgentBriefWriter;
  onBriefError?: (err: unknown) => void;
}

type Send = (text: string, actions?: string[]) => Promise<void>;

export class HandoffTurns {
  /** Briefs being written; `idle()` waits for them (at shutdown, in tests). */
  private readonly briefs = new Set<Promise<void>>();

  constructor(private readonly options: HandoffTurnsOptions) {}

  /** The merchants' time zone (the flows', from `TIME_ZONE`). */
  private get timeZone(): string {
    return this.options.flows?.timeZone ?? DEFAULT_TIME_ZONE;
  }

  /** Resolves when every brief started so far is stored (or given up). */
  async idle(): Promise<void> {
    while (this.briefs.size > 0) await Promise.all([...this.briefs]);
  }

  /** The model writes the brief after the merchant has their answer: nobody waits for it. */
  private briefLater(handoffId: string, pkg: HandoffPackage): void {
    const writer = this.options.brief;
    if (!writer) return;
    const job = (async () => {
      const brief = await writer.write(pkg);
      if (brief) await this.options.service.reviseSummary(handoffId, brief);
    })()
      .catch((err: unknown) => this.options.onBriefError?.(err))
      .finally(() => this.briefs.delete(job));
    this.briefs.add(job);
  }

  get service(): HandoffService {
    return this.options.service;
  }

  /**
   * A message while a handoff is open. Waiting: "不用了" cancels; anything else goes to the queue and the
   * merchant hears where they stand. Active: it goes to the agent and the bot says nothing.
   */
  async whileOpen(context: TurnContext, open: HandoffRecord, text: string, files: FileView[], locale: Locale, send: Send): Promise<'cancelled' | 'forwarded'> {
    if (open.status === 'waiting' && CANCEL_WAIT.test(text) && files.length === 0) {
      if (await this.options.service.cancelByMerchant(open)) {
        await send(t(locale, 'handoffCancelled'));
        return 'cancelled';
      }
      // An agent claimed it meanwhile: the words go to that agent, who decides (and the bot stays out).
      const current = await this.options.service.openFor(context.activity.channelId, context.activity.conversation.id);
      if (!current) {
        await send(t(locale, 'handoffCancelled'));
        return 'cancelled';
      }
      open = current;
    }
    await this.options.service.fromMerchant(open, maskCardNumbers(text).text, files);
    if (open.status === 'waiting') {
      const { position } = await this.options.service.position(open);
      await send(t(locale, 'handoffStillWaiting', { ahead: position - 1 }), [t(locale, 'actionCancelWait')]);
    }
    return 'forwarded';
  }

  /**
   * Hands the conversation to a person, or takes a message when nobody can come. `knownPhone`: a number the
   * merchant gave earlier in this conversation (the request's contact number): the words said are then the
   * message and that number the callback, not asked again.
   */
  async request(context: TurnContext, conversation: HandoffConversation, reason: string, detail: string | null, locale: Locale, send: Send, said?: string, knownPhone?: string): Promise<void> {
    delete conversation.handoffOffer;
    delete conversation.handoffOfferDetail;
    // Whatever happens next (a person, a message, a cancel), earlier misses are not held against the
    // merchant: the next single miss must not send them straight back to a person.
    conversation.unanswered = 0;
    const service = this.options.service;
    const { open, agentsOnline } = await service.availability();
    if (!open || agentsOnline === 0) {
      conversation.takingMessage = { reason, detail, step: 'message' };
      // "给我回个电话，我号码139…，退款的事说不清楚": the number and the words are the message already.
      // …and so are a landline with its area code ("我办公室电话010-68452391") and the words around it.
      const number = said ? SLOT_TYPES.phone!.extract(said, { now: new Date(), timeZone: this.timeZone, locale }) : [];
      const landlines = said && number.length === 0 ? landlinesIn(said) : [];
      if (said && (number.length === 1 || landlines.length === 1 || (number.length === 0 && knownPhone))) {
        conversation.takingMessage.message = maskCardNumbers(said).text.slice(0, 1000);
        conversation.takingMessage.step = 'phone';
        const callback = number.length === 1 ? said.slice(number[0]!.start, number[0]!.end) : landlines.length === 1 ? landlines[0]! : knownPhone!;
        await this.takeMessage(context, conversation, callback, locale, send);
        return;
      }
      const hours = service.hours.describe(locale);
      await send(t(locale, open ? 'handoffNoAgent' : 'handoffClosed', { hours }), [t(locale, 'actionCancelWait')]);
      return;
    }
    const pkg = await this.buildPackage(context, conversation, reason, detail, locale);
    delete conversation.endedFlow;
    await context.sendActivity(EventFactory.createHandoffInitiation(context, { reason, detail, package: pkg, locale }));
    const handoff = await service.openFor(context.activity.channelId, context.activity.conversation.id);
    if (!handoff) {
      // The adapter had no handoff service to give the event to: say so rather than pretend.
      await send(t(locale, 'handoffFailed'));
      return;
    }
    this.briefLater(handoff.id, pkg);
    const { position, waitMinutes } = await service.position(handoff);
    await send(t(locale, 'handoffQueued', { ahead: position - 1, minutes: waitMinutes }), [t(locale, 'actionCancelWait')]);
  }

  /** The message and callback number for a ticket. True when the turn was about it. */
  async takeMessage(context: TurnContext, conversation: HandoffConversation, text: string, locale: Locale, send: Send): Promise<boolean> {
    const taking = conversation.takingMessage;
    if (!taking) return false;
    if (CANCEL_WAIT.test(text) || GO_ON_WITH_BOT.test(text)) {
      delete conversation.takingMessage;
      await send(t(locale, 'handoffMessageCancelled'));
      return true;
    }
    if (taking.step === 'message') {
      if (!text) {
        await send(t(locale, 'handoffAskMessage'));
        return true;
      }
      taking.message = maskCardNumbers(text).text.slice(0, 1000);
      taking.step = 'phone';
      // "my number 15454630558, its about a refund that failed": the number came with the message.
      const number = SLOT_TYPES.phone!.extract(text, { now: new Date(), timeZone: this.timeZone, locale });
      const fixed = number.length === 0 ? landlinesIn(text) : [];
      if (number.length !== 1 && fixed.length !== 1) {
        await send(t(locale, 'handoffAskPhone'));
        return true;
      }
      text = number.length === 1 ? text.slice(number[0]!.start, number[0]!.end) : fixed[0]!;
    }
    const phone = SLOT_TYPES.phone!.parse(text, { now: new Date(), timeZone: this.timeZone, locale });
    // A person can call a landline back ("打店里座机 028-85126673"); a request's contact number stays a mobile.
    const landline = phone.ok ? [] : landlinesIn(text);
    if (!phone.ok && landline.length !== 1) {
      await send(phone.message[locale]);
      return true;
    }
    const number = phone.ok ? String(phone.value) : landline[0]!;
    if (taking.ticketId) {
      await this.options.service.completeTicket(taking.ticketId, { callbackPhone: number, ...(taking.message ? { message: taking.message } : {}) });
      conversation.lastTicket = { id: taking.ticketId, at: Date.now() };
    } else {
      const pkg = await this.buildPackage(context, conversation, taking.reason, taking.detail, locale);
      delete conversation.endedFlow;
      const ticket = await this.options.service.createTicket(context, {
        reason: taking.reason,
        detail: taking.detail,
        package: pkg,
        locale,
        message: taking.message ?? '',
        callbackPhone: number,
        endReason: (await this.options.service.availability()).open ? 'no_agent' : 'after_hours',
      });
      this.briefLater(ticket.id, pkg);
      conversation.lastTicket = { id: ticket.id, at: Date.now() };
    }
    delete conversation.takingMessage;
    const shown = phone.ok ? phone.display : maskLandline(number);
    await send(t(locale, 'handoffTicketTaken', { hours: this.options.service.hours.describe(locale), phone: shown }));
    return true;
  }

  /**
   * Another number to call back, given soon after the ticket was taken ("座机不行啊 那打我儿子手机 137 0221 9384"):
   * the ticket's number is replaced. True when the turn was about it.
   */
  async callbackChanged(conversation: HandoffConversation, text: string, locale: Locale, send: Send): Promise<boolean> {
    const last = conversation.lastTicket;
    if (!last) return false;
    if (Date.now() - last.at > CALLBACK_CHANGE_MS) {
      delete conversation.lastTicket;
      return false;
    }
    if (!CALL_ME_ON.test(text)) return false;
    const ctx = { now: new Date(), timeZone: this.timeZone, locale };
    const mobiles = SLOT_TYPES.phone!.extract(text, ctx);
    const numbers = mobiles.length ? mobiles.map((m) => String(m.value)) : landlinesIn(text);
    if (new Set(numbers).size !== 1) return false;
    const number = numbers[0]!;
    if (!(await this.options.service.changeCallback(last.id, number))) {
      delete conversation.lastTicket;
      return false;
    }
    const shown = mobiles.length ? mobiles[0]!.display : maskLandline(number);
    await send(t(locale, 'handoffCallbackChanged', { phone: shown }));
    return true;
  }

  /** "1"–"5" right after a handoff ended. Anything else: no rating, the message is handled as usual. */
  async rating(context: TurnContext, conversation: HandoffConversation, text: string, locale: Locale, send: Send): Promise<boolean> {
    if (!conversation.awaitingRating) return false;
    delete conversation.awaitingRating;
    const m = RATING.exec(text);
    if (!m) return false;
    await this.options.service.rate(context.activity.channelId, context.activity.conversation.id, Number(m[1]));
    await send(t(locale, 'handoffRated'));
    return true;
  }

  /** The package the agent sees: why, what the merchant wants, where the bot stood, everything masked. */
  async buildPackage(context: TurnContext, conversation: HandoffConversation, reason: string, detail: string | null, locale: Locale): Promise<HandoffPackage> {
    const activity = context.activity;
    const flowState = conversation.flow ?? conversation.endedFlow;
    const flows = this.options.flows;
    let flow: HandoffPackage['flow'] = null;
    const attachments: FileView[] = [];
    if (flowState && flows) {
      const def = flows.flow(flowState.flowId);
      const values = Object.entries(flowState.values).map(([name, v]) => ({ name, display: v.display }));
      for (const v of Object.values(flowState.values)) {
        if (Array.isArray(v.value)) {
          for (const f of v.value as { file?: string; contentType?: string; name?: string }[]) {
            if (f.file) attachments.push(fileView(f.file, f.contentType ?? 'application/octet-stream', f.name ?? f.file));
          }
        }
      }
      flow = { id: def.id, title: def.title['zh-CN'], stage: flowState.stage, pending: flowState.pending ?? null, values };
    }
    const merchantId = conversation.merchantId ?? (typeof flowState?.values.merchant_id?.value === 'string' ? (flowState.values.merchant_id.value as string) : undefined);
    const requests = merchantId ? await this.options.requests.listByMerchant(merchantId, { limit: 10 }) : [];
    const transcript = await this.transcript(activity.channelId, activity.conversation.id);
    const verified = this.options.identities && activity.from?.id ? await this.options.identities.bindings({ channelId: activity.channelId, userId: activity.from.id }) : [];
    const lastQuestion = [...transcript].reverse().find((l) => l.from === 'merchant' && l.text)?.text ?? '';
    const reasonText = t('zh-CN', `handoffReason_${reason}` as Parameters<typeof t>[1]);
    const summary = [
      `转人工原因：${reasonText}${detail ? `（${detail}）` : ''}`,
      lastQuestion ? `商户最后说：${lastQuestion.slice(0, 200)}` : '',
      flow ? `正在办理：${flow.title}（已填 ${flow.values.length} 项${flow.pending ? `，待填：${flow.pending}` : ''}）` : '',
      merchantId ? `商户编号：${merchantId}${requests.length ? `，名下申请 ${requests.length} 个` : ''}` : '',
      verified.length
        ? `身份：已验证为商户 ${verified.map((b) => b.merchantId).join('、')}`
        : `身份：未验证${merchantId ? '（只是输入了商户编号）' : ''}`,
      `渠道：${activity.channelId}，语言：${locale}`,
    ]
      .filter(Boolean)
      .join('\n');
    for (const line of transcript) attachments.push(...line.attachments.filter((a) => !attachments.some((b) => b.file === a.file)));
    return {
      reason,
      summary,
      summaryBy: 'template',
      flow,
      attachments,
      botTried: (conversation.tried ?? []).slice(-5).map(({ question, answered, sources }) => ({ question, answered, sources })),
      channel: {
        id: activity.channelId,
        userId: activity.from?.id ?? null,
        conversationId: activity.conversation.id,
        verified: verified.map((b) => ({ merchantId: b.merchantId, method: b.method, at: b.verifiedAt.toISOString() })),
      },
      requests: requests.map((r) => ({ id: r.id, ticket: r.ticket, kind: r.kind, status: r.status, createdAt: r.createdAt.toISOString() })),
      transcript,
    };
  }

  private async transcript(channelId: string, conversationId: string): Promise<HandoffPackage['transcript']> {
    const lines: HandoffPackage['transcript'] = [];
    let token: string | undefined;
    do {
      const page = await this.options.transcripts.getTranscriptActivities(channelId, conversationId, token);
      for (const a of page.items) {
        if (a.type !== 'message') continue;
        const files = (a.attachments ?? [])
          .map((att) => {
            const file = (att.contentUrl ?? '').split(/[/\\]/).pop() ?? '';
            return /^[0-9a-f]{64}\.\w+$/.test(file) ? fileView(file, att.contentType, att.name ?? file) : undefined;
          })
          .filter((f): f is FileView => f !== undefined);
        const from = a.from?.role === 'user' ? 'merchant' : a.from?.id?.startsWith('agent:') || (a.channelData as { handoff?: unknown } | undefined)?.handoff ? 'agent' : 'bot';
        lines.push({ from, text: a.text ?? '', at: new Date(a.timestamp ?? Date.now()).toISOString(), attachments: files });
      }
      token = page.continuationToken || undefined;
    } while (token);
    return lines.slice(-100);
  }
}

export function fileView(file: string, contentType: string, name: string): FileView {
  return { file, contentType, name, url: `/agent/api/files/${file}` };
}
