/**
 * The conversation evaluation: plays each fixture conversation through the real runtime, in process
 * (real flows, real SQLite in a temporary folder, the real knowledge index, offline, no model), on the
 * terminal channel, and judges the outcome it must reach from what really happened: the requests in the
 * request store, the handoffs, the supplements, the bot's replies and its conversation state.
 *
 * One runtime serves a whole run (the index is built once). Conversations are played one after another;
 * before each, the requests and handoffs of the previous one are removed, so every conversation starts
 * with only its own `setup.requests` (two conversations may use the same merchant and transaction without
 * one finding the other's open request). Each has its own channel user and conversation.
 *
 * How a conversation is played:
 * - `setup.requests` are filed through the real `RequestStore`, `daysAgo` days ago (ticket of that day),
 *   by this conversation's channel identity, and moved along the status machine to their status by the
 *   back office (`needs_info` is the store's `needs_more_info`; its `note` is the reason). Their notices
 *   count as told earlier: the conversation does not receive them (a merchant coming back later writes to
 *   the bot from scratch). `{{ticket:A}}` in turns and expectations becomes request A's ticket.
 * - The conversation opens as channels open it (the bot greets), then each turn is one message: text,
 *   slip photos (rendered, see slip-photos.ts) and files stored and attached the way the terminal channel
 *   attaches them (type by their bytes); a file the channel refuses is not sent (the terminal's in-band
 *   refusal is recorded as the channel's reply), as `pos-assist chat` does.
 * - Handoffs run with business hours "always" and no agent online: asking for a person makes the bot
 *   take a message and a callback number (a ticket agents see), as it does whenever nobody can come.
 *
 * How the outcome is judged (only the bot's replies to the merchant's turns count, not the greeting):
 * - `filed`: exactly one request filed in the conversation, of the flow's kind, holding `values` as the
 *   slot types store them — an amount in yuan is compared in fen, a date given as days relative to today
 *   (Asia/Shanghai) as `YYYY-MM-DD`, a phone by its digits, free text by containing the expected words,
 *   a file slot (`slip_photos: 1`) as at least that many files on the request; codes and choices as strings.
 * - `not-filed`: nothing filed, and no flow left open at the end (a pending "cancel? yes/no" counts as
 *   understood). A pass in which no flow ever ran is noted: there was nothing to cancel.
 * - `status-shown`: one bot message names each ticket together with its status (the expected one, else
 *   the request's own, in either language); nothing filed.
 * - `supplemented`: files were added to the setup request (the one in `tickets`, if given); nothing filed.
 * - `handoff`: a handoff was recorded, or the bot is taking a message for an agent; with `handoff.phone`,
 *   that number is the recorded callback number (or in the package, transcript aside), and the bot did
 *   not ask for a number after it was given.
 * - `answered`: a reply cites the guide (`来源：《…》` / `Source: 《…》`); nothing filed.
 * - `contains`: some reply holds each string. `maxBotQuestions`: the bot's messages that ask something
 *   (a slot's prompt, asked again included, or a message ending in a question mark or colon) are at most
 *   that many. In every conversation, a turn answered with the internal-error reply is a failure.
 */
import { TurnContext, type Activity } from 'botbuilder';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { storeFile } from '../../src/channels/attachments.js';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import type { Runtime } from '../../src/app/runtime.js';
import { isAppError } from '../../src/app/errors.js';
import { t, type Locale } from '../../src/i18n/messages.js';
import { flowText } from '../../src/flows/flow-messages.js';
import type { Flow } from '../../src/flows/flow-schema.js';
import { RequestStore, statusLabel, type RequestRecord, type RequestStatus } from '../../src/requests/index.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';
import { fixtureDate } from './dates.js';
import { FILES_DIR, type ConversationSpec, type FixtureFile, type InvalidConversation } from './fixtures.js';
import { slipPhoto, type SlipPhoto } from './slip-photos.js';
import { diskOcrCache } from '../helpers/ocr-cache.js';

// ── Results ─────────────────────────────────────────────────────────────────────────────────────────

export interface Failure {
  /** What went wrong, short and shared by like failures (the report counts them): "wrong value: amount". */
  kind: string;
  /** The particulars: which value, expected and found, what happened instead. */
  detail: string;
}

/** Where a flow stood after a turn. */
export interface FlowSnapshot {
  flowId: string;
  stage: string;
  /** The slot the bot asked for last. */
  pending?: string;
  /** Filled slots, name → what the bot would show. */
  values: Record<string, string>;
}

