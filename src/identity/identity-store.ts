/**
 * Who a channel user is allowed to act for. Typing a merchant ID proves nothing (it is printed on every
 * sales slip a cardholder takes home), so a merchant's requests are shown, supplemented and told only to
 * identities bound to that merchant — or to the identity that filed them.
 *
 * An identity is a channel and that channel's user id (`webchat`+Direct Line user, `telegram`+user id,
 * `wechat`+contact id, `terminal`+user). It is bound to a merchant in one of three ways:
 * - `site`: the provider's own site said so, when it asked for the web chat's token with the Direct Line
 *   secret (the browser never can);
 * - `binding_code`: the merchant sent a one-time code the back office issued for that merchant
 *   (`POST /api/merchants/{id}/binding-codes`, shown in the merchant portal or sent by SMS);
 * - `phone`: the merchant asked the bot for a code, the back office texted it to the phone it has on file
 *   for that merchant (never a number the user types), and the same channel user sent it back.
 *
 * Binding codes: 8 random digits, kept only as a SHA-256, single-use, valid `codeTtlMinutes`. Guessing is
 * bounded twice: each identity may fail `attemptsPerIdentity` times per 15 minutes, and all identities
 * together `failuresPerHour` times an hour (web chat identities cost nothing to make). A code is found by
 * its hash, so the time an answer takes says nothing about how close a guess was.
 */
import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';

export interface Identity {
  channelId: string;
  userId: string;
}

export const VERIFICATION_METHODS = ['site', 'binding_code', 'phone'] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

export interface Binding {
  merchantId: string;
  method: VerificationMethod;
  verifiedAt: Date;
}

export type RedeemResult =
  | { ok: true; merchantId: string; method: VerificationMethod }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'limited'; retryAfterSeconds: number };

export interface IdentityStoreOptions {
  now?: () => Date;
  codeTtlMinutes?: number;
  attemptsPerIdentity?: number;
  failuresPerHour?: number;
}

export const BINDING_CODE_DIGITS = 8;
const IDENTITY_WINDOW_MS = 15 * 60_000;
const GLOBAL_WINDOW_MS = 3_600_000;

function hashCode(code: string): string {
  return createHash('sha256').update(`binding-code:${code}`).digest('hex');
}

function identityKey(identity: Identity): string {
  return `${identity.channelId}:${identity.userId}`;
}

