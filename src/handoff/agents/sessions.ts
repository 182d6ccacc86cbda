/**
 * Console sessions (`agent_sessions`). The browser holds a random token in an httpOnly cookie; the table
 * holds only its SHA-256, so a copy of the database (a backup, a support dump) logs nobody in. Each
 * session has its own CSRF token, which the console sends back in `x-csrf-token` on every change.
 *
 * A session lasts `sessionHours` from login, however active (`config.handoff.sessionHours`): an expired
 * one is deleted when it is next presented.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { agentView, type AgentView } from './agent-store.js';

/** What `create` hands out: the token goes in the cookie, the CSRF token to the page. */
export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

export interface AgentSession {
  /** SHA-256 (hex) of the token: safe to log or compare, useless to log in with. */
  id: string;
  agentId: number;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt: string;
}

/** `AGENT_SESSION_HOURS`. */
export interface SessionStoreOptions {
  sessionHours: number;
}

/** 32 random bytes, base64url: 43 characters. Anything else is not a token and is not looked up. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sessionId(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export class SessionStore {
  private readonly ttlMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    options: SessionStoreOptions = { sessionHours: 12 },
  ) {
    this.ttlMs = options.sessionHours * 3_600_000;
  }

  /** Session lifetime in seconds (the cookie's Max-Age). */
  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  async create(agentId: number, now: Date = new Date()): Promise<NewSession> {
    const token = newToken();
    const csrfToken = newToken();
    const expiresAt = new Date(now.getTime() + this.ttlMs).toISOString();
    await this.db
      .insertInto('agent_sessions')
      .values({
        id: sessionId(token),
        agent_id: agentId,
        csrf_token: csrfToken,
        created_at: now.toISOString(),
        expires_at: expiresAt,
        last_seen_at: now.toISOString(),
      })
      .execute();
    return { token, csrfToken, expiresAt };
  }

  /** The live session of this token and its agent; undefined when unknown or expired (then deleted). */
  async lookup(token: string, now: Date = new Date()): Promise<{ session: AgentSession; agent: AgentView } | undefined> {
    if (!TOKEN_PATTERN.test(token)) return undefined;
    return this.lookupById(sessionId(token), now);
  }

  /**
   * The same by the session's id (its token's hash): an open console socket re-checks its session with
   * it, so a logout, an expiry or `agents disable` closes the socket too.
   */
  async lookupById(id: string, now: Date = new Date()): Promise<{ session: AgentSession; agent: AgentView } | undefined> {
    const row = await this.db
      .selectFrom('agent_sessions as s')
      .innerJoin('agents as a', 'a.id', 's.agent_id')
      .select([
        's.id',
        's.agent_id',
        's.csrf_token',
        's.created_at',
        's.expires_at',
        's.last_seen_at',
        'a.name',
        'a.role',
        'a.presence',
        'a.display_name',
        'a.disabled_at',
      ])
      .where('s.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    if (Date.parse(row.expires_at) <= now.getTime() || row.disabled_at !== null) {
      await this.db.deleteFrom('agent_sessions').where('id', '=', id).execute();
      return undefined;
    }
    return {
      session: {
        id: row.id,
        agentId: row.agent_id,
        csrfToken: row.csrf_token,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        lastSeenAt: row.last_seen_at,
      },
      agent: agentView({ id: row.agent_id, name: row.name, role: row.role, presence: row.presence, display_name: row.display_name }),
    };
  }

  /** Records use of the session (`last_seen_at`). */
  async touch(token: string, now: Date = new Date()): Promise<void> {
    await this.db.updateTable('agent_sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', sessionId(token)).execute();
  }

  /** Ends one session (logout). Returns whether there was one. */
  async delete(token: string): Promise<boolean> {
    const result = await this.db.deleteFrom('agent_sessions').where('id', '=', sessionId(token)).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Ends every session of an agent (password change, removal, "log out everywhere"). */
  async deleteForAgent(agentId: number): Promise<number> {
    const result = await this.db.deleteFrom('agent_sessions').where('agent_id', '=', agentId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Live sessions of an agent (to tell whether logging out of one leaves the agent online elsewhere). */
  async countForAgent(agentId: number, now: Date = new Date()): Promise<number> {
    const row = await this.db
      .selectFrom('agent_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', agentId)
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Deletes expired sessions; returns how many. */
  async purgeExpired(now: Date = new Date()): Promise<number> {
    const result = await this.db.deleteFrom('agent_sessions').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