export interface TurnTrace {
  /** What the merchant sent, as one line (`[photo s1]`, `[file licence.pdf]` for files). */
  sent: string;
  /** The bot's messages in answer (a refused file: the channel's refusal, prefixed `[channel]`). */
  replies: string[];
  /** The flow in progress after the turn, if any. */
  flow?: FlowSnapshot;
  /** The bot is taking a message for an agent (`message`: what it is about; `phone`: the callback number). */
  takingMessage?: string;
}

export interface ConversationResult {
  id: string;
  category: string;
  lang: string;
  expected: string;
  passed: boolean;
  failures: Failure[];
  /** What happened instead, in a few words (filed requests, handoffs, the flow left open…). */
  happened: string;
  /**
   * Why a pass may be hollow: a not-filed conversation in which no flow ever ran had nothing to cancel
   * (the request was never understood), or one that ended with the bot taking a message for an agent.
   */
  notes: string[];
  /** The last three bot messages. */
  lastReplies: string[];
  trace: TurnTrace[];
  /** Slip photos: rendered by the generator, or a fixed stand-in picture. */
  photos?: SlipPhoto['source'];
  ms: number;
}

export interface SplitResult {
  name: string;
  file: string;
  results: ConversationResult[];
  invalid: InvalidConversation[];
  ms: number;
}

// ── The runtime ─────────────────────────────────────────────────────────────────────────────────────

export interface EvalRuntime {
  env: TestRuntime;
  runtime: Runtime;
  close(): Promise<void>;
}

/** One real runtime for a run: temporary data folder, index built once, offline, handoffs as above. */
export async function openEvalRuntime(): Promise<EvalRuntime> {
  // The photos are the same every run, and so is what the OCR sees in them: read once, then kept.
  const env = await startRuntime({ HANDOFF_BUSINESS_HOURS: 'always' }, { slipOcrCache: diskOcrCache() });
  return { env, runtime: env.runtime, close: () => env.cleanup() };
}

/** Plays every valid conversation of a fixture file in order; `onDone` hears each result. */
export async function runSplit(
  evalRuntime: EvalRuntime,
  name: string,
  fixtures: FixtureFile,
  onDone?: (result: ConversationResult, index: number, total: number) => void,
): Promise<SplitResult> {
  const started = Date.now();
  const invalid = [...fixtures.invalid];
  const playable: ConversationSpec[] = [];
  for (const spec of fixtures.conversations) {
    const problem = checkAgainstFlows(evalRuntime.runtime, spec);
    if (problem) invalid.push({ id: spec.id, reason: problem });
    else playable.push(spec);
  }
  const results: ConversationResult[] = [];
  for (const spec of playable) {
    const result = await playConversation(evalRuntime, spec);
    results.push(result);
    onDone?.(result, results.length, playable.length);
  }
  return { name, file: fixtures.file, results, invalid, ms: Date.now() - started };
}

/** Expected values must name slots of the expected flow (a typo would otherwise never be checked). */
function checkAgainstFlows(runtime: Runtime, spec: ConversationSpec): string | undefined {
  const e = spec.expect;
  if (!e.values || Object.keys(e.values).length === 0) return undefined;
  if (e.outcome !== 'filed' || !e.flow) return 'expect.values: only a filed outcome has values';
  const flow = runtime.flows.get(e.flow);
  if (!flow) return `expect.flow: no flow "${e.flow}"`;
  const unknown = Object.keys(e.values).filter((name) => !flow.slots.some((s) => s.name === name));
  return unknown.length ? `expect.values: ${unknown.join(', ')} ${unknown.length > 1 ? 'are not slots' : 'is not a slot'} of ${flow.id} (slots: ${flow.slots.map((s) => s.name).join(', ')})` : undefined;
}

// ── Playing one conversation ────────────────────────────────────────────────────────────────────────

const usersSeen = new WeakMap<Runtime, Set<string>>();

/** The conversation's channel user: its `user` (or id), made unique within the runtime. */
function channelUser(runtime: Runtime, spec: ConversationSpec): string {
  const seen = usersSeen.get(runtime) ?? new Set<string>();
  usersSeen.set(runtime, seen);
  const base = spec.user ?? spec.id;
  let user = base;
  for (let n = 2; seen.has(user); n++) user = `${base}~${n}`;
  seen.add(user);
  return user;
}

