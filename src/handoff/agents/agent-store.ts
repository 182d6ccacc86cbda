/**
 * Console agents in SQL (`agents`, migration 0004): creation, login checks with an account lockout, and
 * presence (online / away / offline).
 *
 * Login failures are counted per account: after `loginMaxFailures` wrong passwords in a row the account
 * is locked for `lockoutMinutes` (`AGENT_LOCKED`, even with the right password), then starts afresh; a
 * successful login resets the count. An attempt is counted BEFORE its password is checked (and un-counted
 * by a success), so a burst of parallel guesses cannot all pass the lock check while the first ones are
 * still hashing: at most `loginMaxFailures` guesses are ever in flight.
 *
 * An unknown name and a wrong password give the same `AGENT_LOGIN_FAILED`, after the same scrypt work
 * (a decoy hash), so neither the answer nor its timing tells which names exist.
 */
import { sql, type Kysely } from 'kysely';
import { writeTransaction } from '../../store/transactions.js';
import { AppError } from '../../app/errors.js';
import type { Config } from '../../app/config.js';
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
  name: string;
  role: AgentRole;
  presence: AgentPresence;
}

/** An agent with the times the console's lists need. */
export interface AgentDetails extends AgentView {
  lastActiveAt: string | null;
  createdAt: string;
}

export interface NewAgent {
  name: string;
  role: AgentRole | string;
  password: string;
}

export type AgentStoreOptions = Pick<Config['handoff'], 'loginMaxFailures' | 'lockoutMinutes'>;

type AgentRow = Selectable<AgentsTable>;

export function isAgentRole(value: unknown): value is AgentRole {
  return typeof value === 'string' && (AGENT_ROLES as readonly string[]).includes(value);
}

export function isAgentPresence(value: unknown): value is AgentPresence {
  return typeof value === 'string' && (AGENT_PRESENCES as readonly string[]).includes(value);
}

export function agentView(row: Pick<AgentRow, 'id' | 'name' | 'role' | 'presence'>): AgentView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    presence: isAgentPresence(row.presence) ? row.presence : 'offline',
  };
}

function agentDetails(row: AgentRow): AgentDetails {
  return { ...agentView(row), lastActiveAt: row.last_active_at, createdAt: row.created_at };
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
        .values({ name: input.name, role: input.role, password_hash: passwordHash, created_at: now.toISOString() })
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
   * The agent whose name and password these are, now marked online. Throws `AGENT_LOGIN_FAILED` (unknown
   * name or wrong password, indistinguishably) or `AGENT_LOCKED` with `details.retryAfterSeconds`.
   */
  async verifyLogin(name: string, password: string, now: Date = new Date()): Promise<AgentView> {
    const nowIso = now.toISOString();
    // 1. Lock check, and the attempt counted, in one write transaction.
    const row = await writeTransaction(this.db, async (tx) => {
      const found = await tx.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst();
      if (!found) return undefined;
      const lockedUntil = found.locked_until ? Date.parse(found.locked_until) : NaN;
      if (lockedUntil > now.getTime()) throw this.locked(lockedUntil, now);
      // A lock that has run out starts a fresh count.
      const failures = (Number.isNaN(lockedUntil) ? found.failed_logins : 0) + 1;
      if (failures > this.maxFailures) {
        // Only reachable when attempts overlap: more in flight than failures allowed.
        const until = now.getTime() + this.lockoutMs;
        await tx
          .updateTable('agents')
          .set({ failed_logins: failures, locked_until: new Date(until).toISOString() })
          .where('id', '=', found.id)
          .execute();
        return { row: found, lockedUntil: until };
      }
      await tx.updateTable('agents').set({ failed_logins: failures, locked_until: null }).where('id', '=', found.id).execute();
      return { row: found, lockedUntil: undefined };
    });
    if (row?.lockedUntil !== undefined) throw this.locked(row.lockedUntil, now);

    // 2. The hash, outside any transaction (tens of milliseconds on the thread pool).
    const ok = await verifyPassword(password, row ? row.row.password_hash : await decoyHash());
    if (!row) throw new AppError('AGENT_LOGIN_FAILED');

    // 3. Success resets the count; the failure that reaches the limit locks the account.
    if (ok) {
      const updated = await this.db
        .updateTable('agents')
        .set({ failed_logins: 0, locked_until: null, presence: 'online', last_active_at: nowIso })
        .where('id', '=', row.row.id)
        .returningAll()
        .executeTakeFirst();
      if (!updated) throw new AppError('AGENT_LOGIN_FAILED'); // deleted meanwhile
      return agentView(updated);
    }
    const until = new Date(now.getTime() + this.lockoutMs).toISOString();
    await this.db
      .updateTable('agents')
      .set({ locked_until: until })
      .where('id', '=', row.row.id)
      .where('failed_logins', '>=', this.maxFailures)
      .where('locked_until', 'is', null)
      .execute();
    throw new AppError('AGENT_LOGIN_FAILED');
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

