/**
 * The bot's side of the flows: starting one (from a request, an accepted offer or a button), feeding it
 * each message and file, acting on the engine's outcomes (file the request, show a status, add a
 * supplement, answer a digression), and keeping the merchant's work when something fails.
 *
 * The engine (src/flows/engine.ts) is pure; everything that touches the database or the channel is here.
 * The flow state lives in conversation state, so a restart mid-flow continues where it stood.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ActivityTypes, TurnContext, type Activity } from 'botbuilder';
import { t, type Locale } from '../i18n/messages.js';
import { isBareAnswer, type FileRef, type FlowEngine, type FlowInput, type FlowState, type Say, type SlotValue, type Step } from '../flows/engine.js';
import type { Flow } from '../flows/flow-schema.js';
import {
  dedupeKeyFor,
  identifiesRequest,
  duplicateRequestText,
  normalizeTicket,
  requestCreatedText,
  supplementReceivedText,
  type RequestAttachment,
  type RequestIdentity,
  type RequestRecord,
  type RequestStore,
} from '../requests/index.js';
import { SLOT_TYPES } from '../flows/slot-types/index.js';
import { requestListText, requestStatusText, supplementNotExpectedText, ticketNotFoundText, waitingTicketText } from '../requests/messages.js';
import { isAppError } from '../core/errors.js';
import type { SlotExtractor } from '../flows/slot-extraction.js';
import { isSlipPhoto, readsSlips, type SlipPhotos } from './slip-photos.js';
import { lastSegment, STORED_FILE } from '../channels/attachments.js';
import type { Identity, IdentityStore } from '../identity/identity-store.js';

/** A file this deployment stored (`<sha256>.<ext>` under the files folder). */
export const TICKET_IN_TEXT = /\b([A-Za-z]{2,8})-?(\d{8})-?(\d{4,})\b/;

export interface FilesFromActivity {
  files: FileRef[];
  /** Attachments that are not files stored by a channel of ours (e.g. a card or a link): not usable. */
  unusable: number;
}

/** The activity's files as the engine takes them: stored by the channel, typed by their bytes. */
export function filesFromActivity(activity: Partial<Activity>, filesDir: string): FilesFromActivity {
  const files: FileRef[] = [];
  let unusable = 0;
  for (const a of activity.attachments ?? []) {
    const file = lastSegment(a.contentUrl);
    if (!STORED_FILE.test(file)) {
      unusable++;
      continue;
    }
    let size = 0;
    try {
      size = statSync(join(filesDir, file)).size;
    } catch {
      unusable++;
      continue;
    }
    files.push({ file, contentType: a.contentType ?? 'application/octet-stream', size, name: a.name ?? file });
  }
  return { files, unusable };
}

export interface FlowTurnsOptions {
  engine: FlowEngine;
  requests: RequestStore;
  /** Who may see and supplement a merchant's requests (src/identity). */
  identities: IdentityStore;
  /** Whether a code can be texted to the merchant's phone on file ("短信验证"): the hint then says so. */
  phoneCheck?: boolean;
  filesDir: string;
  now?: () => Date;
  /**
   * Reads slot values from free-form messages with a language model; the engine merges them
   * after its rules, under the slot types' checks. Without it (offline) the rules alone read messages.
   */
  extractor?: SlotExtractor;
  /**
   * Reads slip photos: a photo in a flow whose file slot reads slips fills the values it shows
   * (src/bot/slip-photos.ts). Without it photos are only kept as files.
   */
  slips?: SlipPhotos;
}

export interface FlowReply {
  say: Say[];
  /** The new flow state (undefined: no flow). */
  state: FlowState | undefined;
  /** A rule stopped the flow: where it stood, to take it up again (`resume`). */
  stopped?: { state: FlowState; rule: string };
  /** A knowledge question asked mid-flow: answer it, then say `reprompt`. */
  digression?: { question: string; reprompt: Say[] };
  /** The engine offered a human agent (retry limit or a business rule); the handoff issue wires it. */
  handoff?: { reason: string; detail: string };
  /** The merchant ID the flow collected (later flows of the conversation start with it). */
  merchantId?: string;
  /** Why an action failed (logged by the bot; the merchant's values are kept). */
  error?: unknown;
  /**
   * The one request the status just shown is waiting for materials on: files the merchant sends next are
   * for it ("前天那个退货啥情况了" → 待补充材料 → the photo taken again).
   */
  waiting?: { ticket: string; merchantId: string };
}

