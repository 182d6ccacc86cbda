/**
 * Agent console authentication (a fastify plugin):
 *
 * | route | what it does |
 * |---|---|
 * | `POST /agent/api/login` | body `{name, password}` → `{agent, csrfToken, expiresAt}` and the session cookie |
 * | `POST /agent/api/logout` | ends the session (needs the session and `x-csrf-token`) → 204, cookie cleared |
 * | `GET /agent/api/me` | `{agent, csrfToken, expiresAt}` of the current session (the console's start-up call) |
 *
 * and one guard for EVERY route under `/agent/api/` but login, wherever it is registered (`requireAgent`):
 * 401 `AGENT_UNAUTHORIZED` without a live session; 403 `AGENT_CSRF` when a request that is not GET/HEAD
 * lacks `x-csrf-token` equal to the session's CSRF token, or when a change or a WebSocket upgrade comes
 * with a foreign `Origin`. A passing request has `request.agent` and `request.agentSession`, counts as the
 * agent's activity (presence online) and is answered with `Cache-Control: no-store`.
 *
 * The cookie (`pa_agent`) is `HttpOnly; SameSite=Strict; Path=/agent`, `Secure` when the request came
 * over https (directly, by `X-Forwarded-Proto`, or because `PUBLIC_URL` is https). Logins are limited per
 * client address (`loginsPerMinute`, default 20) on top of the per-account lockout of `AgentStore`; both
 * answer 429 `AGENT_LOCKED` with `Retry-After`. Errors are `{"error": {"code", "message"}}` (429s add
 * `retryAfterSeconds`), sent by the guard itself, so they do not depend on the app's error handler.
 *
 * Registration: the plugin is NOT encapsulated (`skip-override`, as fastify-plugin does): register it on
 * the root instance, before the console's routes and sockets, and they are guarded with nothing more to
 * do. It decorates the instance with `agentAuth` (`AgentAuth`: the stores, `agentFromCookieHeader` for
 * socket code) and requests with `agent` / `agentSession`.
 *
 * ```ts
 * await app.register(agentAuth, { db, config });
 * await app.register(consoleRoutes, { ... });   // request.agent is set in every /agent/api/ handler
 * ```
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AppError, isAppError } from '../../core/errors.js';
import { RateLimiter } from '../../core/rate-limiter.js';
import { safeEqual } from '../../requests/api-key.js';
import type { Database } from '../../store/schema.js';
import { AgentStore, type AgentRole, type AgentStoreOptions, type AgentView } from './agent-store.js';
import { PASSWORD_MAX_LENGTH } from './passwords.js';
import { SessionStore, sessionId, type AgentSession, type SessionStoreOptions } from './sessions.js';
import type { AuditLog } from '../../ops/audit-log.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in agent, on every route under `/agent/api/` (set by `requireAgent`). */
    agent?: AgentView;
    agentSession?: AgentSession;
  }
  interface FastifyInstance {
    agentAuth: AgentAuth;
  }
}

export const DEFAULT_COOKIE_NAME = 'pa_agent';
export const CONSOLE_API_PREFIX = '/agent/api/';
export const LOGIN_PATH = '/agent/api/login';
/** The cookie goes only to the console (its page, API and socket), never to the merchants' routes. */
export const COOKIE_PATH = '/agent';
export const CSRF_HEADER = 'x-csrf-token';
export const DEFAULT_LOGINS_PER_MINUTE = 20;

const SAFE_METHODS = new Set(['GET', 'HEAD']);

export interface AgentAuthOptions {
  db: Kysely<Database>;
  /** `config.handoff.{sessionHours, loginMaxFailures, lockoutMinutes}`; `publicUrl` (https → Secure cookie). */
  config: {
    handoff: AgentStoreOptions & SessionStoreOptions;
    publicUrl?: string | undefined;
  };
  cookieName?: string;
  /** Login attempts allowed per client address and minute. */
  loginsPerMinute?: number;
  /** The clock (tests). */
  now?: () => Date;
  /** Where logins and logouts are recorded. */
  audit?: AuditLog;
}

/** What the plugin decorates the instance with (`app.agentAuth`). */
export interface AgentAuth {
  readonly agents: AgentStore;
  readonly sessions: SessionStore;
  readonly cookieName: string;
  now(): Date;
  /** The agent and session of a `Cookie` header (a WebSocket upgrade), or undefined. Touches nothing. */
  sessionFromCookieHeader(header: string | string[] | undefined, now?: Date): Promise<{ agent: AgentView; session: AgentSession } | undefined>;
  /** The agent of a `Cookie` header, or undefined. */
  agentFromCookieHeader(header: string | string[] | undefined, now?: Date): Promise<AgentView | undefined>;
  /** Whether an `Origin` header may drive the console (absent, same host as the request, or `PUBLIC_URL`). */
  isAllowedOrigin(request: FastifyRequest): boolean;
  /** Called with the session id when a session ends by logout here (the console closes its sockets at once). */
  onSessionEnd(listener: (sessionId: string) => void): void;
}