/** Removes the requests and handoffs of earlier conversations: each starts with only its own setup. */
async function clearRequestsAndHandoffs(runtime: Runtime): Promise<void> {
  const db = runtime.store.db;
  await db.deleteFrom('request_supplements').execute();
  await db.deleteFrom('request_events').execute();
  await db.deleteFrom('outbox').execute();
  await db.deleteFrom('requests').execute();
  await db.deleteFrom('handoff_events').execute();
  await db.deleteFrom('handoffs').execute();
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The status chain from `submitted` to a setup status, each step by the back office. */
const CHAINS: Record<string, { to: RequestStatus; reason?: string }[]> = {
  submitted: [],
  in_review: [{ to: 'in_review' }],
  needs_info: [{ to: 'in_review' }, { to: 'needs_more_info', reason: '请补充签购单照片' }],
  needs_more_info: [{ to: 'in_review' }, { to: 'needs_more_info', reason: '请补充签购单照片' }],
  approved: [{ to: 'in_review' }, { to: 'approved' }],
  rejected: [{ to: 'in_review' }, { to: 'rejected', reason: '交易信息与签购单不符' }],
};

/** Files a setup request as the merchant did `daysAgo` days ago, then lets the back office decide. */
async function fileSetupRequest(
  runtime: Runtime,
  setup: NonNullable<ConversationSpec['setup']>['requests'][number],
  identity: { conversationRef: ReturnType<typeof TurnContext.getConversationReference>; userId: string; locale: Locale },
): Promise<RequestRecord> {
  const filedAt = Date.now() - setup.daysAgo * DAY_MS - 3 * HOUR_MS;
  let clock = filedAt;
  const store = new RequestStore(runtime.store.db, { now: () => new Date(clock) });
  const slots: Record<string, unknown> = { merchant_id: setup.merchant, display: { merchant_id: setup.merchant } };
  const created = await store.create({
    kind: setup.flow,
    merchantId: setup.merchant,
    dedupeKey: null,
    slots,
    channelId: 'terminal',
    conversationRef: identity.conversationRef,
    userId: identity.userId,
    locale: identity.locale,
  });
  if (created.duplicate) throw new Error(`setup request ${setup.ref}: unexpectedly a duplicate`);
  for (const step of CHAINS[setup.status] ?? []) {
    clock = Math.min(clock + HOUR_MS, Date.now() - 60_000);
    const reason = step.reason ? (setup.note ?? step.reason) : null;
    await store.transition(created.request.id, step.to, { actor: 'backoffice', reason });
  }
  // The merchant was told each decision back then.
  for (const event of await store.history(created.request.id)) await store.markNotified(event.id);
  return (await store.get(created.request.id))!;
}

function substituteTickets(text: string, tickets: Map<string, string>): string {
  return text.replace(/\{\{\s*ticket:([^}\s]+)\s*\}\}/g, (whole, ref: string) => tickets.get(ref) ?? whole);
}

interface ConversationData {
  flow?: { flowId: string; stage: string; pending?: string; values: Record<string, { value: unknown; display: string }> };
  takingMessage?: { step: string };
  heldFiles?: unknown[];
}

/** The bot's conversation state (botbuilder ConversationState in the SQL storage). */
async function conversationData(runtime: Runtime, conversationId: string): Promise<ConversationData> {
  const row = await runtime.store.db.selectFrom('bot_state').select(['data']).where('key', '=', `terminal/conversations/${conversationId}/`).executeTakeFirst();
  if (!row) return {};
  const data = JSON.parse(row.data) as { conversationData?: ConversationData };
  return data.conversationData ?? {};
}

function snapshotOf(data: ConversationData): FlowSnapshot | undefined {
  const f = data.flow;
  if (!f) return undefined;
  const values = Object.fromEntries(Object.entries(f.values ?? {}).map(([k, v]) => [k, v.display]));
  return { flowId: f.flowId, stage: f.stage, ...(f.pending ? { pending: f.pending } : {}), values };
}

function textOf(activity: Partial<Activity>): string {
  const actions = (activity.suggestedActions?.actions ?? []).map((a) => String(a.title ?? a.value ?? ''));
  return actions.length ? `${activity.text ?? ''} [${actions.join(' | ')}]` : (activity.text ?? '');
}

