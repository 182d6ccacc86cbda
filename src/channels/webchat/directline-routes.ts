/**
 * Direct Line 3.0 over HTTP and WebSocket, under `/v3/directline` — the protocol the official Web Chat
 * and `botframework-directlinejs` speak, so any Direct Line client can talk to POS Assist.
 *
 * Every call carries `Authorization: Bearer <token or secret>` (the stream takes the token in `?t=`).
 * A token is bound to one conversation and one user: any other conversation answers 403.
 */
import type { Activity } from 'botbuilder';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type {} from '@fastify/multipart';
import type {} from '@fastify/websocket';
import { AppError } from '../../core/errors.js';
import { inspectFile, safeName, STORED_FILE, writeStoredFile, type StoredFile } from '../attachments.js';
import type { DirectLineService } from './directline-service.js';
import type { TokenService } from './tokens.js';

export interface DirectLineRouteOptions {
  service: () => DirectLineService;
  tokens: TokenService;
  filesDir: string;
  uploadMaxBytes: number;
  uploadMaxFiles: number;
  /** Most bytes of files one conversation may hold (every upload of it together). */
  uploadConversationMaxBytes: number;
  /** Most WebSocket streams open on one conversation; a new one closes the oldest (default 4). */
  maxStreamsPerConversation?: number;
  /** Binds a web chat user to the merchant a verified claim names; without it claims are refused. */
  bindMerchant?: (userId: string, merchantId: string) => Promise<void>;
  publicUrl: string | undefined;
}


type Caller = { kind: 'secret' } | { kind: 'token'; conversationId: string; userId: string };

const STREAM_PING_MS = 30_000;
/** A file link handed to a client stays valid this long (rounded up to the hour, so links are stable). */
const FILE_GRANT_SECONDS = 24 * 3600;
const STREAM_PAGE = 200;

export function origin(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  return `${request.protocol}://${request.host}`;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const m = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header) : null;
  return m?.[1]?.trim();
}

function parseWatermark(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new AppError('DL_BAD_REQUEST', `watermark "${String(raw)}" is not a number`);
  return n;
}

