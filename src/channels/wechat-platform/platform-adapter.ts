/**
 * What the two official WeChat channels — the Official Account (公众号) and WeCom 微信客服 — share as
 * channels: the base class (channel-adapter.ts) masks card numbers, keeps the transcript and serialises a
 * conversation's turns; this one adds, once for both:
 *
 * - every inbound message stored in the inbound journal before it runs (../inbound-journal.ts): WeChat's
 *   retries and a re-pulled kf message are recognised by their platform id and run once; one not answered
 *   when the process died is run at the next start (`replayPending`);
 * - a reply "1", "2", … picks the numbered option of the bot's last message in the conversation (kept in
 *   the shared channel store, so any instance knows it);
 * - images are downloaded when the turn runs (by media id, so a replay downloads them too), size-checked
 *   and stored by their bytes (../attachments.ts); what is not taken is answered with the reason
 *   (../file-refusals.ts), never dropped silently;
 * - outgoing activities become parts — texts (split below the platform's limit; suggested actions as
 *   numbered lines; an agent's reply labelled with the agent's name) and stored files (images; PDFs where
 *   the platform can send files, else named in the text) — that the subclass sends.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActivityTypes, type Activity, type Attachment, type ResourceResponse } from 'botbuilder';
import type { Logger } from '../../core/logger.js';
import type { SqlTranscriptStore } from '../../store/transcript-store.js';
import { safeName, storeAsAttachment, storedFileOf } from '../attachments.js';
import { ChannelAdapter, type BotLogic, type ChannelCapabilities, type InboundLimits, type PlatformChannelDeps, type TurnOptions } from '../channel-adapter.js';
import type { MessageOutcome } from '../wechat/wechat-adapter.js';
import { answeringRefusals, refusedSummary, takeFile, type FileRefusal } from '../file-refusals.js';
import { InboundInbox, type Admission, type InboundJob } from '../inbound-inbox.js';
import type { InboundJournal } from '../inbound-journal.js';
import type { TurnLock } from '../../scale/turn-lock.js';
import type { RateLimit, RateLimitSpec } from '../../scale/rate-limit.js';
import { numberedOptions, pickedNumber, withNumberedOptions } from '../numbered-options.js';
import { splitText } from '../telegram/format.js';
import { actionTitles, channelLocale, labelledText } from '../outgoing-text.js';
import type { ChannelStore } from './channel-store.js';
import type { Download, TooLarge } from './wechat-api.js';

/** A file this deployment stored (`<sha256>.<ext>` under the files folder). */

export type { MessageOutcome };

export interface MessageHandled {
  /** The platform's id of the message (MsgId, kf msgid, or sender + time for events). */
  platformId: string;
  outcome: MessageOutcome;
  /** Why a message was ignored or failed (never message content). */
  detail?: string;
}

/** An inbound message as stored in the journal and run (again, after a restart). */
export interface PlatformJob {
  platformId: string;
  /** The inbound activity, card-masked (a picked option and the downloaded file are added when it runs). */
  activity: Partial<Activity>;
  masked: number;
  /** A file to download first (by media id; `url`: a second source, the Official Account's PicUrl). */
  file?: { mediaId: string; url?: string; name: string };
  /** Why it is not taken, known before any download (voice, video, locations, …). */
  refusals: FileRefusal[];
}

/** One piece of an outgoing message, as the platform sends it. */
export type OutgoingPart =
  | { kind: 'text'; text: string }
  /** A text with clickable options (WeCom's msgmenu), where the platform has them. */
  | { kind: 'menu'; text: string; options: string[] }
  | { kind: 'image' | 'file'; bytes: Buffer; name: string; contentType: string };

export interface PlatformAdapterOptions {
  channelId: string;
  capabilities: Partial<ChannelCapabilities> & { maxTextLength: number };
  /** Can the platform send PDF files (WeCom yes; the Official Account's customer-service API no). */
  sendsFiles: boolean;
  /** Suggested actions as clickable options (WeCom's msgmenu) rather than numbered lines. */
  menus?: boolean;
  transcripts: SqlTranscriptStore;
  journal: InboundJournal;
  /** Access tokens, options, cursors: shared by the instances. */
  store: ChannelStore;
  logic: BotLogic;
  filesDir: string;
  uploadMaxBytes: number;
  inboundLimits?: InboundLimits;
  /** One turn at a time per conversation across the instances (`coordination.turnLock`); default: this process. */
  turnLock?: TurnLock;
  /** Makes the per-user limits (`coordination.rateLimit`: shared by the instances with Redis); default: this process. */
  rateLimits?: (spec: RateLimitSpec) => RateLimit;
  logger?: Logger;
}