/** Plays one conversation and judges it. */
export async function playConversation(evalRuntime: EvalRuntime, spec: ConversationSpec): Promise<ConversationResult> {
  const started = Date.now();
  const { runtime } = evalRuntime;
  await clearRequestsAndHandoffs(runtime);
  const user = channelUser(runtime, spec);
  const locale: Locale = spec.lang === 'en' ? 'en' : 'zh-CN';
  const chat = terminalConversation(runtime, user);
  const conversationId = chat.adapter.conversationId;
  const conversationRef = TurnContext.getConversationReference({
    channelId: 'terminal',
    conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: 'terminal' },
    from: { id: user, name: user, role: 'user' },
    recipient: { ...BOT_ACCOUNT },
  } as Partial<Activity>);

  const setup = new Map<string, RequestRecord>();
  for (const request of spec.setup?.requests ?? []) {
    setup.set(request.ref, await fileSetupRequest(runtime, request, { conversationRef, userId: user, locale }));
  }
  const tickets = new Map([...setup].map(([ref, r]) => [ref, r.ticket]));

  await chat.start();
  const trace: TurnTrace[] = [];
  const slipOrder = Object.keys(spec.slips ?? {});
  // A slip sent twice is the same photo (the same file, as from a phone's gallery).
  const rendered = new Map<string, Promise<SlipPhoto>>();
  let photos: SlipPhoto['source'] | undefined;
  const filesDir = runtime.config.paths.files;
  for (const turn of spec.turns) {
    const text = substituteTickets(typeof turn === 'string' ? turn : (turn.text ?? ''), tickets);
    const sent: string[] = text ? [text] : [];
    const attachments: NonNullable<Activity['attachments']> = [];
    let refusal: string | undefined;
    if (typeof turn !== 'string') {
      const uploads: { bytes: Buffer; name: string }[] = [];
      for (const key of turn.photo ?? []) {
        if (!rendered.has(key)) rendered.set(key, slipPhoto(spec.id, key, spec.slips![key]!, slipOrder.indexOf(key)));
        const photo = await rendered.get(key)!;
        photos = photo.source;
        uploads.push(photo);
        const how = photo.options ? [photo.options.layout, photo.options.font, photo.options.degrade ? 'photographed' : ''].filter(Boolean).join(', ') : 'stand-in picture';
        sent.push(`[photo ${key}: ${how}]`);
      }
      for (const file of turn.file ?? []) {
        uploads.push({ bytes: readFileSync(join(FILES_DIR, file)), name: file });
        sent.push(`[file ${file}]`);
      }
      for (const upload of uploads) {
        try {
          const stored = await storeFile(filesDir, upload.bytes, upload.name);
          attachments.push({ contentType: stored.contentType, contentUrl: pathToFileURL(join(filesDir, stored.file)).href, name: upload.name });
        } catch (err) {
          if (!isAppError(err) || err.code !== 'DL_ATTACHMENT_TYPE') throw err;
          refusal = t(locale, 'errNamedFileType', { name: upload.name });
        }
      }
    }
    const from = chat.received.length;
    // A file the channel refuses: the message is not sent, the merchant is told (as `pos-assist chat` does).
    if (refusal === undefined) await chat.adapter.say(text, chat.logic, attachments);
    const replies = refusal !== undefined ? [`[channel] ${refusal}`] : chat.received.slice(from).filter((a) => a.type === 'message').map(textOf);
    const data = await conversationData(runtime, conversationId);
    const flow = snapshotOf(data);
    trace.push({ sent: sent.join(' '), replies, ...(flow ? { flow } : {}), ...(data.takingMessage ? { takingMessage: data.takingMessage.step } : {}) });
  }

  const observed = await observe(runtime, conversationId, setup);
  const finalData = await conversationData(runtime, conversationId);
  const failures = judge(runtime, spec, observed, finalData, trace, tickets);
  const allReplies = trace.flatMap((t) => t.replies);
  return {
    id: spec.id,
    category: spec.category,
    lang: spec.lang,
    expected: describeExpected(spec),
    passed: failures.length === 0,
    failures,
    happened: describeHappened(observed, finalData, trace),
    notes: notesOn(spec, trace, finalData),
    lastReplies: allReplies.slice(-3),
    trace,
    ...(photos ? { photos } : {}),
    ms: Date.now() - started,
  };
}