export async function directLineRoutes(app: FastifyInstance, options: DirectLineRouteOptions): Promise<void> {
  const { tokens } = options;
  const maxStreams = options.maxStreamsPerConversation ?? 4;
  /** Open streams by conversation, oldest first. */
  const streams = new Map<string, WebSocket[]>();

  /**
   * Activities as a client gets them: links to this conversation's stored files carry a grant (a
   * signed, expiring path segment), so a client that opens the link as it is — the official Web Chat —
   * can show the file. Stored activities keep the plain link.
   */
  function withFileGrants(conversationId: string, activities: Partial<Activity>[]): Partial<Activity>[] {
    const marker = `/v3/directline/conversations/${encodeURIComponent(conversationId)}/files/`;
    const expiresAt = Math.ceil((Date.now() / 1000 + FILE_GRANT_SECONDS) / 3600) * 3600;
    return activities.map((activity) => {
      if (!activity.attachments?.some((a) => typeof a.contentUrl === 'string' && a.contentUrl.includes(marker))) return activity;
      return {
        ...activity,
        attachments: activity.attachments.map((a) => {
          const url = typeof a.contentUrl === 'string' ? a.contentUrl : '';
          const at = url.indexOf(marker);
          const file = at >= 0 ? url.slice(at + marker.length) : '';
          if (!STORED_FILE.test(file)) return a;
          const grant = tokens.fileGrant(conversationId, file, expiresAt);
          return { ...a, contentUrl: `${url.slice(0, at + marker.length)}${grant}/${file}` };
        }),
      };
    });
  }

  async function verifiedMerchant(claim: unknown): Promise<string> {
    if (typeof claim !== 'string' || claim.length > 2000) throw new AppError('DL_BAD_CLAIM', 'merchantClaim must be a signed JWT');
    if (!options.bindMerchant) throw new AppError('DL_BAD_CLAIM', 'merchant claims are not accepted here');
    return tokens.verifyMerchantClaim(claim);
  }

  async function caller(request: FastifyRequest, credential = bearer(request)): Promise<Caller> {
    if (!credential) throw new AppError('DL_UNAUTHORIZED');
    if (tokens.isSecret(credential)) return { kind: 'secret' };
    const claims = await tokens.verify(credential);
    return { kind: 'token', ...claims };
  }

  /** The caller may act in this conversation: a token only in its own; the secret in any. */
  async function access(request: FastifyRequest, conversationId: string, credential?: string) {
    const who = await caller(request, credential);
    if (who.kind === 'token' && who.conversationId !== conversationId) throw new AppError('DL_FORBIDDEN');
    const conv = await options.service().store.getConversation(conversationId);
    if (!conv) throw new AppError('DL_NOT_FOUND');
    return { who, conv };
  }

  function streamUrl(request: FastifyRequest, conversationId: string, token: string, watermark?: number): string {
    const base = origin(request, options.publicUrl).replace(/^http/, 'ws');
    const wm = watermark === undefined ? '' : `&watermark=${watermark}`;
    return `${base}/v3/directline/conversations/${encodeURIComponent(conversationId)}/stream?t=${encodeURIComponent(token)}${wm}`;
  }

  // ── Tokens ─────────────────────────────────────────────────────────────────────────────────────────

  app.post('/tokens/generate', async (request) => {
    const who = await caller(request);
    if (who.kind !== 'secret') throw new AppError('DL_UNAUTHORIZED', 'tokens/generate needs the secret');
    const body = (request.body ?? {}) as { user?: { id?: unknown }; merchantClaim?: unknown };
    const wanted = typeof body.user?.id === 'string' && /^[\w.:@-]{1,64}$/.test(body.user.id) ? body.user.id : undefined;
    // The provider's backend says which merchant its logged-in user is: checked before anything is made.
    const merchantId = body.merchantClaim === undefined ? undefined : await verifiedMerchant(body.merchantClaim);
    const { conversationId, userId } = await options.service().createConversation(wanted);
    if (merchantId) await options.bindMerchant!(userId, merchantId);
    return { conversationId, userId, ...(merchantId ? { merchantId } : {}), ...(await tokens.issue({ conversationId, userId })) };
  });

  app.post('/tokens/refresh', async (request) => {
    const who = await caller(request);
    if (who.kind !== 'token') throw new AppError('DL_BAD_REQUEST', 'tokens/refresh needs a token');
    return { conversationId: who.conversationId, ...(await tokens.issue(who)) };
  });

  // ── Conversations ──────────────────────────────────────────────────────────────────────────────────

  app.post('/conversations', async (request, reply) => {
    const who = await caller(request);
    let conversationId: string;
    let userId: string;
    if (who.kind === 'secret') {
      ({ conversationId, userId } = await options.service().createConversation());
    } else {
      conversationId = who.conversationId;
      userId = who.userId;
      if (!(await options.service().store.getConversation(conversationId))) throw new AppError('DL_NOT_FOUND');
    }
    const issued = await tokens.issue({ conversationId, userId });
    const locale = typeof (request.body as { locale?: unknown } | undefined)?.locale === 'string' ? (request.body as { locale: string }).locale : undefined;
    const started = await options.service().start(conversationId, origin(request, options.publicUrl), locale);
    reply.code(started ? 201 : 200);
    return { conversationId, ...issued, streamUrl: streamUrl(request, conversationId, issued.token) };
  });

  app.get<{ Params: { id: string }; Querystring: { watermark?: string } }>('/conversations/:id', async (request) => {
    const { conv } = await access(request, request.params.id);
    const watermark = parseWatermark(request.query.watermark);
    const issued = await tokens.issue({ conversationId: conv.id, userId: conv.userId });
    return { conversationId: conv.id, ...issued, streamUrl: streamUrl(request, conv.id, issued.token, watermark) };
  });

  app.get<{ Params: { id: string }; Querystring: { watermark?: string } }>('/conversations/:id/activities', async (request) => {
    await access(request, request.params.id);
    const watermark = parseWatermark(request.query.watermark);
    const service = options.service();
    const items = await service.store.listAfter(request.params.id, watermark);
    const last = items.at(-1)?.seq ?? watermark ?? 0;
    // A streamed reply still being written: its latest interim, after the stored activities (a stream
    // whose final is stored has no interim left), outside the watermark. A poller sees the text grow.
    const live = service.hub.interims(request.params.id);
    return { activities: withFileGrants(request.params.id, [...items.map((i) => i.activity), ...live]), watermark: String(last) };
  });

  app.post<{ Params: { id: string } }>('/conversations/:id/activities', async (request) => {
    const { who, conv } = await access(request, request.params.id);
    const body = request.body as Partial<Activity> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('DL_BAD_REQUEST', 'the body must be an activity object');
    const userId = who.kind === 'token' ? who.userId : conv.userId;
    // The official Web Chat sends `attachments: []` with every text message: no files, nothing to refuse.
    if (body.attachments !== undefined && !(Array.isArray(body.attachments) && body.attachments.length === 0)) {
      // Files come through /upload, where their bytes are checked; links to elsewhere are not accepted.
      throw new AppError('DL_BAD_REQUEST', 'send files with the upload call');
    }
    const { attachments: _none, ...activity } = body;
    const { id } = await options.service().post(conv.id, userId, activity, origin(request, options.publicUrl));
    return { id };
  });

  app.post<{ Params: { id: string }; Querystring: { userId?: string } }>('/conversations/:id/upload', async (request) => {
    const { who, conv } = await access(request, request.params.id);
    if (!request.isMultipart()) throw new AppError('DL_BAD_REQUEST', 'upload needs multipart/form-data');
    // Limits before any byte is read: the declared size, then the message rate.
    const declared = Number(request.headers['content-length']);
    const most = options.uploadMaxFiles * options.uploadMaxBytes + 64 * 1024;
    if (Number.isFinite(declared) && declared > most) {
      throw new AppError('DL_ATTACHMENT_TOO_LARGE', `the upload is ${declared} bytes`, { details: { maxBytes: options.uploadMaxBytes } });
    }
    const service = options.service();
    await service.takeRate(conv.id);
    let activity: Partial<Activity> = { type: 'message' };
    const accepted: { stored: StoredFile; bytes: Buffer; name: string }[] = [];
    const base = `${origin(request, options.publicUrl)}/v3/directline/conversations/${encodeURIComponent(conv.id)}/files`;
    let files = 0;
    // Clients send the activity as a Blob, which counts as a file: the parser allows one more than the
    // limit plus that part, so that the count below gives the specific error.
    for await (const part of request.parts({ limits: { fileSize: options.uploadMaxBytes, files: options.uploadMaxFiles + 2 } })) {
      if (part.fieldname === 'activity') {
        const raw = part.type === 'file' ? (await part.toBuffer()).toString('utf8') : String(part.value);
        try {
          activity = JSON.parse(raw) as Partial<Activity>;
        } catch {
          throw new AppError('DL_BAD_REQUEST', 'the activity part is not JSON');
        }
        continue;
      }
      if (part.type !== 'file') continue;
      files += 1;
      if (files > options.uploadMaxFiles) throw new AppError('DL_TOO_MANY_ATTACHMENTS', `at most ${options.uploadMaxFiles}`, { details: { max: options.uploadMaxFiles } });
      let bytes: Buffer;
      try {
        bytes = await part.toBuffer();
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
          throw new AppError('DL_ATTACHMENT_TOO_LARGE', safeName(part.filename), { details: { maxBytes: options.uploadMaxBytes } });
        }
        throw err;
      }
      const name = safeName(part.filename);
      accepted.push({ stored: await inspectFile(bytes, name), bytes, name });
    }
    if (accepted.length === 0) throw new AppError('DL_BAD_REQUEST', 'no file in the upload');
    // The whole upload was read and checked; only now is anything written, within the quota.
    const used = await service.store.fileBytes(conv.id);
    const adding = accepted.reduce((sum, f) => sum + f.stored.size, 0);
    if (used + adding > options.uploadConversationMaxBytes) {
      throw new AppError('DL_UPLOAD_QUOTA', `${used} + ${adding} > ${options.uploadConversationMaxBytes} bytes`, {
        details: { maxBytes: options.uploadConversationMaxBytes },
      });
    }
    const attachments: NonNullable<Activity['attachments']> = [];
    for (const { stored, bytes, name } of accepted) {
      writeStoredFile(options.filesDir, stored, bytes);
      await service.store.addFile(conv.id, stored.file, stored.contentType, stored.size);
      attachments.push({ contentType: stored.contentType, contentUrl: `${base}/${stored.file}`, name });
    }
    const userId = who.kind === 'token' ? who.userId : (request.query.userId ?? conv.userId);
    const { id } = await service.post(conv.id, userId, { ...activity, attachments }, origin(request, options.publicUrl), { rateTaken: true });
    return { id };
  });

  app.get<{ Params: { id: string; file: string }; Querystring: { t?: string } }>('/conversations/:id/files/:file', async (request, reply) => {
    await access(request, request.params.id, bearer(request) ?? request.query.t);
    return sendStoredFile(reply, request.params.id, request.params.file);
  });

  // The same file through a grant in the path (links handed to clients): no token needed, none leaked.
  app.get<{ Params: { id: string; grant: string; file: string } }>('/conversations/:id/files/:grant/:file', async (request, reply) => {
    const { id, grant, file } = request.params;
    if (!tokens.checkFileGrant(id, file, grant)) throw new AppError('DL_FORBIDDEN');
    return sendStoredFile(reply, id, file);
  });

  async function sendStoredFile(reply: FastifyReply, conversationId: string, file: string): Promise<FastifyReply> {
    const meta = STORED_FILE.test(file) ? await options.service().store.getFile(conversationId, file) : undefined;
    if (!meta) throw new AppError('DL_NOT_FOUND');
    const { createReadStream } = await import('node:fs');
    reply
      .header('content-type', meta.contentType)
      .header('content-length', meta.size)
      .header('cache-control', 'private, max-age=3600')
      .header('content-disposition', 'inline')
      .header('x-content-type-options', 'nosniff');
    return reply.send(createReadStream(`${options.filesDir}/${file}`));
  }

  // ── Stream ─────────────────────────────────────────────────────────────────────────────────────────

  app.get<{ Params: { id: string }; Querystring: { t?: string; watermark?: string } }>(
    '/conversations/:id/stream',
    { websocket: true },
    async (socket: WebSocket, request: FastifyRequest<{ Params: { id: string }; Querystring: { t?: string; watermark?: string } }>) => {
      let conversationId: string;
      let lastSent: number | undefined;
      try {
        ({ conv: { id: conversationId } } = await access(request, request.params.id, request.query.t ?? bearer(request)));
        lastSent = parseWatermark(request.query.watermark);
      } catch (err) {
        const code = err instanceof AppError ? err.code : 'DL_BAD_REQUEST';
        socket.close(err instanceof AppError && err.status === 403 ? 4403 : 4401, code);
        return;
      }
      const store = options.service().store;
      // One pump at a time per socket: each wake-up sends exactly what is after the last watermark sent.
      const hub = options.service().hub;
      let pumping = Promise.resolve();
      const sendLive = (activities: Partial<Activity>[]) =>
        socket.send(JSON.stringify({ activities, watermark: lastSent === undefined ? undefined : String(lastSent) }));
      const pump = (ephemeral?: Partial<Activity>, withLive = false) => {
        pumping = pumping.then(async () => {
          if (socket.readyState !== socket.OPEN) return;
          if (ephemeral) {
            sendLive([ephemeral]);
            return;
          }
          // Page through everything after the last watermark sent (a long history is several frames).
          for (;;) {
            const items = await store.listAfter(conversationId, lastSent, STREAM_PAGE);
            if (items.length === 0 || socket.readyState !== socket.OPEN) break;
            lastSent = items.at(-1)!.seq;
            socket.send(JSON.stringify({ activities: withFileGrants(conversationId, items.map((i) => i.activity)), watermark: String(lastSent) }));
            if (items.length < STREAM_PAGE) break;
          }
          // Connected in the middle of a streamed reply: the text so far, after the history.
          const live = withLive && socket.readyState === socket.OPEN ? hub.interims(conversationId) : [];
          if (live.length > 0) sendLive(live);
        }).catch((err: unknown) => request.log.warn({ err, conversationId }, 'stream send failed'));
      };
      // Each stream costs a socket and a subscription: a client opening streams without end closes its
      // own oldest (a reconnecting Web Chat's previous stream is usually already dead).
      const open = streams.get(conversationId) ?? [];
      open.push(socket);
      streams.set(conversationId, open);
      while (open.length > maxStreams) open.shift()!.close(4008, 'DL_TOO_MANY_STREAMS');
      const unsubscribe = hub.subscribe(conversationId, (ephemeral) => pump(ephemeral));
      const ping = setInterval(() => socket.readyState === socket.OPEN && socket.ping(), STREAM_PING_MS);
      socket.on('close', () => {
        unsubscribe();
        clearInterval(ping);
        const left = (streams.get(conversationId) ?? []).filter((s) => s !== socket);
        if (left.length) streams.set(conversationId, left);
        else streams.delete(conversationId);
      });
      // Client frames are pings ("") or ignored; Direct Line does not take activities over the stream.
      socket.on('message', () => undefined);
      pump(undefined, true);
    },
  );
}

export function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  if (err.code === 'DL_RATE_LIMITED' && typeof err.details?.retryAfterSeconds === 'number') {
    void reply.header('retry-after', String(err.details.retryAfterSeconds));
  }
  return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
}