// ── Cookies ─────────────────────────────────────────────────────────────────────────────────────────

/** The first value of cookie `name` in a `Cookie` header. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value;
  }
  return undefined;
}

function isHttps(request: FastifyRequest, publicUrl: string | undefined): boolean {
  if (request.protocol === 'https') return true;
  // Behind a TLS-terminating proxy. Only ever ADDS `Secure`, so trusting the header risks nothing.
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https' || (publicUrl?.startsWith('https:') ?? false);
}

function sessionCookie(name: string, value: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${name}=${value}`, `Max-Age=${maxAgeSeconds}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}

// ── Errors ──────────────────────────────────────────────────────────────────────────────────────────

/** `{"error": {"code", "message"}}` with the error's status (and `Retry-After` on a 429). */
export function sendAgentError(reply: FastifyReply, err: AppError): FastifyReply {
  const body: { code: string; message: string; retryAfterSeconds?: number } = { code: err.code, message: err.message };
  const retry = err.details?.retryAfterSeconds;
  if (err.status === 429 && typeof retry === 'number') {
    void reply.header('retry-after', String(retry));
    body.retryAfterSeconds = retry;
  }
  return reply.code(err.status).header('cache-control', 'no-store').send({ error: body });
}

/** An error handler for console plugins: `AppError`s as above, fastify's own 4xx as `AGENT_INVALID`. */
export function agentErrorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (isAppError(err)) {
    if (err.status >= 500) request.log.error({ err }, 'agent console error');
    return sendAgentError(reply, err);
  }
  const status = (err as { statusCode?: number }).statusCode ?? 500;
  if (status < 500) {
    return reply.code(status).send({ error: { code: 'AGENT_INVALID', message: err.message } });
  }
  request.log.error({ err }, 'agent console error');
  return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Internal error' } });
}

// ── The guard ───────────────────────────────────────────────────────────────────────────────────────

/** The route pattern (or, for no route, the path) falls under `/agent/api/` and is not the login. */
export function isConsoleApiRequest(request: FastifyRequest): boolean {
  // The matched pattern, not the raw URL: `/%61gent/api/x` may reach the route `/agent/api/x`.
  const path = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
  return (path.startsWith(CONSOLE_API_PREFIX) || path === CONSOLE_API_PREFIX.slice(0, -1)) && path !== LOGIN_PATH;
}

/**
 * The guard, as an onRequest/preHandler hook. The plugin runs it on every console API route already;
 * export it for a route outside `/agent/api/` that needs an agent too (`{ onRequest: requireAgent }`).
 */
