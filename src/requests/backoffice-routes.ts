/**
 * The back-office API (a fastify plugin), every route behind `Authorization: Bearer <BACKOFFICE_API_KEY>`:
 *
 * | route | what it does |
 * |---|---|
 * | `POST /api/requests/:id/status` | body `{status, reason?, actor?}`: records a decision along the status machine, tells the merchant (`notify`), answers the request with its history |
 * | `GET /api/requests/:id` | the request, its history and supplements |
 * | `GET /api/requests/:id/files/:file` | a proof file of that request (attachments and supplements only) |
 *
 * Errors are `{"error": {"code", "message"}}`: 401 `BACKOFFICE_UNAUTHORIZED`, 503
 * `BACKOFFICE_NOT_CONFIGURED` (no key set: the API is off), 404 `REQUEST_NOT_FOUND`, 409
 * `REQUEST_INVALID_TRANSITION`, 400 `REQUEST_INVALID` / `REQUEST_REASON_REQUIRED`.
 *
 * The plugin is encapsulated (its own error handler); register it without a prefix.
 */
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, isAppError } from '../core/errors.js';
import { bearerToken, safeEqual } from './api-key.js';
import {
  eventView,
  requestView,
  supplementView,
  type RequestDetails,
  type RequestEvent,
  type RequestRecord,
  type RequestStore,
} from './request-store.js';
import { REQUEST_STATUSES, type Actor } from './status.js';
import { maskCardNumbers } from '../privacy/card-mask.js';
import type { IdentityStore } from '../identity/identity-store.js';

export interface BackofficeRouteOptions {
  /** The store, or a getter (which may throw `SERVER_NOT_READY` while the server starts). */
  requests: RequestStore | (() => RequestStore);
  /** `BACKOFFICE_API_KEY`; unset = every route answers 503 `BACKOFFICE_NOT_CONFIGURED`. */
  apiKey: string | undefined;
  /**
   * Tells the merchant about a decision on their channel (wired to `adapter.continueConversation` with
   * `request.conversationRef`). Awaited; a failure is logged and leaves the event unnotified
   * (`RequestStore.pendingNotifications`), it does not undo the decision.
   */
  notify?: (request: RequestRecord, event: RequestEvent) => unknown;
  /** Where channels store files (`<sha256>.<ext>`); without it the file route answers 404. */
  filesDir?: string;
  /** Binding codes; without it the binding-code route answers 404. */
  identities?: () => IdentityStore;
}

/** Merchant IDs as acquirers print them: 6–32 letters and digits (UnionPay's are 15 digits). */
const MERCHANT_ID = /^[0-9A-Za-z]{6,32}$/;

const StatusBody = z
  .object({
    status: z.enum(REQUEST_STATUSES, { error: `status must be one of ${REQUEST_STATUSES.join(', ')}` }),
    reason: z.string().max(2000, 'reason: at most 2000 characters').nullish(),
    actor: z
      .string()
      .regex(/^(?:backoffice|agent:[^\s\u0000-\u001f].{0,79})$/s, 'actor must be "backoffice" or "agent:<name>"')
      .optional(),
  })
  .strict();

function details(d: RequestDetails): Record<string, unknown> {
  return {
    request: requestView(d.request),
    history: d.history.map(eventView),
    supplements: d.supplements.map(supplementView),
  };
}

function sendError(reply: FastifyReply, err: AppError): FastifyReply {
  if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
  return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
}