export class IdentityStore {
  readonly #now: () => Date;
  readonly #ttlMs: number;
  readonly #perIdentity: number;
  readonly #perHour: number;
  /** Failed redemptions: per identity, and all together (timestamps, ms). In memory: per instance. */
  readonly #failures = new Map<string, number[]>();
  #allFailures: number[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    options: IdentityStoreOptions = {},
  ) {
    this.#now = options.now ?? (() => new Date());
    this.#ttlMs = (options.codeTtlMinutes ?? 10) * 60_000;
    this.#perIdentity = options.attemptsPerIdentity ?? 5;
    this.#perHour = options.failuresPerHour ?? 100;
  }

  async bind(identity: Identity, merchantId: string, method: VerificationMethod): Promise<void> {
    const verifiedAt = this.#now().toISOString();
    await this.db
      .insertInto('identities')
      .values({ channel_id: identity.channelId, user_id: identity.userId, merchant_id: merchantId, method, verified_at: verifiedAt })
      .onConflict((oc) => oc.columns(['channel_id', 'user_id', 'merchant_id']).doUpdateSet({ method, verified_at: verifiedAt }))
      .execute();
  }

  /** Removes one binding (or all of the identity's); returns how many. `within`: the caller's transaction. */
  async unbind(identity: Identity, merchantId?: string, within: Kysely<Database> = this.db): Promise<number> {
    let q = within.deleteFrom('identities').where('channel_id', '=', identity.channelId).where('user_id', '=', identity.userId);
    if (merchantId !== undefined) q = q.where('merchant_id', '=', merchantId);
    return Number((await q.executeTakeFirst()).numDeletedRows);
  }

  async bindings(identity: Identity): Promise<Binding[]> {
    const rows = await this.db
      .selectFrom('identities')
      .select(['merchant_id', 'method', 'verified_at'])
      .where('channel_id', '=', identity.channelId)
      .where('user_id', '=', identity.userId)
      .orderBy('verified_at')
      .execute();
    return rows.map((r) => ({ merchantId: r.merchant_id, method: r.method as VerificationMethod, verifiedAt: new Date(r.verified_at) }));
  }

  /** The binding of this identity to this merchant, if any. */
  async binding(identity: Identity, merchantId: string): Promise<Binding | undefined> {
    return (await this.bindings(identity)).find((b) => b.merchantId === merchantId);
  }

  /** Every identity bound to a merchant (the console, supervisors). */
  async identitiesOf(merchantId: string): Promise<(Identity & Binding)[]> {
    const rows = await this.db.selectFrom('identities').selectAll().where('merchant_id', '=', merchantId).orderBy('verified_at').execute();
    return rows.map((r) => ({ channelId: r.channel_id, userId: r.user_id, merchantId: r.merchant_id, method: r.method as VerificationMethod, verifiedAt: new Date(r.verified_at) }));
  }

  /**
   * A new one-time code for a merchant; only its hash is stored. Without `forIdentity` the back office
   * shows or texts it and whoever sends it is bound (`binding_code`); with it, it is the code texted to the
   * phone on file at that identity's request, and only that identity may redeem it (`phone`).
   */
  async issueCode(merchantId: string, forIdentity?: Identity): Promise<{ code: string; expiresAt: Date }> {
    const now = this.#now();
    const expiresAt = new Date(now.getTime() + this.#ttlMs);
    const method: VerificationMethod = forIdentity ? 'phone' : 'binding_code';
    const issuedTo = forIdentity ? identityKey(forIdentity) : null;
    for (;;) {
      const code = String(randomInt(0, 10 ** BINDING_CODE_DIGITS)).padStart(BINDING_CODE_DIGITS, '0');
      const inserted = await this.db
        .insertInto('binding_codes')
        .values({ code_hash: hashCode(code), merchant_id: merchantId, expires_at: expiresAt.toISOString(), used_at: null, used_by: null, created_at: now.toISOString(), method, issued_to: issuedTo })
        .onConflict((oc) => oc.column('code_hash').doNothing())
        .executeTakeFirst();
      // A collision with an earlier code (one in 10^8 per code kept): draw again.
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { code, expiresAt };
    }
  }

  /**
   * Redeems a code for this identity: bound to its merchant, the code used up. A wrong, used or expired
   * code is `invalid` (the same answer for each); too many failures are `limited`.
   */
  async redeem(identity: Identity, code: string): Promise<RedeemResult> {
    const now = this.#now();
    const limited = this.#limited(identity, now.getTime());
    if (limited) return limited;
    const digits = code.trim();
    if (!new RegExp(`^\\d{${BINDING_CODE_DIGITS}}$`).test(digits)) return this.#failed(identity, now.getTime());
    const nowIso = now.toISOString();
    // Used up in the same statement that checks it: two redemptions at once cannot both succeed.
    const key = identityKey(identity);
    const row = await this.db
      .updateTable('binding_codes')
      .set({ used_at: nowIso, used_by: key })
      .where('code_hash', '=', hashCode(digits))
      .where('used_at', 'is', null)
      .where('expires_at', '>', nowIso)
      // A phone code works only for whoever asked for it; to anyone else it is as wrong as a guess.
      .where((eb) => eb.or([eb('issued_to', 'is', null), eb('issued_to', '=', key)]))
      .returning(['merchant_id', 'method'])
      .executeTakeFirst();
    if (!row) return this.#failed(identity, now.getTime());
    await this.bind(identity, row.merchant_id, row.method === 'phone' ? 'phone' : 'binding_code');
    this.#failures.delete(key);
    return { ok: true, merchantId: row.merchant_id, method: row.method === 'phone' ? 'phone' : 'binding_code' };
  }

  #limited(identity: Identity, now: number): RedeemResult | undefined {
    const mine = (this.#failures.get(identityKey(identity)) ?? []).filter((t) => t > now - IDENTITY_WINDOW_MS);
    this.#allFailures = this.#allFailures.filter((t) => t > now - GLOBAL_WINDOW_MS);
    if (mine.length >= this.#perIdentity) {
      return { ok: false, reason: 'limited', retryAfterSeconds: Math.ceil((mine[0]! + IDENTITY_WINDOW_MS - now) / 1000) };
    }
    if (this.#allFailures.length >= this.#perHour) {
      return { ok: false, reason: 'limited', retryAfterSeconds: Math.ceil((this.#allFailures[0]! + GLOBAL_WINDOW_MS - now) / 1000) };
    }
    return undefined;
  }

  #failed(identity: Identity, now: number): RedeemResult {
    const key = identityKey(identity);
    const mine = (this.#failures.get(key) ?? []).filter((t) => t > now - IDENTITY_WINDOW_MS);
    mine.push(now);
    this.#failures.set(key, mine);
    this.#allFailures.push(now);
    return { ok: false, reason: 'invalid' };
  }
}