function notesOn(spec: ConversationSpec, trace: TurnTrace[], data: ConversationData): string[] {
  if (spec.expect.outcome !== 'not-filed') return [];
  const notes: string[] = [];
  if (!trace.some((t) => t.flow)) notes.push('not filed, but no flow ever ran');
  if (data.takingMessage) notes.push('not filed, ended taking a message for an agent');
  return notes;
}

// ── What happened ───────────────────────────────────────────────────────────────────────────────────

interface HandoffRow {
  status: string;
  reason: string;
  callback_phone: string | null;
  package_json: string;
}

interface Observed {
  /** Requests filed in this conversation. */
  filed: RequestRecord[];
  /** The setup requests after the conversation, with the files supplemented to each. */
  setup: { ref: string; request: RequestRecord; suppliedFiles: number }[];
  handoffs: HandoffRow[];
}

async function observe(runtime: Runtime, conversationId: string, setup: Map<string, RequestRecord>): Promise<Observed> {
  const setupIds = new Set([...setup.values()].map((r) => r.id));
  const rows = await runtime.store.db.selectFrom('requests').select(['id']).orderBy('created_at').execute();
  const filed: RequestRecord[] = [];
  for (const { id } of rows) if (!setupIds.has(id)) filed.push((await runtime.requests.get(id))!);
  const after: Observed['setup'] = [];
  for (const [ref, r] of setup) {
    const supplements = await runtime.requests.supplements(r.id);
    after.push({ ref, request: (await runtime.requests.get(r.id))!, suppliedFiles: supplements.reduce((n, s) => n + s.files.length, 0) });
  }
  const handoffs = await runtime.store.db
    .selectFrom('handoffs')
    .select(['status', 'reason', 'callback_phone', 'package_json'])
    .where('channel_id', '=', 'terminal')
    .where('conversation_id', '=', conversationId)
    .execute();
  return { filed, setup: after, handoffs };
}

const CITED = new RegExp(`(?:${t('zh-CN', 'sourcesLabel')}|${t('en', 'sourcesLabel')})s?\\s*[:：]\\s*(?:\\[\\d+\\]\\s*)?《`);
const ERROR_TEXTS = [t('zh-CN', 'internalError'), t('en', 'internalError')];
const ASK_PHONE_TEXTS = [t('zh-CN', 'handoffAskPhone'), t('en', 'handoffAskPhone')];
const CANCELLED_TEXTS = [flowText('zh-CN', 'flowCancelled'), flowText('en', 'flowCancelled')];
/** A message that ends asking something (suggested actions, shown as ` [a | b]`, left aside). */
const ENDS_ASKING = /[？?：:]\s*$/;

const promptCache = new WeakMap<Runtime, string[]>();

/**
 * The bot's questions in a conversation: its messages that ask the merchant for something — a slot's
 * prompt (the flows' own wording, asked again included), a confirmation, or any message ending in a
 * question mark or a colon.
 */
export function botQuestions(runtime: Runtime, replies: string[]): number {
  let prompts = promptCache.get(runtime);
  if (!prompts) {
    prompts = [...runtime.flows.values()].flatMap((f) => f.slots.flatMap((s) => [s.prompt['zh-CN'], s.prompt.en])).filter((p): p is string => Boolean(p));
    promptCache.set(runtime, prompts);
  }
  return replies.filter((r) => {
    const text = r.replace(/\s*\[[^\]]*\]$/, '');
    return ENDS_ASKING.test(text) || prompts.some((p) => text.includes(p));
  }).length;
}

function flowLine(f: FlowSnapshot): string {
  const filled = Object.keys(f.values);
  return `${f.flowId} ${f.stage}${f.pending ? `, asking ${f.pending}` : ''}${filled.length ? ` (filled: ${filled.join(', ')})` : ' (nothing filled)'}`;
}