export async function backofficeRoutes(app: FastifyInstance, options: BackofficeRouteOptions): Promise<void> {
  const store = (): RequestStore => (typeof options.requests === 'function' ? options.requests() : options.requests);

  app.setErrorHandler((err, request, reply) => {
    if (isAppError(err)) {
      if (err.status >= 500) request.log.error({ err }, 'back-office API error');
      return sendError(reply, err);
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) {
      // fastify's own: malformed JSON, wrong content type, body too large.
      return reply.code(status).send({ error: { code: 'REQUEST_INVALID', message: (err as Error).message } });
    }
    request.log.error({ err }, 'back-office API error');
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Internal error' } });
  });

  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (!options.apiKey) throw new AppError('BACKOFFICE_NOT_CONFIGURED');
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !safeEqual(token, options.apiKey)) throw new AppError('BACKOFFICE_UNAUTHORIZED');
  });

  // A one-time code that binds whoever sends it to the bot to this merchant: the back office shows it in
  // the merchant portal (after the merchant logged in there) or texts it to the phone on file.
  app.post<{ Params: { id: string } }>('/api/merchants/:id/binding-codes', async (request, reply) => {
    if (!options.identities) throw new AppError('REQUEST_NOT_FOUND', 'binding codes are not enabled');
    const merchantId = request.params.id;
    if (!MERCHANT_ID.test(merchantId)) throw new AppError('REQUEST_INVALID', 'the merchant ID must be 6–32 letters and digits');
    const { code, expiresAt } = await options.identities().issueCode(merchantId);
    return reply.code(201).header('cache-control', 'no-store').send({ merchantId, code, expiresAt: expiresAt.toISOString() });
  });

  app.get<{ Params: { id: string } }>('/api/requests/:id', async (request) => {
    const found = await store().details(request.params.id);
    if (!found) throw new AppError('REQUEST_NOT_FOUND', request.params.id);
    return details(found);
  });

  app.post<{ Params: { id: string } }>('/api/requests/:id/status', async (request) => {
    const parsed = StatusBody.safeParse(request.body ?? undefined);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 && !issue.message.startsWith(String(issue.path[0])) ? `${issue.path.join('.')}: ` : '';
      throw new AppError('REQUEST_INVALID', `${where}${issue?.message ?? 'expected {status, reason?, actor?}'}`);
    }
    const { status, reason, actor } = parsed.data;
    const requests = store();
    // A retry of the change just made (the answer was lost on the way back) is answered as the change
    // was, not with a 409: the same status, from the same actor, with the same reason, as the last event.
    const current = await requests.details(request.params.id);
    const lastEvent = current?.history.at(-1);
    if (
      current &&
      lastEvent &&
      lastEvent.from !== null &&
      current.request.status === status &&
      lastEvent.to === status &&
      lastEvent.actor === (actor ?? 'backoffice') &&
      (lastEvent.reason ?? null) === (reason?.trim() ? maskCardNumbers(reason.trim().slice(0, 2000)).text : null)
    ) {
      return { ...details(current), event: eventView(lastEvent), notified: lastEvent.notifiedAt !== null, repeated: true };
    }
    const event = await requests.transition(request.params.id, status, { actor: (actor ?? 'backoffice') as Actor, reason });
    const after = await requests.details(request.params.id);
    if (!after) throw new AppError('REQUEST_NOT_FOUND', request.params.id);

    let notified = false;
    if (options.notify) {
      try {
        await options.notify(after.request, event);
        await requests.markNotified(event.id);
        notified = true;
      } catch (err) {
        request.log.error({ err, requestId: after.request.id, eventId: event.id }, 'could not notify the merchant of a decision');
      }
    }
    return { ...details(after), event: eventView(event), notified };
  });

  app.get<{ Params: { id: string; file: string } }>('/api/requests/:id/files/:file', async (request, reply) => {
    const found = await store().details(request.params.id);
    if (!found) throw new AppError('REQUEST_NOT_FOUND', request.params.id);
    const files = [...found.request.attachments, ...found.supplements.flatMap((s) => s.files)];
    const file = files.find((f) => f.file === request.params.file);
    const path = file && options.filesDir ? join(options.filesDir, file.file) : undefined;
    if (!file || !path || !existsSync(path)) throw new AppError('REQUEST_NOT_FOUND', `no file ${request.params.file} in this request`);
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.file}"`)
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(path));
  });
}
