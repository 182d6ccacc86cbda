/**
 * The agent console's API (`/agent/api/…`, contract in console-api.ts) and its page (`/agent`). Every
 * API route and the socket sit behind the agentAuth guard (401 without a session, CSRF on changes);
 * ownership is the handoff service's (409 when another agent owns the conversation).
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { AppError } from '../core/errors.js';
import { safeName, storeFile } from '../channels/attachments.js';
import { agentErrorHandler, currentAgent, requireRole } from './agents/index.js';
import type { RequestDetails, RequestEvent, RequestRecord, RequestStore } from '../requests/index.js';
import { REQUEST_STATUSES } from '../requests/index.js';
import type { CannedReply, FileView, RequestDetailsView, RequestSummary } from './console-api.js';
import type { HandoffService } from './handoff-service.js';
import { SESSION_ENDED_CLOSE_CODE } from './console-hub.js';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import type { IdentityStore } from '../identity/identity-store.js';
import type { AuditLog } from '../ops/audit-log.js';
import { writeTransaction } from '../store/transactions.js';

export interface ConsoleRouteOptions {
  db: Kysely<Database>;
  service: () => HandoffService;
  requests: () => RequestStore;
  /** Tells the merchant about a review decision (the same notifier as the back-office API). */
  notifyRequest: (request: RequestRecord, event: RequestEvent) => Promise<void>;
  filesDir: string;
  uploadMaxBytes: number;
  /** dist/public/agent: the console's page and assets. */
  consoleDir: string;
  /** Where canned-reply edits, unbindings and review decisions are recorded. */
  audit?: AuditLog;
  /** Bindings of channel users to merchants (a supervisor removes a wrong one). */
  identities?: () => IdentityStore;
  /**
   * How often an open socket re-checks its session (default 15 s): a session that expired or was ended
   * elsewhere (`agents disable`, `agents reset-password` from the CLI) closes its sockets within this.
   * A logout on this server closes them at once.
   */
  sessionCheckMs?: number;
}

const Text = z.object({ text: z.string().trim().min(1, 'text is empty').max(4000) }).strict();
const Transfer = z.object({ agentId: z.number().int().positive() }).strict();
const Presence = z.object({ presence: z.enum(['online', 'away']) }).strict();
const Canned = z.object({ title: z.string().trim().min(1).max(80), text: z.string().trim().min(1).max(2000) }).strict();
const Review = z.object({ status: z.enum(REQUEST_STATUSES), reason: z.string().trim().max(2000).optional() }).strict();
const Unbind = z.object({ channelId: z.string().min(1).max(100), userId: z.string().min(1).max(200), merchantId: z.string().min(1).max(64) }).strict();
const CloseTicket = z.object({ note: z.string().trim().max(2000).optional() }).strict();

