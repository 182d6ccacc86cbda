/**
 * Console agents in SQL (`agents`, migrations 0004 and 0008): creation, login checks with a back-off,
 * presence (online / away / offline), and what operators do to accounts (disable, enable, reset a
 * password, set the name merchants see).
 *
 * Login failures are counted per account AND client (the caller's IP address): after `loginMaxFailures`
 * wrong passwords in a row from one client, that client waits before its next try — 30 s, then doubling
 * up to `lockoutMinutes` (`AGENT_LOCKED`, even with the right password). Other clients are not affected,
 * so a stranger guessing cannot lock an agent out of their own console; the per-address login rate limit
 * (auth-routes) bounds how fast any one address guesses at all. A success from a client clears that
 * client's count. An attempt is counted BEFORE its password is checked (and cleared by a success), so a
 * burst of parallel guesses cannot all pass the check while the first ones are still hashing.
 *
 * Merchants see an agent's display name ("人工客服 李华 已接入"), or "#<id>" when none is set — never the
 * login name, which is half of a credential. A disabled account cannot log in and its sessions end.
 *
 * An unknown name and a wrong password give the same `AGENT_LOGIN_FAILED`, after the same scrypt work
 * (a decoy hash), so neither the answer nor its timing tells which names exist.
 */
import { sql, type Kysely } from 'kysely';
import { writeTransaction } from '../../store/transactions.js';
import { AppError } from '../../core/errors.js';
import type { AgentsTable, Database } from '../../store/schema.js';
import type { Selectable } from 'kysely';
import { checkPasswordPolicy, decoyHash, hashPassword, verifyPassword } from './passwords.js';