function describeHappened(o: Observed, data: ConversationData, trace: TurnTrace[]): string {
  const parts: string[] = [];
  for (const r of o.filed) parts.push(`filed ${r.kind} ${r.ticket}`);
  for (const s of o.setup) if (s.suppliedFiles > 0) parts.push(`supplemented ${s.request.ticket} with ${s.suppliedFiles} file(s)`);
  for (const h of o.handoffs) parts.push(`handoff ${h.status} (${h.reason}${h.callback_phone ? `, callback ${h.callback_phone}` : ''})`);
  if (data.takingMessage) parts.push(`taking a message for an agent (asking: ${data.takingMessage.step})`);
  const replies = trace.flatMap((t) => t.replies);
  const shown = o.setup.filter((s) => replies.some((r) => r.toUpperCase().includes(s.request.ticket)));
  if (shown.length) parts.push(`mentioned ${shown.map((s) => s.request.ticket).join(', ')}`);
  if (replies.some((r) => CITED.test(r))) parts.push('answered from the guide');
  const flow = snapshotOf(data);
  if (flow) parts.push(`${flowLine(flow)} still in progress`);
  if (replies.some((r) => CANCELLED_TEXTS.some((c) => r.includes(c)))) parts.push('a flow was cancelled');
  if ((data.heldFiles?.length ?? 0) > 0) parts.push(`${data.heldFiles!.length} file(s) held, purpose not said`);
  return parts.length ? parts.join('; ') : 'nothing: no request, no flow, no answer cited';
}

function describeExpected(spec: ConversationSpec): string {
  const e = spec.expect;
  if (e.outcome === 'filed') return `filed ${e.flow}${e.values ? ` with ${Object.keys(e.values).join(', ')}` : ''}`;
  if (e.outcome === 'handoff' && e.handoff?.phone) return `handoff with callback ${e.handoff.phone}`;
  if (e.outcome === 'status-shown') return `status-shown ${(e.tickets ?? []).join(', ')}${e.status ? ` (${e.status})` : ''}`;
  return e.outcome;
}

// ── Judging ─────────────────────────────────────────────────────────────────────────────────────────

/** A stored slot value and the expected one in the same terms, by the slot's type. */
function compareValue(flow: Flow, name: string, expected: string | number | boolean, request: RequestRecord): Failure | undefined {
  const slot = flow.slots.find((s) => s.name === name)!;
  const display = (request.slots.display as Record<string, string> | undefined)?.[name];
  const stored = request.slots[name];
  const shown = (v: unknown) => (display !== undefined ? `${display} (${JSON.stringify(v)})` : JSON.stringify(v));
  if (slot.type === 'attachments') {
    const want = Number(expected);
    const got = request.attachments.length;
    return got >= want ? undefined : { kind: `missing value: ${name}`, detail: `${name}: expected at least ${want} file(s), the request has ${got}` };
  }
  if (stored === undefined || stored === null || stored === '') {
    return { kind: `missing value: ${name}`, detail: `${name}: expected ${JSON.stringify(expected)}, not filled` };
  }
  let want: unknown = expected;
  let same: boolean;
  switch (slot.type) {
    case 'amount': {
      const yuan = typeof expected === 'number' ? expected : Number(String(expected).replace(/[¥￥,\s元]/g, ''));
      want = Math.round(yuan * 100);
      same = stored === want;
      break;
    }
    case 'date':
      want = fixtureDate(typeof expected === 'boolean' ? String(expected) : expected);
      same = stored === want;
      break;
    case 'phone':
      want = String(expected).replace(/\D/g, '');
      same = String(stored).replace(/\D/g, '') === want;
      break;
    case 'text':
      // Free text is the merchant's words: the expected words must be in it.
      same = String(stored).includes(String(expected));
      break;
    default:
      // Codes and choices: the same string (a code written as a YAML number lost no digits it had to keep).
      same = String(stored).trim() === String(expected).trim() || (typeof expected === 'number' && /^\d+$/.test(String(stored)) && Number(stored) === expected);
  }
  if (same) return undefined;
  const unit = slot.type === 'amount' ? ' fen' : '';
  return { kind: `wrong value: ${name}`, detail: `${name}: expected ${JSON.stringify(want)}${unit}, filed ${shown(stored)}` };
}