export class FlowTurns {
  private readonly now: () => Date;

  constructor(private readonly options: FlowTurnsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  has(id: string): boolean {
    return this.options.engine.has(id);
  }

  /** The merchants' time zone (the engine's, from `TIME_ZONE`). */
  get timeZone(): string {
    return this.options.engine.timeZone;
  }

  flow(id: string): Flow {
    return this.options.engine.flow(id);
  }

  async start(context: TurnContext, flowId: string, input: FlowInput, locale: Locale, prefill: Record<string, SlotValue> = {}): Promise<FlowReply> {
    const now = this.now();
    const flow = this.flow(flowId);
    const known = Object.fromEntries(Object.entries(prefill).filter(([name]) => flow.slots.some((s) => s.name === name)));
    const before = rebuild(flowId, known);
    const photos = await this.withSlipValues(context, flow, input, locale);
    const read = await this.withModelValues(context, flow, before, photos.input, locale, now);
    const step = this.options.engine.start(flowId, read, now, locale, prefill);
    // A note about the photo's card number follows the flow's opening message.
    return withNotes(await this.after(context, undefined, step, locale), photos.notes, 1);
  }

  /**
   * A request a rule stopped, taken up again when the message changes the answer it stopped on; undefined
   * when it does not (the message is then read as any other).
   */
  async resume(context: TurnContext, stopped: { state: FlowState; rule: string }, input: FlowInput, locale: Locale): Promise<FlowReply | undefined> {
    const step = this.options.engine.resumeStopped(stopped.state, stopped.rule, input, this.now(), locale);
    return step ? this.after(context, stopped.state, step, locale) : undefined;
  }

  async continue(context: TurnContext, state: FlowState, input: FlowInput, locale: Locale): Promise<FlowReply> {
    const ahead = this.ticketAhead(state, input, locale);
    if (ahead) return ahead;
    const now = this.now();
    // Photos are read at every step, "cancel?" included: a merchant who answers it with the slip goes on with it.
    const photos = await this.withSlipValues(context, this.flow(state.flowId), input, locale);
    const read = state.stage === 'confirm-cancel' ? photos.input : await this.withModelValues(context, this.flow(state.flowId), state, photos.input, locale, now);
    const step = this.options.engine.handle(state, read, now, locale);
    return withNotes(await this.after(context, state, step, locale), photos.notes, 0);
  }

  /**
   * The input with what its slip photos show (`FlowInput.slip`), when the flow reads slips: the photos are
   * read (the merchant sees the bot typing meanwhile; 1–2.5 s each), one that showed a full card number is
   * swapped for its blacked-out copy (and the merchant told), and the values go to the engine, which fills
   * only empty slots with them. A reader that fails leaves the photo kept with nothing read: the engine then
   * asks for the value plainly. `notes`: what to tell the merchant about the photos themselves.
   */
  private async withSlipValues(context: TurnContext, flow: Flow, input: FlowInput, locale: Locale): Promise<{ input: FlowInput; notes: Say[] }> {
    const slips = this.options.slips;
    if (!slips || !input.files?.some(isSlipPhoto)) return { input, notes: [] };
    await context.sendActivity({ type: ActivityTypes.Typing });
    // Photos of a flow whose files are no slips (supplements, documents) are read for a card number only.
    const reads = readsSlips(flow);
    const read = await slips.read(reads ? flow : undefined, input.files);
    // No photo left (each refused): the message goes on as if it had none.
    const slip = reads && read.files.some(isSlipPhoto) ? { slip: { values: read.values, slots: read.slots, ...(read.each.length ? { each: read.each } : {}) } } : {};
    return { input: { ...input, files: read.files, ...slip }, notes: cardNotes(read, locale) };
  }

  /**
   * Files kept outside a flow (the bot asks what they are for): their photos are read now for a full card
   * number, blacked out in the copy kept (the original deleted). What they show is read again when a flow
   * takes them. `notes`: what to tell the merchant about the card number, if anything.
   */
  async coverCardNumbers(context: TurnContext, files: FileRef[], locale: Locale): Promise<{ files: FileRef[]; notes: Say[] }> {
    const slips = this.options.slips;
    if (!slips || !files.some(isSlipPhoto)) return { files, notes: [] };
    await context.sendActivity({ type: ActivityTypes.Typing });
    const read = await slips.read(undefined, files);
    return { files: read.files, notes: cardNotes(read, locale) };
  }

  /**
   * The input with the values a language model read from its text, when an extractor is configured and
   * the text is more than a bare answer the rules take on their own ("确认", "1", "取消", "1280元").
   */
  private async withModelValues(context: TurnContext, flow: Flow, state: FlowState, input: FlowInput, locale: Locale, now: Date): Promise<FlowInput> {
    const extractor = this.options.extractor;
    if (!extractor || isBareAnswer(input.text)) return input;
    // The model takes a moment: the merchant sees the bot typing meanwhile.
    await context.sendActivity({ type: ActivityTypes.Typing });
    const modelValues = await extractor.extract(flow, state, input.text, locale, now);
    return Object.keys(modelValues).length ? { ...input, modelValues } : input;
  }

  /**
   * A ticket number sent before its question ("CX-20261125-0007" at the merchant-ID prompt of the status
   * query) is the ticket, not a wrong merchant ID: noted, and the pending question asked again.
   */
  private ticketAhead(state: FlowState, input: FlowInput, locale: Locale): FlowReply | undefined {
    if (input.files?.length || state.stage !== 'collecting' || state.pending === 'ticket' || state.values.ticket) return undefined;
    if (!this.flow(state.flowId).slots.some((s) => s.name === 'ticket')) return undefined;
    const m = TICKET_IN_TEXT.exec(input.text);
    if (!m || /[0-9a-z\u4e00-\u9fff]/i.test(input.text.replace(m[0], '').replace(/工单号?|单号|ticket(\s*(no\.?|number))?|是|is/gi, ''))) return undefined;
    const ticket = `${m[1]!.toUpperCase()}-${m[2]}-${m[3]}`;
    const next = structuredClone(state);
    next.values.ticket = { value: ticket, display: ticket };
    const [prompt, ...rest] = this.reprompt(next, locale);
    const noted = t(locale, 'ticketNoted', { ticket });
    return { state: next, say: prompt ? [{ ...prompt, text: `${noted}${prompt.text}` }, ...rest] : [{ text: noted }] };
  }

  /**
   * Whether the message answers the flow's question for a phone number with one: "call me on 177…" after
   * "a mobile number we can call about the decision?" gives the request's number, it asks for no callback.
   */
  givesAskedPhone(state: FlowState, text: string): boolean {
    const slot = state.stage === 'collecting' && state.pending ? this.flow(state.flowId).slots.find((s) => s.name === state.pending) : undefined;
    if (slot?.type !== 'phone') return false;
    return (SLOT_TYPES.phone?.extract(text, { now: this.now(), timeZone: this.timeZone, locale: 'zh-CN' }).length ?? 0) > 0;
  }

  reprompt(state: FlowState, locale: Locale): Say[] {
    return this.options.engine.reprompt(state, this.now(), locale);
  }

  /** "再试一次" after the retry limit: the slot gets its attempts back. */
  retry(state: FlowState, locale: Locale): FlowReply {
    const next = structuredClone(state);
    if (next.pending) next.attempts[next.pending] = 0;
    return { state: next, say: this.reprompt(next, locale) };
  }

  private async after(context: TurnContext, before: FlowState | undefined, step: Step, locale: Locale): Promise<FlowReply> {
    const merchant = step.state ? await this.ownMerchant(context, step.state) : undefined;
    if (merchant) {
      // Answered as if the merchant had typed it: the flow goes on (the status shown, the supplement's ticket asked).
      const next = this.options.engine.handle(step.state!, { text: merchant }, this.now(), locale);
      if (next.outcome || next.state?.values.merchant_id?.value === merchant) {
        const noted = { text: t(locale, 'merchantFromFilings', { merchant }) };
        return this.after(context, before, { ...next, say: [...step.say.slice(0, -1), noted, ...next.say] }, locale);
      }
    }
    let state = step.state;
    let say = step.say;
    // A flow that ends on the message giving the merchant ID (the status check) has it only in what it submits.
    const submitted = step.outcome?.type === 'submit' ? step.outcome.values.merchant_id?.value : undefined;
    const merchantId = merchantIdOf(state ?? before) ?? (typeof submitted === 'string' ? submitted : undefined);
    if (state) {
      const checked = await this.checkTicket(context, state, say, locale);
      state = checked.state;
      say = checked.say;
      const duplicate = await this.findDuplicate(context, state);
      if (duplicate) {
        // Known as soon as the transaction is: the merchant does not fill in the rest for nothing.
        return { state: undefined, say: [...say.slice(0, -1), { text: duplicateRequestText(locale, duplicate) }], ...(merchantId ? { merchantId } : {}) };
      }
    }
    const outcome = step.outcome;
    const reply: FlowReply = { state, say, ...(merchantId ? { merchantId } : {}) };
    if (!outcome) return reply;
    switch (outcome.type) {
      case 'digression':
        return { ...reply, digression: { question: outcome.question, reprompt: this.reprompt(state!, locale) } };
      case 'handoff':
        return { ...reply, handoff: { reason: outcome.reason, detail: outcome.detail } };
      case 'cancelled':
        return reply;
      case 'stopped':
        return step.stoppedAt ? { ...reply, stopped: { state: step.stoppedAt, rule: outcome.rule } } : reply;
      case 'submit': {
        const flow = outcome.flow;
        try {
          const said = await this.act(context, flow, outcome.values, locale);
          if (said.keep) return { ...reply, state: said.keep, say: [...say, ...said.say] };
          return { ...reply, say: [...say, ...said.say], ...(said.waiting ? { waiting: said.waiting } : {}) };
        } catch (err) {
          // Nothing the merchant gave is lost: the flow stays at its confirmation, ready to try again.
          const keep: FlowState = before ? { ...structuredClone(before), stage: 'confirming' } : rebuild(flow.id, outcome.values);
          delete keep.pending;
          const code = isAppError(err) ? err.code : 'INTERNAL';
          return { ...reply, state: keep, say: [...say, { text: t(locale, 'submitFailed'), suggestedActions: [t(locale, 'actionRetrySubmit'), t(locale, 'actionHuman')] }], handoff: { reason: 'submission_failed', detail: `${flow.id}: ${code}` }, error: err };
        }
      }
    }
  }

  /**
   * The supplement flow checks the ticket as soon as it has one (with the merchant ID), so the merchant
   * does not send photos for a ticket that is not theirs or does not wait for materials.
   */
  private async checkTicket(context: TurnContext, state: FlowState, say: Say[], locale: Locale): Promise<{ state: FlowState; say: Say[] }> {
    if (state.flowId !== this.supplementFlowId() || state.stage !== 'collecting') return { state, say };
    const ticket = state.values.ticket?.value;
    const merchant = state.values.merchant_id?.value;
    if (typeof ticket !== 'string' && typeof merchant === 'string' && state.pending === 'ticket') return this.onlyWaitingTicket(context, state, merchant, say, locale);
    if (typeof ticket !== 'string' || typeof merchant !== 'string') return { state, say };
    const found = await this.visible(context, await this.options.requests.getForMerchant(normalizeTicket(ticket), merchant));
    if (found?.status === 'needs_more_info') {
      state.values.ticket = { value: found.ticket, display: found.ticket };
      return { state, say };
    }
    const next = structuredClone(state);
    delete next.values.ticket;
    next.pending = 'ticket';
    // The engine's last words were the next prompt; the ticket's prompt replaces it.
    const kept = say.slice(0, -1);
    const problem = found ? supplementNotExpectedText(locale, found) : await this.notFound(context, locale, ticket, merchant);
    return { state: next, say: [...kept, { text: problem }, ...this.reprompt(next, locale)] };
  }

  /**
   * The merchant has exactly one request waiting for materials that this identity may see: it is the one,
   * so its ticket is not asked for ("你们让我补的小票照片我现在发"). With none or several, the ticket is asked.
   */
  private async onlyWaitingTicket(context: TurnContext, state: FlowState, merchant: string, say: Say[], locale: Locale): Promise<{ state: FlowState; say: Say[] }> {
    const all: RequestRecord[] = await this.options.requests.listByMerchant(merchant, { limit: 200 });
    const waiting: RequestRecord[] = [];
    for (const r of all) if (r.status === 'needs_more_info' && (await this.visible(context, r))) waiting.push(r);
    const one = waiting.length === 1 ? waiting[0] : this.namedKind(context, waiting);
    if (!one) return { state, say };
    // Answered as if the merchant had typed it: the flow goes on to its next question.
    const step = this.options.engine.handle(state, { text: one.ticket }, this.now(), locale);
    if (!step.state || step.state.values.ticket?.value !== one.ticket) return { state, say };
    // What the review asked for is said with it ("要补啥啊 说清楚点": the note answers it).
    const [noted] = await this.withNotes([one]);
    return { state: step.state, say: [...say.slice(0, -1), { text: waitingTicketText(locale, one.ticket, noted?.note) }, ...step.say] };
  }

  /**
   * Of several requests waiting for materials, the only one of the kind the message names ("停结算那个申请要补
   * 营业执照"): a kind is named by a word its flow is asked for with (the flow file's `statement.act`).
   */
  private namedKind(context: TurnContext, waiting: RequestRecord[]): RequestRecord | undefined {
    const text = (context.activity.text ?? '').toLowerCase();
    const engine = this.options.engine;
    const named = waiting.filter((r) => engine.has(r.kind) && (engine.flow(r.kind).statement?.act ?? []).some((w) => text.includes(w.toLowerCase())));
    return named.length === 1 ? named[0] : undefined;
  }

  /**
   * A merchant's recent requests as this identity may see them: all when bound to it, else only its own
   * filings. With `detailOfOne`, a single one is shown in full — its history and what the review asked
   * for ("你们发的消息说要补什么"), not a line of a list.
   */
  async recentRequests(context: TurnContext, merchantId: string, locale: Locale, opts: { detailOfOne?: boolean } = {}): Promise<string> {
    return this.recentText(await this.visibleRecent(context, merchantId), locale, opts);
  }

  /** The text of `recentRequests` for requests already looked up. */
  private async recentText({ bound, list }: { bound: boolean; list: RequestRecord[] }, locale: Locale, opts: { detailOfOne?: boolean }): Promise<string> {
    const only = opts.detailOfOne && list.length === 1 ? list[0]! : undefined;
    const text = only ? requestStatusText(locale, only, await this.options.requests.history(only.id), this.timeZone) : requestListText(locale, await this.withNotes(list), this.timeZone);
    return bound ? text : `${text}\n${this.verifyHint(locale, list.length > 0 ? 'verifyHintOwn' : 'verifyHint')}`;
  }

  /** The merchant's five latest requests this identity may see: all when bound to it, else its own filings. */
  /** The one request this identity may see whose ticket is a keystroke from `ticket`. */
  private async nearTicket(context: TurnContext, ticket: string, merchantId: string): Promise<RequestRecord | undefined> {
    const near = (await this.visibleRecent(context, merchantId)).list.filter((r) => oneKeystrokeApart(r.ticket, ticket));
    return near.length === 1 ? near[0] : undefined;
  }

  private async visibleRecent(context: TurnContext, merchantId: string): Promise<{ bound: boolean; list: RequestRecord[] }> {
    const me = this.identity(context);
    const bound = !!(await this.options.identities.binding(me, merchantId));
    const all: RequestRecord[] = await this.options.requests.listByMerchant(merchantId, { limit: bound ? 5 : 200 });
    return { bound, list: bound ? all : all.filter((r) => r.channelId === me.channelId && r.userId === me.userId).slice(0, 5) };
  }

  /** Requests waiting for materials or rejected, with what the review said ("请补充签购单照片"). */
  private async withNotes(list: RequestRecord[]): Promise<(RequestRecord & { note?: string | null })[]> {
    return Promise.all(
      list.map(async (r) => {
        if (r.status !== 'needs_more_info' && r.status !== 'rejected') return r;
        const last = (await this.options.requests.history(r.id)).filter((e) => e.to === r.status).at(-1);
        return { ...r, note: last?.reason ?? null };
      }),
    );
  }

  /**
   * "我上次提的申请批了没" while another request is being filled (`statusFlow`: what the intents read it as):
   * the merchant's recent requests, then the question that was pending — the flow goes on, nothing lost.
   * Only when the merchant is known and the flow is collecting; otherwise undefined.
   */
  async statusInPassing(context: TurnContext, state: FlowState, statusFlow: string | undefined, merchantId: string | undefined, locale: Locale): Promise<FlowReply | undefined> {
    if (!statusFlow || !merchantId || state.stage !== 'collecting' || !this.has(statusFlow)) return undefined;
    if (this.flow(statusFlow).action.type !== 'show-status' || this.flow(state.flowId).action.type === 'show-status') return undefined;
    const list = await this.recentRequests(context, merchantId, locale);
    return { state, say: [{ text: list }, { text: t(locale, 'flowGoesOn') }, ...this.reprompt(state, locale)] };
  }

  /**
   * The merchant a status check or supplement is about, when the merchant ID is asked and this identity's
   * own record says it: the merchant of the ticket given (if this identity may see it), else the one
   * merchant this identity filed requests for or is bound to. Nobody is asked for what the chat already
   * proves ("我那个退款批了没" from the chat that filed it); with two merchants or none, the ID is asked.
   */
  private async ownMerchant(context: TurnContext, state: FlowState): Promise<string | undefined> {
    if (state.stage !== 'collecting' || state.pending !== 'merchant_id' || state.values.merchant_id) return undefined;
    const action = this.flow(state.flowId).action.type;
    if (action !== 'show-status' && action !== 'add-supplement') return undefined;
    const ticket = state.values.ticket?.value;
    if (typeof ticket === 'string') return (await this.visible(context, await this.options.requests.getByTicket(ticket)))?.merchantId;
    const me = this.identity(context);
    const merchants = new Set((await this.options.requests.listFiledBy(me, 50)).map((r) => r.merchantId));
    for (const b of await this.options.identities.bindings(me)) merchants.add(b.merchantId);
    return merchants.size === 1 ? [...merchants][0] : undefined;
  }

  /** Whether this chat filed a request in the last `days` days (its "退了吗" is about that request). */
  async filedHere(context: TurnContext, days = 90): Promise<boolean> {
    const [latest] = await this.options.requests.listFiledBy(this.identity(context), 1);
    return !!latest && this.now().getTime() - latest.createdAt.getTime() <= days * 24 * 3600_000;
  }

  /** The flow that adds materials to a filed request (its action is `add-supplement`), if one is loaded. */
  supplementFlowId(): string | undefined {
    return this.options.engine.flowIdFor('add-supplement');
  }

  /** The supplement flow, when this chat filed a request the review asked more of (`needs_more_info`). */
  async supplementAsked(context: TurnContext): Promise<string | undefined> {
    const id = this.supplementFlowId();
    if (!id) return undefined;
    const filed = await this.options.requests.listFiledBy(this.identity(context), 20);
    return filed.some((r) => r.status === 'needs_more_info') ? id : undefined;
  }

  /** How to verify, told with a "not found" that may be one only for want of it. */
  private verifyHint(locale: Locale, key: 'verifyHint' | 'verifyHintOwn' = 'verifyHint'): string {
    if (!this.options.phoneCheck) return t(locale, key);
    return `${t(locale, key)}${locale === 'en' ? ' ' : ''}${t(locale, 'verifyHintPhone')}`;
  }

  /** The identity speaking: this channel's user. */
  private identity(context: TurnContext): Identity {
    return { channelId: context.activity.channelId, userId: context.activity.from?.id ?? '' };
  }

  /**
   * The request if this identity may see it — bound to its merchant, or the one who filed it — and
   * undefined otherwise: a stranger holding a merchant ID gets the answer for a ticket that does not exist.
   */
  private async visible(context: TurnContext, request: RequestRecord | undefined): Promise<RequestRecord | undefined> {
    if (!request) return undefined;
    const me = this.identity(context);
    if (request.channelId === me.channelId && request.userId === me.userId) return request;
    return (await this.options.identities.binding(me, request.merchantId)) ? request : undefined;
  }

  /** "Not found", and for an identity not bound to the merchant, how to prove it is the merchant. */
  private async notFound(context: TurnContext, locale: Locale, ticket: string, merchantId: string): Promise<string> {
    const bound = await this.options.identities.binding(this.identity(context), merchantId);
    return bound ? ticketNotFoundText(locale, ticket) : `${ticketNotFoundText(locale, ticket)}\n${this.verifyHint(locale)}`;
  }

  /**
   * The dedupe key of a request this identity files: verified filings share the transaction's key, so one
   * open request per transaction; an unverified identity's key is its own, so a stranger's filing in a
   * merchant's name never blocks (nor reveals) the merchant's own.
   */
  private async filingKey(context: TurnContext, key: string | null, merchantId: string): Promise<{ key: string | null; identity: RequestIdentity }> {
    const me = this.identity(context);
    const binding = await this.options.identities.binding(me, merchantId);
    const identity: RequestIdentity = { verified: !!binding, method: binding?.method ?? null, channel: me.channelId, userId: me.userId || null };
    if (key === null || binding) return { key, identity };
    return { key: `${key}|unverified:${me.channelId}:${me.userId}`, identity };
  }

  /** An open request for the same transaction (or the same suspension), once the flow knows which. */
  private async findDuplicate(context: TurnContext, state: FlowState): Promise<RequestRecord | undefined> {
    const flow = this.flow(state.flowId);
    if (flow.action.type !== 'create-request' || state.stage !== 'collecting') return undefined;
    const merchant = state.values.merchant_id?.value;
    if (typeof merchant !== 'string') return undefined;
    const plain = Object.fromEntries(Object.entries(state.values).map(([k, v]) => [k, v.value]));
    if (!identifiesRequest(flow.action.kind!, plain)) return undefined;
    const { key } = await this.filingKey(context, dedupeKeyFor(flow.action.kind!, merchant, plain), merchant);
    if (!key) return undefined;
    const open = await this.options.requests.listByMerchant(merchant, { openOnly: true, limit: 200 });
    return open.find((r) => r.dedupeKey === key);
  }

  /** The flow's action on confirmation. `keep`: the flow goes on (e.g. a ticket to correct). */
  private async act(context: TurnContext, flow: Flow, values: Record<string, SlotValue>, locale: Locale): Promise<{ say: Say[]; keep?: FlowState; waiting?: { ticket: string; merchantId: string } }> {
    const requests = this.options.requests;
    const merchantId = String(values.merchant_id?.value ?? '');
    const fileSlots = new Set(flow.slots.filter((s) => s.type === 'attachments').map((s) => s.name));
    const files: RequestAttachment[] = [];
    const slots: Record<string, unknown> = {};
    const display: Record<string, string> = {};
    for (const [name, v] of Object.entries(values)) {
      if (fileSlots.has(name)) files.push(...((v.value as FileRef[]) ?? []));
      else {
        slots[name] = v.value;
        display[name] = v.display;
      }
    }

    switch (flow.action.type) {
      case 'create-request': {
        const kind = flow.action.kind!;
        const filing = await this.filingKey(context, dedupeKeyFor(kind, merchantId, slots), merchantId);
        const result = await requests.create({
          kind,
          merchantId,
          dedupeKey: filing.key,
          identity: filing.identity,
          slots: { ...slots, display },
          attachments: files,
          channelId: context.activity.channelId,
          conversationRef: TurnContext.getConversationReference(context.activity),
          userId: context.activity.from?.id,
          locale,
        });
        if (result.duplicate) return { say: [{ text: duplicateRequestText(locale, result.existing) }] };
        return { say: [{ text: requestCreatedText(locale, result.request) }] };
      }
      case 'show-status': {
        const ticket = typeof slots.ticket === 'string' ? slots.ticket : undefined;
        if (ticket) {
          // A ticket typed with one digit too many, too few or wrong ("CX-20261205-00027"): the one of the
          // merchant's own requests it is one keystroke from, when only one is.
          const found = (await this.visible(context, await requests.getForMerchant(normalizeTicket(ticket), merchantId))) ?? (await this.nearTicket(context, normalizeTicket(ticket), merchantId));
          if (!found) return { say: [{ text: await this.notFound(context, locale, ticket, merchantId) }] };
          const waiting = found.status === 'needs_more_info' ? { ticket: found.ticket, merchantId } : undefined;
          return { say: [{ text: requestStatusText(locale, found, await requests.history(found.id), this.timeZone) }], ...(waiting ? { waiting } : {}) };
        }
        const visible = await this.visibleRecent(context, merchantId);
        const waitingOnes = visible.list.filter((r) => r.status === 'needs_more_info');
        const waiting = waitingOnes.length === 1 ? { ticket: waitingOnes[0]!.ticket, merchantId } : undefined;
        return { say: [{ text: await this.recentText(visible, locale, { detailOfOne: true }) }], ...(waiting ? { waiting } : {}) };
      }
      case 'add-supplement': {
        const ticket = String(slots.ticket ?? '');
        const found = await this.visible(context, await requests.getForMerchant(normalizeTicket(ticket), merchantId));
        if (!found || found.status !== 'needs_more_info') {
          const keep = rebuild(flow.id, values);
          delete keep.values.ticket;
          keep.pending = 'ticket';
          const problem = found ? supplementNotExpectedText(locale, found) : await this.notFound(context, locale, ticket, merchantId);
          return { say: [{ text: problem }, ...this.reprompt(keep, locale)], keep };
        }
        const note = typeof slots.note === 'string' ? slots.note : null;
        await requests.addSupplement(found.id, { files, note, actor: 'merchant' });
        return { say: [{ text: supplementReceivedText(locale, found) }] };
      }
    }
  }
}

/** What the merchant is told about a full card number on their photos (covered, or the photo refused). */
function cardNotes(read: { covered: number; refused: number }, locale: Locale): Say[] {
  const notes: Say[] = [];
  if (read.covered) notes.push({ text: t(locale, 'slipCardCovered') });
  if (read.refused) notes.push({ text: t(locale, 'slipCardRefused') });
  return notes;
}

/** The reply with `notes` said at position `at` (after the flow's opening message: 1). */
function withNotes(reply: FlowReply, notes: Say[], at: number): FlowReply {
  if (!notes.length) return reply;
  const i = Math.min(at, reply.say.length);
  return { ...reply, say: [...reply.say.slice(0, i), ...notes, ...reply.say.slice(i)] };
}

function merchantIdOf(state: FlowState | undefined): string | undefined {
  const v = state?.values.merchant_id?.value;
  return typeof v === 'string' ? v : undefined;
}

function rebuild(flowId: string, values: Record<string, SlotValue>): FlowState {
  return { flowId, values: structuredClone(values), skipped: [], attempts: {}, stage: 'collecting', required: [], announced: [] };
}

/** Whether two strings differ by one character added, dropped or changed. */
function oneKeystrokeApart(a: string, b: string): boolean {
  if (a === b || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: string, from: number) => x.slice(from);
  return rest(a, i + 1) === rest(b, i + 1) || rest(a, i) === rest(b, i + 1) || rest(a, i + 1) === rest(b, i);
}