export const AGENT_ROLES = ['agent', 'supervisor'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const AGENT_PRESENCES = ['online', 'away', 'offline'] as const;
export type AgentPresence = (typeof AGENT_PRESENCES)[number];

/** Agent names: what they log in with and what merchants' transcripts show as `agent:<name>`. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9_.-]{2,32}$/;

/** What the rest of the program sees of an agent (never the hash or the lockout state). */
export interface AgentView {
  id: number;
  /** The login name: shown to agents and operators only. */
  name: string;
  /** The name merchants see. */
  displayName: string;
  role: AgentRole;
  presence: AgentPresence;
}

/** An agent with the times the console's lists need. */
export interface AgentDetails extends AgentView {
  lastActiveAt: string | null;
  createdAt: string;
  disabledAt: string | null;
}

export interface NewAgent {
  name: string;
  role: AgentRole | string;
  password: string;
  displayName?: string | undefined;
}

/** Display names: 1–20 characters, no control characters or markup (merchants' chat windows show them). */
const DISPLAY_NAME = /^[^\u0000-\u001f\u007f<>"&]{1,20}$/u;

/** The back-off after `loginMaxFailures` failures from one client: 30 s, doubling per failure, capped. */
const FIRST_BACKOFF_MS = 30_000;

/** `AGENT_LOGIN_MAX_FAILURES` and `AGENT_LOCKOUT_MINUTES` (the longest back-off). */
export interface AgentStoreOptions {
  loginMaxFailures: number;
  lockoutMinutes: number;
}

type AgentRow = Selectable<AgentsTable>;

export function isAgentRole(value: unknown): value is AgentRole {
  return typeof value === 'string' && (AGENT_ROLES as readonly string[]).includes(value);
}

export function isAgentPresence(value: unknown): value is AgentPresence {
  return typeof value === 'string' && (AGENT_PRESENCES as readonly string[]).includes(value);
}

export function agentView(row: Pick<AgentRow, 'id' | 'name' | 'role' | 'presence' | 'display_name'>): AgentView {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name ?? `#${row.id}`,
    role: row.role,
    presence: isAgentPresence(row.presence) ? row.presence : 'offline',
  };
}

function agentDetails(row: AgentRow): AgentDetails {
  return { ...agentView(row), lastActiveAt: row.last_active_at, createdAt: row.created_at, disabledAt: row.disabled_at };
}

/** Throws `AGENT_INVALID` naming what is wrong with a display name; returns it trimmed. */
export function checkDisplayName(displayName: string): string {
  const trimmed = displayName.trim();
  if (!DISPLAY_NAME.test(trimmed)) throw new AppError('AGENT_INVALID', 'the display name must be 1–20 characters, without <, >, ", & or control characters');
  return trimmed;
}

/** Throws `AGENT_INVALID` naming what is wrong with the name. */
export function checkAgentName(name: string): void {
  if (!AGENT_NAME_PATTERN.test(name)) {
    throw new AppError('AGENT_INVALID', 'the name must be 2–32 characters of letters, digits, "_", "." or "-"');
  }
}

export class AgentStore {
  private readonly maxFailures: number;
  private readonly lockoutMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    options: AgentStoreOptions = { loginMaxFailures: 5, lockoutMinutes: 15 },
  ) {
    this.maxFailures = options.loginMaxFailures;
    this.lockoutMs = options.lockoutMinutes * 60_000;
  }

  /** Creates an agent (offline). `AGENT_INVALID` for a bad name, role or password, or a name in use. */
  async add(input: NewAgent, now: Date = new Date()): Promise<AgentView> {
    checkAgentName(input.name);
    if (!isAgentRole(input.role)) throw new AppError('AGENT_INVALID', `the role must be one of ${AGENT_ROLES.join(', ')}`);
    checkPasswordPolicy(input.password);
    const displayName = input.displayName === undefined ? null : checkDisplayName(input.displayName);
    // Names differing only in case would be told apart by nobody reading a transcript.
    const taken = await this.db
      .selectFrom('agents')
      .select('id')
      .where(sql<string>`lower(name)`, '=', input.name.toLowerCase())
      .executeTakeFirst();
    if (taken) throw new AppError('AGENT_INVALID', `an agent named "${input.name}" already exists`);
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await this.db
        .insertInto('agents')
        .values({ name: input.name, role: input.role, password_hash: passwordHash, display_name: displayName, created_at: now.toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow();
      return agentView(row);
    } catch (err) {
      // Two `agents add` at once: the unique index decides.
      const code = (err as { code?: unknown }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') {
        throw new AppError('AGENT_INVALID', `an agent named "${input.name}" already exists`, { cause: err });
      }
      throw err;
    }
  }

  /** Every agent, by name. */
  async list(): Promise<AgentDetails[]> {
    const rows = await this.db.selectFrom('agents').selectAll().orderBy('name').execute();
    return rows.map(agentDetails);
  }

  async get(id: number): Promise<AgentDetails | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? agentDetails(row) : undefined;
  }

  async getByName(name: string): Promise<AgentDetails | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? agentDetails(row) : undefined;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('agents')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The agent whose name and password these are, now marked online. `client` identifies the caller (its
   * IP address) for the back-off; failures of one client never make another wait. Throws `AGENT_LOGIN_FAILED` (unknown name or wrong password,
   * indistinguishably), `AGENT_LOCKED` with `details.retryAfterSeconds` (this client must wait), or
   * `AGENT_DISABLED` (right password, account switched off: only someone who knows it learns that).
   */
  async verifyLogin(name: string, password: string, now: Date = new Date(), client = 'unknown'): Promise<AgentView> {
    const nowIso = now.toISOString();
    // 1. Back-off check, and the attempt counted, in one write transaction. The attempt that reaches the
    //    limit sets the wait before its password is even checked (a success lifts it), so parallel
    //    guesses queued behind it are refused: at most `loginMaxFailures` checks are ever in flight.
    const row = await writeTransaction(this.db, async (tx) => {
      const found = await tx.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst();
      if (!found) return undefined;
      const failure = await tx.selectFrom('agent_login_failures').selectAll().where('agent_id', '=', found.id).where('client', '=', client).executeTakeFirst();
      const blockedUntil = failure?.blocked_until ? Date.parse(failure.blocked_until) : NaN;
      if (blockedUntil > now.getTime()) throw this.locked(blockedUntil, now);
      const failures = (failure?.failures ?? 0) + 1;
      const over = failures - this.maxFailures;
      const blocked = over >= 0 ? new Date(now.getTime() + Math.min(this.lockoutMs, FIRST_BACKOFF_MS * 2 ** Math.min(over, 20))).toISOString() : null;
      if (failure) {
        await tx
          .updateTable('agent_login_failures')
          .set({ failures, blocked_until: blocked, last_failed_at: nowIso })
          .where('agent_id', '=', found.id)
          .where('client', '=', client)
          .execute();
      } else {
        await tx.insertInto('agent_login_failures').values({ agent_id: found.id, client, failures, blocked_until: blocked, last_failed_at: nowIso }).execute();
      }
      return found;
    });

    // 2. The hash, outside any transaction (tens of milliseconds on the thread pool).
    const ok = await verifyPassword(password, row ? row.password_hash : await decoyHash());
    if (!row || !ok) throw new AppError('AGENT_LOGIN_FAILED');

    // 3. Success clears this client's count (and any wait it had set).
    await this.db.deleteFrom('agent_login_failures').where('agent_id', '=', row.id).where('client', '=', client).execute();
    if (row.disabled_at) throw new AppError('AGENT_DISABLED');
    const updated = await this.db
      .updateTable('agents')
      .set({ presence: 'online', last_active_at: nowIso })
      .where('id', '=', row.id)
      .where('disabled_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new AppError('AGENT_LOGIN_FAILED'); // deleted or disabled meanwhile
    return agentView(updated);
  }

  /** Switches an account off (`disabled`) or on again; returns the agent, or undefined if there is none. */
  async setDisabled(name: string, disabled: boolean, now: Date = new Date()): Promise<AgentDetails | undefined> {
    const row = await this.db
      .updateTable('agents')
      .set(disabled ? { disabled_at: now.toISOString(), presence: 'offline' } : { disabled_at: null })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
    if (row && disabled) await this.db.deleteFrom('agent_sessions').where('agent_id', '=', row.id).execute();
    return row ? agentDetails(row) : undefined;
  }

  /** A new password (policy checked); every session of the agent ends and its login back-offs are cleared. */
  async resetPassword(name: string, password: string): Promise<AgentDetails | undefined> {
    checkPasswordPolicy(password);
    const passwordHash = await hashPassword(password);
    const row = await this.db.updateTable('agents').set({ password_hash: passwordHash }).where('name', '=', name).returningAll().executeTakeFirst();
    if (!row) return undefined;
    await this.db.deleteFrom('agent_sessions').where('agent_id', '=', row.id).execute();
    await this.db.deleteFrom('agent_login_failures').where('agent_id', '=', row.id).execute();
    return agentDetails(row);
  }

  /** Sets the name merchants see. */
  async setDisplayName(name: string, displayName: string): Promise<AgentDetails | undefined> {
    const checked = checkDisplayName(displayName);
    const row = await this.db.updateTable('agents').set({ display_name: checked }).where('name', '=', name).returningAll().executeTakeFirst();
    return row ? agentDetails(row) : undefined;
  }

  /** Sets an agent's presence (`online` also counts as activity). Returns whether the agent exists. */
  async setPresence(id: number, presence: AgentPresence, now: Date = new Date()): Promise<boolean> {
    if (!isAgentPresence(presence)) throw new AppError('AGENT_INVALID', `presence must be one of ${AGENT_PRESENCES.join(', ')}`);
    const set = presence === 'online' ? { presence, last_active_at: now.toISOString() } : { presence };
    const result = await this.db.updateTable('agents').set(set).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Activity: `last_active_at` = now and presence online (an away agent is back). */
  async touch(id: number, now: Date = new Date()): Promise<void> {
    await this.db.updateTable('agents').set({ presence: 'online', last_active_at: now.toISOString() }).where('id', '=', id).execute();
  }

  /**
   * Marks online agents without activity for `awayMinutes` (`config.handoff.agentAwayMinutes`) as away;
   * returns them. For a periodic sweep by whoever routes handoffs to agents.
   */
  async markIdleAway(awayMinutes: number, now: Date = new Date()): Promise<AgentView[]> {
    const cutoff = new Date(now.getTime() - awayMinutes * 60_000).toISOString();
    const rows = await this.db
      .updateTable('agents')
      .set({ presence: 'away' })
      .where('presence', '=', 'online')
      .where((eb) => eb.or([eb('last_active_at', 'is', null), eb('last_active_at', '<', cutoff)]))
      .returningAll()
      .execute();
    return rows.map(agentView);
  }

  private locked(lockedUntil: number, now: Date): AppError {
    const retryAfterSeconds = Math.max(1, Math.ceil((lockedUntil - now.getTime()) / 1000));
    return new AppError('AGENT_LOCKED', undefined, { details: { retryAfterSeconds } });
  }
}