function judge(
  runtime: Runtime,
  spec: ConversationSpec,
  o: Observed,
  data: ConversationData,
  trace: TurnTrace[],
  tickets: Map<string, string>,
): Failure[] {
  const e = spec.expect;
  const failures: Failure[] = [];
  const replies = trace.flatMap((t) => t.replies);
  const finalFlow = snapshotOf(data);
  const filedLine = o.filed.map((r) => `${r.kind} ${r.ticket}`).join(', ');
  const notWanted = (): Failure => ({ kind: 'filed although not wanted', detail: `filed ${filedLine}` });

  switch (e.outcome) {
    case 'filed': {
      const flow = runtime.flows.get(e.flow!)!;
      const kind = flow.action.kind;
      if (o.filed.length === 0) failures.push(whyNotFiled(e.flow!, trace, data, replies, o));
      else if (o.filed.length > 1) failures.push({ kind: 'filed more than one request', detail: `filed ${filedLine}` });
      else if (o.filed[0]!.kind !== kind) failures.push({ kind: 'filed the wrong kind', detail: `expected ${kind}, filed ${filedLine}` });
      else {
        for (const [name, value] of Object.entries(e.values ?? {})) {
          const f = compareValue(flow, name, value, o.filed[0]!);
          if (f) failures.push(f);
        }
      }
      break;
    }
    case 'not-filed':
      if (o.filed.length > 0) failures.push(notWanted());
      // Left with a flow still asking: the merchant's "算了" (or whatever ended it) was not understood.
      // A pending "cancel? yes/no" question means the bot did understand.
      if (finalFlow && finalFlow.stage !== 'confirm-cancel') {
        const last = trace.at(-1)?.sent ?? '';
        failures.push({ kind: 'a flow is still open at the end', detail: `after "${last.slice(0, 60)}": ${flowLine(finalFlow)}` });
      }
      break;
    case 'status-shown': {
      // Shown: one message names the ticket and its status (the expected one, else the request's own).
      const want = (e.tickets ?? []).map((x) => substituteTickets(x, tickets));
      const expectedStatus: RequestStatus | undefined = e.status === 'needs_info' ? 'needs_more_info' : e.status;
      const labelsOf = (status: RequestStatus) => [statusLabel('zh-CN', status), statusLabel('en', status)];
      for (const ticket of want) {
        const status = expectedStatus ?? o.setup.find((s) => s.request.ticket === ticket.toUpperCase())?.request.status;
        const naming = replies.filter((r) => r.toUpperCase().includes(ticket.toUpperCase()));
        if (naming.length === 0) failures.push({ kind: 'ticket not shown', detail: `${ticket} is in no reply; ${statusContext(trace, data)}` });
        else if (status && !naming.some((r) => labelsOf(status).some((l) => r.includes(l)))) {
          failures.push({ kind: 'status not shown', detail: `no reply names ${ticket} with "${labelsOf(status).join('" / "')}"; ${statusContext(trace, data)}` });
        }
      }
      if (want.length === 0 && expectedStatus && !replies.some((r) => labelsOf(expectedStatus).some((l) => r.includes(l)))) {
        failures.push({ kind: 'status not shown', detail: `"${labelsOf(expectedStatus).join('" / "')}" is in no reply; ${statusContext(trace, data)}` });
      }
      if (o.filed.length > 0) failures.push(notWanted());
      break;
    }
    case 'supplemented': {
      const want = new Set((e.tickets ?? []).map((x) => substituteTickets(x, tickets)));
      const targets = o.setup.filter((s) => (want.size ? want.has(s.request.ticket) : true));
      if (!targets.some((s) => s.suppliedFiles > 0)) {
        const where = targets.map((s) => `${s.request.ticket} is ${s.request.status}, no files added`).join('; ');
        failures.push({ kind: 'no files supplemented', detail: `${where}; ${statusContext(trace, data)}` });
      }
      if (o.filed.length > 0) failures.push({ kind: 'filed a new request instead', detail: `filed ${filedLine}` });
      break;
    }
    case 'handoff': {
      const handed = o.handoffs.length > 0 || data.takingMessage !== undefined;
      if (!handed) failures.push({ kind: 'no handoff', detail: `no handoff and no message taken for an agent; ${statusContext(trace, data)}` });
      const phone = e.handoff?.phone?.replace(/\D/g, '');
      if (handed && phone) {
        const recorded = o.handoffs.some((h) => h.callback_phone === phone || packageHolds(h.package_json, phone));
        if (!recorded) {
          const state = data.takingMessage ? `the bot is still taking a message (asking: ${data.takingMessage.step})` : o.handoffs.map((h) => `handoff ${h.status}, callback ${h.callback_phone ?? 'none'}`).join('; ');
          failures.push({ kind: 'handoff phone not recorded', detail: `${phone} is not in the handoff; ${state}` });
        }
        const givenAt = trace.findIndex((t) => t.sent.replace(/\D/g, '').includes(phone));
        if (givenAt >= 0 && trace.slice(givenAt).some((t) => t.replies.some((r) => ASK_PHONE_TEXTS.some((a) => r.includes(a))))) {
          failures.push({ kind: 'phone asked again', detail: `the number was given in turn ${givenAt + 1}, and asked for afterwards` });
        }
      }
      break;
    }
    case 'answered':
      if (!replies.some((r) => CITED.test(r))) failures.push({ kind: 'no cited answer', detail: statusContext(trace, data) });
      if (o.filed.length > 0) failures.push(notWanted());
      break;
  }

  for (const text of (e.contains ?? []).map((x) => substituteTickets(x, tickets))) {
    if (!replies.some((r) => r.includes(text))) failures.push({ kind: 'missing text', detail: `"${text}" is in no reply` });
  }
  if (e.maxBotQuestions !== undefined) {
    const asked = botQuestions(runtime, replies);
    if (asked > e.maxBotQuestions) failures.push({ kind: 'too many questions', detail: `the bot asked ${asked} questions (at most ${e.maxBotQuestions})` });
  }
  const errors = replies.filter((r) => ERROR_TEXTS.some((x) => r.includes(x))).length;
  if (errors > 0) failures.push({ kind: 'bot error', detail: `${errors} turn(s) ended in the internal-error reply` });
  return failures;
}