export async function requireAgent(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  if (request.agent) return undefined; // already checked for this request
  const auth = request.server.agentAuth;
  if (!auth) throw new Error('requireAgent: the agentAuth plugin is not registered on this instance');
  const now = auth.now();
  const token = readCookie(request.headers.cookie, auth.cookieName);
  const found = token ? await auth.sessions.lookup(token, now) : undefined;
  if (!token || !found) return sendAgentError(reply, new AppError('AGENT_UNAUTHORIZED'));
  const isUpgrade = (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
  if (!SAFE_METHODS.has(request.method)) {
    const header = request.headers[CSRF_HEADER];
    if (typeof header !== 'string' || !safeEqual(header, found.session.csrfToken)) {
      return sendAgentError(reply, new AppError('AGENT_CSRF', `send the session's token in ${CSRF_HEADER}`));
    }
  }
  // A socket has no CSRF header: a page elsewhere opening one with the agent's cookie is refused by Origin.
  if ((isUpgrade || !SAFE_METHODS.has(request.method)) && !auth.isAllowedOrigin(request)) {
    return sendAgentError(reply, new AppError('AGENT_CSRF', 'this origin may not use the agent console'));
  }
  await auth.sessions.touch(token, now);
  await auth.agents.touch(found.agent.id, now);
  request.agent = { ...found.agent, presence: 'online' };
  request.agentSession = found.session;
  void reply.header('cache-control', 'no-store');
  return undefined;
}

/** The logged-in agent of a guarded route; `AGENT_UNAUTHORIZED` if there is none (a route left unguarded). */
export function currentAgent(request: FastifyRequest): AgentView {
  if (!request.agent) throw new AppError('AGENT_UNAUTHORIZED');
  return request.agent;
}

/** Throws `AGENT_FORBIDDEN` unless the agent has `role` (a supervisor may do whatever an agent may). */
export function requireRole(request: FastifyRequest, role: AgentRole): AgentView {
  const agent = currentAgent(request);
  if (role === 'supervisor' && agent.role !== 'supervisor') throw new AppError('AGENT_FORBIDDEN', 'supervisors only');
  return agent;
}

// ── The plugin ──────────────────────────────────────────────────────────────────────────────────────

const LoginBody = z.object({
  name: z.string().min(1).max(64),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});

async function agentAuthPlugin(app: FastifyInstance, options: AgentAuthOptions): Promise<void> {
  const cookieName = options.cookieName ?? DEFAULT_COOKIE_NAME;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cookieName)) throw new Error(`agentAuth: invalid cookie name ${JSON.stringify(cookieName)}`);
  const now = options.now ?? (() => new Date());
  const publicUrl = options.config.publicUrl;
  const publicOrigin = publicUrl ? new URL(publicUrl).origin : undefined;
  const agents = new AgentStore(options.db, options.config.handoff);
  const sessions = new SessionStore(options.db, options.config.handoff);
  const loginLimiter = new RateLimiter(options.loginsPerMinute ?? DEFAULT_LOGINS_PER_MINUTE, 60_000, () => now().getTime());

  const sessionFromCookieHeader: AgentAuth['sessionFromCookieHeader'] = async (header, at = now()) => {
    const token = readCookie(header, cookieName);
    return token ? sessions.lookup(token, at) : undefined;
  };
  const endListeners: ((sessionId: string) => void)[] = [];
  const ended = (token: string) => {
    for (const listener of endListeners) listener(sessionId(token));
  };
  const auth: AgentAuth = {
    agents,
    sessions,
    onSessionEnd: (listener) => void endListeners.push(listener),
    cookieName,
    now,
    sessionFromCookieHeader,
    agentFromCookieHeader: async (header, at) => (await sessionFromCookieHeader(header, at))?.agent,
    isAllowedOrigin(request) {
      const origin = request.headers.origin;
      if (origin === undefined) return true; // not a browser, or a same-origin GET
      try {
        const url = new URL(origin);
        return url.host === request.host || url.origin === publicOrigin;
      } catch {
        return false; // "null" (sandboxed frames, file:) included
      }
    },
  };
  app.decorate('agentAuth', auth);
  if (!app.hasRequestDecorator('agent')) app.decorateRequest('agent', undefined);
  if (!app.hasRequestDecorator('agentSession')) app.decorateRequest('agentSession', undefined);

  app.addHook('onRequest', async (request, reply) => {
    if (!isConsoleApiRequest(request)) return undefined;
    return requireAgent(request, reply);
  });

  // The routes, in their own scope for their error handler (the hook above, on the parent, covers them).
  await app.register(async (routes) => {
    routes.setErrorHandler(agentErrorHandler);

    routes.post(LOGIN_PATH, async (request, reply) => {
      const at = now();
      const wait = loginLimiter.take(request.ip);
      if (wait > 0) {
        throw new AppError('AGENT_LOCKED', 'too many login attempts from this address', {
          details: { retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) },
        });
      }
      // JSON only (a form or text/plain post from another site never parses), and from this site.
      if (!auth.isAllowedOrigin(request)) throw new AppError('AGENT_CSRF', 'this origin may not use the agent console');
      const parsed = LoginBody.safeParse(request.body ?? undefined);
      if (!parsed.success) throw new AppError('AGENT_INVALID', 'expected {"name": "...", "password": "..."}');
      const agent = await agents.verifyLogin(parsed.data.name, parsed.data.password, at, request.ip);
      // A browser that was logged in (maybe as someone else) gets a new session; the old one ends.
      const previous = readCookie(request.headers.cookie, cookieName);
      if (previous) {
        await sessions.delete(previous);
        ended(previous);
      }
      const session = await sessions.create(agent.id, at);
      request.log.info({ agent: agent.name }, 'agent logged in');
      await options.audit?.record({ actor: agent, action: 'agent.login', targetType: 'agent', targetId: String(agent.id), client: request.ip });
      return reply
        .header('set-cookie', sessionCookie(cookieName, session.token, sessions.ttlSeconds, isHttps(request, publicUrl)))
        .header('cache-control', 'no-store')
        .send({ agent, csrfToken: session.csrfToken, expiresAt: session.expiresAt });
    });

    routes.post('/agent/api/logout', async (request, reply) => {
      const agent = currentAgent(request);
      const token = readCookie(request.headers.cookie, cookieName);
      if (token) {
        await sessions.delete(token);
        ended(token);
      }
      // Offline unless the agent is still logged in elsewhere (another browser).
      if ((await sessions.countForAgent(agent.id, now())) === 0) await agents.setPresence(agent.id, 'offline', now());
      request.log.info({ agent: agent.name }, 'agent logged out');
      await options.audit?.record({ actor: agent, action: 'agent.logout', targetType: 'agent', targetId: String(agent.id), client: request.ip });
      return reply.header('set-cookie', sessionCookie(cookieName, '', 0, isHttps(request, publicUrl))).code(204).send();
    });

    routes.get('/agent/api/me', async (request) => {
      const agent = currentAgent(request);
      const session = request.agentSession!;
      return { agent, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
    });
  });
}

/** The plugin (see the module comment). Not encapsulated: the guard and decorations reach the whole app. */
export const agentAuth = Object.assign(agentAuthPlugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'agent-auth',
});
