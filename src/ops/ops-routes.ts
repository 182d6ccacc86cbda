/**
 * The supervisors' side of the agent console API: the audit log (`GET /agent/api/audit`). Registered in
 * the console's scope, so the agentAuth guard (401 without a session) and its error handler apply; every
 * route here also needs the supervisor role (403 `AGENT_FORBIDDEN` for an agent).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { agentErrorHandler, requireRole } from '../handoff/agents/index.js';
import { parse } from '../handoff/console-routes.js';
import { AUDIT_PAGE_MAX, type AuditLog } from './audit-log.js';

export interface OpsRouteOptions {
  audit: AuditLog;
}

/** A day (`2026-12-01`, from its start, UTC) or an ISO instant. */
const Instant = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, 'a day (YYYY-MM-DD) or an ISO instant (…Z)')
  .transform((v) => (v.length === 10 ? `${v}T00:00:00.000Z` : v))
  .refine((v) => !Number.isNaN(Date.parse(v)), 'not a date');

const AuditQuery = z
  .object({
    actor: z.string().min(1).max(64).optional(),
    action: z.string().regex(/^[a-z_]+(\.[a-z_]+)?$/, 'an action (handoff.claim) or an area (handoff)').optional(),
    targetType: z.string().regex(/^[a-z_]+$/).optional(),
    targetId: z.string().min(1).max(200).optional(),
    since: Instant.optional(),
    until: Instant.optional(),
    before: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).optional(),
  })
  .strict();

export async function opsRoutes(app: FastifyInstance, options: OpsRouteOptions): Promise<void> {
  app.setErrorHandler(agentErrorHandler);

  // ── Audit log ────────────────────────────────────────────────────────────────────────────────────
  // Newest first; `next` is the `before` of the following page.
  app.get('/agent/api/audit', async (request) => {
    requireRole(request, 'supervisor');
    const query = parse(AuditQuery, request.query);
    return options.audit.list(query);
  });
}