/** A body (or query) checked against its schema; the first problem is a 400 `AGENT_INVALID`. */
export function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('AGENT_INVALID', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function fileView(f: { file: string; contentType: string; name: string }): FileView {
  return { file: f.file, contentType: f.contentType, name: f.name, url: `/agent/api/files/${f.file}` };
}

function requestSummary(r: RequestRecord): RequestSummary {
  return { id: r.id, ticket: r.ticket, kind: r.kind, merchantId: r.merchantId, status: r.status, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
}

function requestDetails(d: RequestDetails): RequestDetailsView {
  return {
    request: { ...requestSummary(d.request), identity: d.request.identity, noticeFailed: d.history.some((e) => e.notifyFailedAt !== null), slots: d.request.slots, attachments: d.request.attachments.map(fileView) },
    history: d.history.map((e) => ({ from: e.from, to: e.to, actor: e.actor, reason: e.reason, at: e.createdAt.toISOString(), noticeFailed: e.notifyFailedAt !== null })),
    supplements: d.supplements.map((s) => ({ files: s.files.map(fileView), note: s.note, at: s.createdAt.toISOString() })),
  };
}

const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

export async function consoleRoutes(app: FastifyInstance, options: ConsoleRouteOptions): Promise<void> {
  app.setErrorHandler(agentErrorHandler);
  const service = () => options.service();
  const sessionCheckMs = options.sessionCheckMs ?? 15_000;
  app.agentAuth.onSessionEnd((sessionId) => {
    try {
      service().hub.closeSession(sessionId);
    } catch {
      // Not started yet: no sockets to close.
    }
  });

  // ── The page ─────────────────────────────────────────────────────────────────────────────────────
  const sendAsset = (file: string) => {
    const path = join(options.consoleDir, file);
    if (!existsSync(path)) throw new AppError('HANDOFF_NOT_FOUND', `console asset ${file} (run npm run build)`);
    return readFileSync(path);
  };
  app.get('/agent', async (_request, reply) => reply.header('content-type', CONTENT_TYPES['.html']).header('cache-control', 'no-store').send(sendAsset('index.html')));
  app.get<{ Params: { asset: string } }>('/agent/:asset', async (request, reply) => {
    const asset = request.params.asset;
    const ext = /\.(js|css|map)$/.exec(asset)?.[0];
    if (!ext || !/^[\w.-]+$/.test(asset)) throw new AppError('HANDOFF_NOT_FOUND', asset);
    return reply.header('content-type', CONTENT_TYPES[ext]!).header('cache-control', 'no-cache').send(sendAsset(asset));
  });

  // ── Presence and agents ──────────────────────────────────────────────────────────────────────────
  app.post('/agent/api/presence', async (request, reply) => {
    const agent = currentAgent(request);
    const { presence } = parse(Presence, request.body);
    await request.server.agentAuth.agents.setPresence(agent.id, presence, new Date());
    service().broadcast({ type: 'agents', agents: await service().agentsOnline() });
    return reply.code(204).send();
  });
  app.get('/agent/api/agents', async () => ({ agents: await service().agentsOnline() }));

  // ── Handoffs ─────────────────────────────────────────────────────────────────────────────────────
  app.get('/agent/api/handoffs', async () => ({ handoffs: await service().queue() }));
  app.get<{ Params: { id: string } }>('/agent/api/handoffs/:id', async (request) => service().details(request.params.id));
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/claim', async (request) => ({ handoff: await service().claim(request.params.id, currentAgent(request)) }));
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/messages', async (request) => {
    const agent = currentAgent(request);
    if (request.isMultipart()) {
      // Ownership first: an agent who does not own the conversation stores no file.
      await service().owned(request.params.id, agent);
      let text = '';
      const files: (FileView & { size: number })[] = [];
      for await (const part of request.parts()) {
        if (part.type === 'field' && part.fieldname === 'text') text = String(part.value).slice(0, 4000);
        if (part.type === 'file') {
          const bytes = await part.toBuffer();
          const name = safeName(part.filename);
          const stored = await storeFile(options.filesDir, bytes, name);
          files.push({ ...fileView({ file: stored.file, contentType: stored.contentType, name }), size: stored.size });
        }
      }
      if (!text.trim() && files.length === 0) throw new AppError('AGENT_INVALID', 'a message needs text or a file');
      return { event: await service().sendToMerchant(request.params.id, agent, text.trim(), files) };
    }
    const { text } = parse(Text, request.body);
    return { event: await service().sendToMerchant(request.params.id, agent, text) };
  });
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/typing', async (request, reply) => {
    await service().agentTyping(request.params.id, currentAgent(request));
    return reply.code(204).send();
  });
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/notes', async (request) => {
    const { text } = parse(Text, request.body);
    return { event: await service().note(request.params.id, currentAgent(request), text) };
  });
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/transfer', async (request) => {
    const { agentId } = parse(Transfer, request.body);
    return { handoff: await service().transfer(request.params.id, currentAgent(request), agentId) };
  });
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/resolve', async (request) => ({ handoff: await service().finish(request.params.id, currentAgent(request), 'resolved') }));
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/handback', async (request) => ({ handoff: await service().finish(request.params.id, currentAgent(request), 'handed_back') }));
  app.post<{ Params: { id: string } }>('/agent/api/handoffs/:id/close-ticket', async (request) => {
    const { note } = parse(CloseTicket, request.body);
    return { handoff: await service().closeTicket(request.params.id, currentAgent(request), note) };
  });

  // ── Canned replies ───────────────────────────────────────────────────────────────────────────────
  const cannedView = (r: { id: number; title: string; text: string; updated_by: string; updated_at: string }): CannedReply => ({
    id: r.id,
    title: r.title,
    text: r.text,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  });
  app.get('/agent/api/canned', async () => ({ replies: (await options.db.selectFrom('canned_replies').selectAll().orderBy('title').execute()).map(cannedView) }));
  app.post('/agent/api/canned', async (request) => {
    const agent = requireRole(request, 'supervisor');
    const body = parse(Canned, request.body);
    const row = await writeTransaction(options.db, async (tx) => {
      const created = await tx
        .insertInto('canned_replies')
        .values({ title: body.title, text: body.text, updated_by: agent.name, updated_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      await options.audit?.record({ actor: agent, action: 'canned.create', targetType: 'canned_reply', targetId: String(created.id), detail: { title: body.title } }, tx);
      return created;
    });
    return { reply: cannedView(row) };
  });
  app.put<{ Params: { id: string } }>('/agent/api/canned/:id', async (request) => {
    const agent = requireRole(request, 'supervisor');
    const body = parse(Canned, request.body);
    const row = await writeTransaction(options.db, async (tx) => {
      const updated = await tx
        .updateTable('canned_replies')
        .set({ title: body.title, text: body.text, updated_by: agent.name, updated_at: new Date().toISOString() })
        .where('id', '=', Number(request.params.id))
        .returningAll()
        .executeTakeFirst();
      if (updated) await options.audit?.record({ actor: agent, action: 'canned.update', targetType: 'canned_reply', targetId: String(updated.id), detail: { title: body.title } }, tx);
      return updated;
    });
    if (!row) throw new AppError('HANDOFF_NOT_FOUND', `no canned reply ${request.params.id}`);
    return { reply: cannedView(row) };
  });
  app.delete<{ Params: { id: string } }>('/agent/api/canned/:id', async (request, reply) => {
    const agent = requireRole(request, 'supervisor');
    await writeTransaction(options.db, async (tx) => {
      const gone = await tx.deleteFrom('canned_replies').where('id', '=', Number(request.params.id)).returning('title').executeTakeFirst();
      if (gone) await options.audit?.record({ actor: agent, action: 'canned.delete', targetType: 'canned_reply', targetId: request.params.id, detail: { title: gone.title } }, tx);
    });
    return reply.code(204).send();
  });

  // ── Identities ───────────────────────────────────────────────────────────────────────────────────
  // A binding made in error (a shared phone, a former employee): supervisors remove it.
  app.post('/agent/api/identities/unbind', async (request) => {
    const supervisor = requireRole(request, 'supervisor');
    const body = parse(Unbind, request.body);
    if (!options.identities) throw new AppError('HANDOFF_NOT_FOUND', 'identities are not enabled');
    const identities = options.identities();
    const removed = await writeTransaction(options.db, async (tx) => {
      const n = await identities.unbind({ channelId: body.channelId, userId: body.userId }, body.merchantId, tx);
      if (n > 0) await options.audit?.record({ actor: supervisor, action: 'identity.unbind', targetType: 'identity', targetId: `${body.channelId}:${body.userId}`, detail: { merchantId: body.merchantId } }, tx);
      return n;
    });
    request.log.info({ supervisor: supervisor.name, channelId: body.channelId, merchantId: body.merchantId, removed }, 'identity unbound');
    return { removed };
  });

  // ── Requests (review) ────────────────────────────────────────────────────────────────────────────
  app.get<{ Querystring: { status?: string } }>('/agent/api/requests', async (request) => {
    const status = request.query.status;
    let q = options.db.selectFrom('requests').select('id').orderBy('created_at', 'desc').limit(200);
    if (status) q = q.where('status', '=', status as never);
    const ids = (await q.execute()).map((r) => r.id);
    const requests = options.requests();
    const records = (await Promise.all(ids.map((id) => requests.get(id)))).filter((r): r is RequestRecord => r !== undefined);
    const failed = await requests.withFailedNotice(records.map((r) => r.id));
    return { requests: records.map((r) => ({ ...requestSummary(r), noticeFailed: failed.has(r.id) })) };
  });
  app.get<{ Params: { id: string } }>('/agent/api/requests/:id', async (request) => {
    const found = await options.requests().details(request.params.id);
    if (!found) throw new AppError('REQUEST_NOT_FOUND', request.params.id);
    return requestDetails(found);
  });
  app.post<{ Params: { id: string } }>('/agent/api/requests/:id/review', async (request) => {
    const agent = currentAgent(request);
    const { status, reason } = parse(Review, request.body);
    const requests = options.requests();
    const event = await requests.transition(request.params.id, status, { actor: `agent:${agent.name}`, reason: reason || null });
    // Right after the decision's own transaction (the request store owns that one): a crash in between
    // leaves the decision in the request's history (actor and reason) but not here.
    const after = await requests.details(request.params.id);
    await options.audit?.record({ actor: agent, action: 'request.review', targetType: 'request', targetId: request.params.id, detail: { ticket: after?.request.ticket, from: event.from, to: event.to, ...(reason ? { reason } : {}) } });
    if (!after) throw new AppError('REQUEST_NOT_FOUND', request.params.id);
    try {
      await options.notifyRequest(after.request, event);
      await requests.markNotified(event.id);
    } catch (err) {
      request.log.warn({ err, requestId: after.request.id }, 'review decision not delivered to the merchant yet (sent at the next start)');
    }
    service().broadcast({ type: 'requests.changed' });
    return requestDetails((await requests.details(request.params.id))!);
  });

  // ── Files ────────────────────────────────────────────────────────────────────────────────────────
  app.get<{ Params: { file: string } }>('/agent/api/files/:file', async (request, reply) => {
    const file = request.params.file;
    const type = /^[0-9a-f]{64}\.(jpg|png|webp|gif|pdf)$/.exec(file)?.[1];
    const path = join(options.filesDir, file);
    if (!type || !existsSync(path)) throw new AppError('HANDOFF_NOT_FOUND', `no file ${file}`);
    const contentType = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', pdf: 'application/pdf' }[type]!;
    return reply
      .header('content-type', contentType)
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', type === 'pdf' ? `attachment; filename="${file}"` : 'inline')
      .header('cache-control', 'private, max-age=3600')
      .send(createReadStream(path));
  });

  // ── The live socket ──────────────────────────────────────────────────────────────────────────────
  app.get('/agent/api/socket', { websocket: true }, async (socket: WebSocket, request: FastifyRequest) => {
    const agent = request.agent;
    if (!agent) {
      socket.close(4401, 'AGENT_UNAUTHORIZED');
      return;
    }
    const hub = service().hub;
    const session = request.agentSession;
    const remove = hub.add(socket, agent, session?.id);
    const auth = request.server.agentAuth;
    const agents = auth.agents;
    // The session may end without this server hearing of it (expiry, the CLI): re-checked while open.
    // A socket closing while the server shuts down may find the database closed: nothing left to update.
    const quietly = (err: unknown) => request.log.debug({ err }, 'console socket bookkeeping skipped');
    const check = setInterval(() => {
      if (!session) return;
      void auth.sessions.lookupById(session.id, auth.now()).then(
        (found) => {
          if (!found && socket.readyState === 1) socket.close(SESSION_ENDED_CLOSE_CODE, 'AGENT_SESSION_ENDED');
        },
        (err: unknown) => request.log.warn({ err }, 'console socket session check failed'),
      );
    }, sessionCheckMs);
    check.unref();
    await agents.setPresence(agent.id, 'online', new Date());
    hub.send(socket, { type: 'hello', agent: { ...agent, presence: 'online' } });
    hub.send(socket, { type: 'queue', handoffs: await service().queue() });
    hub.broadcast({ type: 'agents', agents: await service().agentsOnline() });
    socket.on('message', (data: Buffer) => {
      let message: { type?: string } = {};
      try {
        message = JSON.parse(data.toString('utf8')) as { type?: string };
      } catch {
        return;
      }
      if (message.type === 'activity') void agents.touch(agent.id, new Date()).catch(quietly);
    });
    socket.on('close', () => {
      clearInterval(check);
      remove();
      if (!hub.connectedAgentIds().has(agent.id)) {
        void agents
          .setPresence(agent.id, 'offline', new Date())
          .then(async () => hub.broadcast({ type: 'agents', agents: await service().agentsOnline() }))
          .catch(quietly);
      }
    });
  });
}