export abstract class WechatPlatformAdapter extends ChannelAdapter {
  /** Emits `'message'` with a `MessageHandled` when a message has been handled (or dropped). */
  readonly events = new EventEmitter();
  protected readonly logger: Logger | undefined;
  protected readonly store: ChannelStore;
  private readonly inbox: InboundInbox<PlatformJob, MessageHandled>;

  constructor(protected readonly platform: PlatformAdapterOptions) {
    super({
      channelId: platform.channelId,
      transcripts: platform.transcripts,
      capabilities: { suggestedActions: false, markdown: false, attachments: true, streaming: false, ...platform.capabilities },
      ...(platform.inboundLimits ? { inboundLimits: platform.inboundLimits } : {}),
      ...(platform.turnLock ? { turnLock: platform.turnLock } : {}),
      ...(platform.rateLimits ? { rateLimits: platform.rateLimits } : {}),
    });
    this.logger = platform.logger;
    this.store = platform.store;
    const label = platform.channelId;
    this.inbox = new InboundInbox<PlatformJob, MessageHandled>({
      channel: platform.channelId,
      journal: platform.journal,
      work: (job, _replayed, turn) => this.run(job, turn),
      failed: (err, job) => {
        this.logger?.error({ err, platformId: job.platformId }, `${label} message could not be handled`);
        return { platformId: job.platformId, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) };
      },
      done: (handled) => {
        this.finished(handled);
        this.emitHandled(handled);
      },
      journalError: (err, context) => this.logger?.error({ err, platformId: context.platformId, step: context.step }, `${label}: inbound journal not written`),
    });
  }

  // ── Inbound ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * Stores one message (after `build` says what it is) and queues its turn, after the chat's earlier
   * ones. Resolves when it is on record: `queued`, `duplicate` (on record already) or `skipped`.
   */
  protected admit(chatKey: string, platformId: string, build: () => PlatformJob | undefined | Promise<PlatformJob | undefined>): Promise<Admission> {
    return this.inbox
      .admit(chatKey, async (): Promise<InboundJob<PlatformJob> | undefined> => {
        const job = await build();
        return job ? { platformId, payload: job } : undefined;
      })
      .then(
        (admission) => {
          if (admission === 'duplicate') {
            this.logger?.info({ platformId }, `${this.channelId} message already handled; skipped`);
            this.emitHandled({ platformId, outcome: 'duplicate' });
          }
          return admission;
        },
        (err: unknown) => {
          this.logger?.error({ err, platformId }, `${this.channelId} message could not be stored`);
          this.emitHandled({ platformId, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) });
          throw err;
        },
      );
  }

  /** A job for an inbound activity: masked here, once, before it is stored. */
  protected job(platformId: string, activity: Partial<Activity>, extra: Pick<PlatformJob, 'file'> & { refusals?: FileRefusal[] } = {}): PlatformJob {
    const { value, count } = this.maskInbound(activity);
    return { platformId, activity: value, masked: count, refusals: extra.refusals ?? [], ...(extra.file ? { file: extra.file } : {}) };
  }

  /** Reports a message that is not run (an event the bot does not take, an empty message). */
  protected ignored(platformId: string, detail: string): undefined {
    this.emitHandled({ platformId, outcome: 'ignored', detail });
    return undefined;
  }

  /** Runs the messages an earlier process stored but did not finish (once, before new ones). */
  replayPending(): Promise<number> {
    return this.inbox.replay();
  }

  /** Resolves when every message received so far has been handled. */
  async settled(): Promise<void> {
    await this.inbox.settled();
  }

  override async drain(): Promise<void> {
    await this.settled();
    await super.drain();
  }

  protected emitHandled(handled: MessageHandled): void {
    this.events.emit('message', handled);
  }

  /** Called when a job's turn has finished (before it is reported). */
  protected finished(_handled: MessageHandled): void {}

  /** Downloads a file a message refers to (by media id; `url` when the platform gave one too). */
  protected abstract download(file: NonNullable<PlatformJob['file']>, maxBytes: number): Promise<Download | TooLarge>;

  /** Runs one stored message: a numbered option picked, its file fetched (or why not), then the turn. */
  private async run(job: PlatformJob, turn: TurnOptions): Promise<MessageHandled> {
    const { platformId } = job;
    const locale = channelLocale(job.activity.locale);
    const conversationId = job.activity.conversation?.id ?? '';
    let text = job.activity.text ?? '';
    const data = (job.activity.channelData ?? {}) as Record<string, unknown>;
    const extra: Record<string, unknown> = {};

    const number = pickedNumber(text);
    if (number !== undefined) {
      const option = (await this.optionsFor(conversationId))[number - 1];
      if (option) {
        extra.picked = number;
        text = option;
      }
    }
    const file = job.file;
    const { attachments, refusals } = await takeFile<Partial<Attachment>>(job.refusals, file && (() => this.fetchFile(platformId, file)));
    if (refusals.length) extra.refused = refusedSummary(refusals);
    const activity: Partial<Activity> = {
      ...job.activity,
      text,
      timestamp: new Date(job.activity.timestamp ?? Date.now()),
      ...(attachments.length ? { attachments: attachments as Attachment[] } : {}),
      channelData: { ...data, ...extra },
    };
    const logic = this.platform.logic;
    if (refusals.length === 0) {
      await this.processActivity(activity, logic, { ...turn, maskedBefore: job.masked });
      return { platformId, outcome: 'processed' };
    }
    await this.processActivity(activity, answeringRefusals(locale, refusals, logic, Boolean(text.trim() || attachments.length)), { ...turn, maskedBefore: job.masked });
    for (const r of refusals) this.logger?.info({ platformId, reason: r.reason }, `${this.channelId} message refused`);
    return { platformId, outcome: 'refused' };
  }

  /** Downloads and stores one file; a refusal says why it was not taken. */
  private async fetchFile(platformId: string, file: NonNullable<PlatformJob['file']>): Promise<Partial<Attachment> | FileRefusal> {
    const maxBytes = this.platform.uploadMaxBytes;
    let name = safeName(file.name);
    let bytes: Buffer;
    try {
      const got = await this.download(file, maxBytes);
      if ('tooLarge' in got) return { reason: 'too_large', name, size: got.tooLarge, maxBytes };
      if (got.name) name = safeName(got.name);
      bytes = got.bytes;
    } catch (err) {
      this.logger?.warn({ err: err instanceof Error ? { message: err.message, name: err.name } : String(err), platformId }, `${this.channelId} file download failed`);
      return { reason: 'download_failed', name };
    }
    return storeAsAttachment(this.platform.filesDir, bytes, name);
  }

  // ── Options ───────────────────────────────────────────────────────────────────────────────────────

  private async optionsFor(conversationId: string): Promise<string[]> {
    return (await this.store.get<string[]>(`options/${conversationId}`).catch(() => undefined)) ?? [];
  }

  /** The options a reply "1", "2", … refers to: those of the bot's last message in the conversation. */
  protected async rememberOptions(conversationId: string, parts: OutgoingPart[]): Promise<void> {
    const last = [...parts].reverse().find((p): p is Extract<OutgoingPart, { kind: 'text' | 'menu' }> => p.kind === 'text' || p.kind === 'menu');
    if (!last) return;
    const options = last.kind === 'menu' ? last.options : numberedOptions(last.text);
    const before = await this.optionsFor(conversationId);
    if (options.length === 0 && before.length === 0) return;
    await this.store.set(`options/${conversationId}`, options);
  }

  // ── Outbound ──────────────────────────────────────────────────────────────────────────────────────

  /** The parts an outgoing message activity becomes (texts split below the limit, then files). */
  protected partsOf(activity: Partial<Activity>): OutgoingPart[] {
    const locale = channelLocale(activity.locale);
    let text = labelledText(activity, locale);
    const actions = actionTitles(activity);
    const menu = this.platform.menus && actions.length > 0;
    if (!menu) text = withNumberedOptions(text, actions);
    const files: OutgoingPart[] = [];
    for (const attachment of activity.attachments ?? []) {
      const file = this.storedFile(attachment);
      if (file && (file.kind === 'image' || this.platform.sendsFiles)) files.push(file);
      else {
        if (!file) this.logger?.warn({ contentType: attachment.contentType }, `${this.channelId}: attachment without a stored file not sent`);
        const name = attachment.name ?? (file && 'name' in file ? file.name : '');
        if (name) text = text ? `${text}\n📎 ${name}` : `📎 ${name}`;
      }
    }
    const texts: OutgoingPart[] = text.trim() ? splitText(text, this.capabilities.maxTextLength).map((t) => ({ kind: 'text', text: t })) : [];
    // The options go with the last piece of text (the question they answer).
    if (menu) texts.push({ kind: 'menu', text: texts.length ? (texts.pop() as { text: string }).text : '', options: actions });
    return [...texts, ...files];
  }

  /** A stored file (contentUrl's last segment `<sha256>.<ext>` in the files folder), with its bytes. */
  private storedFile(attachment: Attachment): OutgoingPart | undefined {
    const last = storedFileOf(attachment.contentUrl, this.platform.filesDir);
    if (!last) return undefined;
    const ext = last.split('.').pop()!;
    const contentType = ext === 'pdf' ? 'application/pdf' : ext === 'jpg' ? 'image/jpeg' : `image/${ext}`;
    const name = safeName(attachment.name ?? last);
    return { kind: ext === 'pdf' ? 'file' : 'image', bytes: readFileSync(join(this.platform.filesDir, last)), name: name.includes('.') ? name : `${name}.${ext}`, contentType };
  }

  /** Sends the parts of one outgoing message; returns the platform's id of the last one sent. */
  protected abstract send(activity: Partial<Activity>, parts: OutgoingPart[]): Promise<string>;

  /** A typing indicator, where the platform has one (default: none). */
  protected async typing(_activity: Partial<Activity>): Promise<void> {}

  protected async deliver(activity: Partial<Activity>): Promise<ResourceResponse> {
    if (activity.type === ActivityTypes.Typing) {
      if (this.capabilities.typing) await this.typing(activity).catch((err: unknown) => this.logger?.debug({ err }, `${this.channelId}: typing not sent`));
      return { id: '' };
    }
    // Events (handoff.status, …) are not for the merchant's chat.
    if (activity.type !== ActivityTypes.Message) return { id: '' };
    const parts = this.partsOf(activity);
    if (parts.length === 0) return { id: '' };
    const id = await this.send(activity, parts);
    await this.rememberOptions(activity.conversation?.id ?? '', parts).catch((err: unknown) => this.logger?.warn({ err }, `${this.channelId}: options not stored`));
    return { id };
  }
}

/** The adapter options every platform channel takes from the server's channel dependencies. */
export function platformOptions(deps: PlatformChannelDeps, store: ChannelStore, logger: Logger) {
  return {
    store,
    transcripts: deps.transcripts,
    journal: deps.journal,
    logic: deps.logic,
    filesDir: deps.filesDir,
    uploadMaxBytes: deps.uploadMaxBytes,
    logger,
    ...(deps.inboundLimits ? { inboundLimits: deps.inboundLimits } : {}),
    ...(deps.turnLock ? { turnLock: deps.turnLock } : {}),
    ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}),
  };
}

/** At start: the messages an earlier process stored but did not finish are run; old journal rows go. */
export async function replayStored(adapter: WechatPlatformAdapter, journal: InboundJournal, log: Logger): Promise<void> {
  const replayed = await adapter.replayPending().catch((err: unknown) => {
    log.error({ err }, `${adapter.channelId}: could not replay stored messages`);
    return 0;
  });
  if (replayed > 0) log.info({ replayed }, `${adapter.channelId}: answering messages left unprocessed by the previous run`);
  await journal.purge().catch((err: unknown) => log.warn({ err }, `${adapter.channelId}: could not purge the inbound journal`));
}