/** The handoff package holds the number outside the transcript (which only repeats what was typed). */
function packageHolds(packageJson: string, phone: string): boolean {
  try {
    const pkg = JSON.parse(packageJson) as Record<string, unknown>;
    delete pkg.transcript;
    delete pkg.botTried;
    if (typeof pkg.summary === 'string') pkg.summary = pkg.summary.replace(/商户最后说：.*(\n|$)/g, '');
    return JSON.stringify(pkg).replace(/[^\d"]/g, '').includes(phone);
  } catch {
    return false;
  }
}

/** Where the bot stood, for a failure's detail. */
function statusContext(trace: TurnTrace[], data: ConversationData): string {
  const flow = snapshotOf(data);
  if (flow) return `at the end: ${flowLine(flow)}`;
  const started = trace.find((t) => t.flow)?.flow;
  if (started) return `a ${started.flowId} flow ran and ended`;
  const first = trace[0]?.replies ?? [];
  return `no flow ran; first reply: ${replyKind(first)}`;
}

function replyKind(replies: string[]): string {
  if (replies.some((r) => CITED.test(r))) return 'a guide answer';
  const first = replies.find((r) => r.trim()) ?? '';
  return first ? `"${first.slice(0, 60).replace(/\s+/g, ' ')}${first.length > 60 ? '…' : ''}"` : 'none';
}

/** Why a request that should have been filed was not: the first thing that went wrong. */
function whyNotFiled(flowId: string, trace: TurnTrace[], data: ConversationData, replies: string[], o: Observed): Failure {
  const finalFlow = snapshotOf(data);
  const ranExpected = trace.some((t) => t.flow?.flowId === flowId);
  const other = trace.find((t) => t.flow && t.flow.flowId !== flowId)?.flow?.flowId;
  if (finalFlow?.flowId === flowId) {
    if (finalFlow.stage === 'confirming') return { kind: 'not filed: left at the summary', detail: `at the end: ${flowLine(finalFlow)}` };
    if (finalFlow.stage === 'confirm-cancel') return { kind: 'not filed: asked whether to cancel', detail: `at the end: ${flowLine(finalFlow)}` };
    return { kind: `not filed: still asking ${finalFlow.pending ?? '?'}`, detail: `at the end: ${flowLine(finalFlow)}` };
  }
  if (ranExpected) {
    if (replies.some((r) => CANCELLED_TEXTS.some((c) => r.includes(c)))) return { kind: 'not filed: flow cancelled', detail: 'the flow was cancelled (a message read as a cancel?)' };
    if (o.handoffs.length > 0 || data.takingMessage) return { kind: 'not filed: handed to a person', detail: describeHappened(o, data, trace) };
    return { kind: 'not filed: flow ended', detail: `the flow ended without filing; last replies: ${replies.slice(-2).join(' / ').slice(0, 200)}` };
  }
  if (other) return { kind: 'not filed: another flow ran', detail: `${other} ran instead of ${flowId}` };
  const first = trace[0]?.replies ?? [];
  const how = first.some((r) => CITED.test(r)) ? 'answered as a question' : 'not recognised';
  return { kind: `not filed: request ${how}`, detail: `no ${flowId} flow ever started; first reply: ${replyKind(first)}` };
}
