/** Bindings and one-time binding codes on a real SQLite file (issue 15). */
import { describe, expect, it } from 'vitest';
import { BINDING_CODE_DIGITS, IdentityStore } from '../../src/identity/identity-store.js';
import { fakeClock, useTempDatabases } from '../store/helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);
  const ALICE = { channelId: 'telegram', userId: '1001' };
  const MALLORY = { channelId: 'webchat', userId: 'dl_stranger' };
  const MERCHANT = '898310048160001';

  async function store(options: ConstructorParameters<typeof IdentityStore>[1] = {}) {
    const { db } = await temp.open();
    const clock = fakeClock('2026-12-01T00:00:00.000Z');
    return { db, clock, identities: new IdentityStore(db, { now: clock.now, ...options }) };
  }

  describe('binding codes', () => {
    it('bind the identity that sends one to its merchant, once; only the hash is stored', async () => {
      const { db, identities } = await store();
      const { code, expiresAt } = await identities.issueCode(MERCHANT);
      expect(code).toMatch(new RegExp(`^\\d{${BINDING_CODE_DIGITS}}$`));
      expect(expiresAt.toISOString()).toBe('2026-12-01T00:10:00.000Z');
      expect(JSON.stringify(await db.selectFrom('binding_codes').selectAll().execute())).not.toContain(code);

      expect(await identities.redeem(ALICE, code)).toEqual({ ok: true, merchantId: MERCHANT, method: 'binding_code' });
      expect(await identities.bindings(ALICE)).toEqual([{ merchantId: MERCHANT, method: 'binding_code', verifiedAt: new Date('2026-12-01T00:00:00.000Z') }]);
      // Used up: nobody else can use it, and the same identity gets the same answer as for a wrong code.
      expect(await identities.redeem(MALLORY, code)).toEqual({ ok: false, reason: 'invalid' });
      expect(await identities.bindings(MALLORY)).toEqual([]);
    });

    it('expire', async () => {
      const { clock, identities } = await store();
      const { code } = await identities.issueCode(MERCHANT);
      clock.advance(10 * 60_000);
      expect(await identities.redeem(ALICE, code)).toEqual({ ok: false, reason: 'invalid' });
    });

    it('two redemptions of one code at once: exactly one wins', async () => {
      const { identities } = await store();
      const { code } = await identities.issueCode(MERCHANT);
      const results = await Promise.all([ALICE, MALLORY].map((who) => identities.redeem(who, code)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });

    it('cannot be guessed: 5 failures per identity per 15 minutes, and a ceiling for all identities together', async () => {
      const { clock, identities } = await store({ failuresPerHour: 12 });
      const { code } = await identities.issueCode(MERCHANT);
      const wrong = code === '00000000' ? '00000001' : '00000000';
      for (let i = 0; i < 5; i++) expect((await identities.redeem(MALLORY, wrong)).ok).toBe(false);
      // Even the right code is refused now, for this identity only.
      expect(await identities.redeem(MALLORY, code)).toMatchObject({ ok: false, reason: 'limited', retryAfterSeconds: 900 });
      // Fresh identities cost nothing on the web chat: together they hit the hourly ceiling.
      for (let i = 0; i < 7; i++) await identities.redeem({ channelId: 'webchat', userId: `dl_bot${i}` }, wrong);
      expect(await identities.redeem(ALICE, code)).toMatchObject({ ok: false, reason: 'limited' });
      clock.advance(3_600_000);
      expect(await identities.redeem(ALICE, code)).toMatchObject({ ok: false, reason: 'invalid' }); // expired meanwhile
      const fresh = await identities.issueCode(MERCHANT);
      expect(await identities.redeem(ALICE, fresh.code)).toEqual({ ok: true, merchantId: MERCHANT, method: 'binding_code' });
    });

    it('malformed codes count as failures and never reach the database', async () => {
      const { identities } = await store();
      for (const bad of ['', '1234', '123456789', 'abcdefgh', "1' or '1'='1"]) expect(await identities.redeem(ALICE, bad)).toEqual({ ok: false, reason: 'invalid' });
      expect(await identities.redeem(ALICE, '00000000')).toMatchObject({ reason: 'limited' });
    });
  });

  describe('bindings', () => {
    it('are per channel user and merchant; unbinding removes one or all', async () => {
      const { identities } = await store();
      await identities.bind(ALICE, MERCHANT, 'site');
      await identities.bind(ALICE, '898310048160002', 'binding_code');
      expect((await identities.bindings({ channelId: 'wechat', userId: '1001' })).length).toBe(0);
      expect((await identities.identitiesOf(MERCHANT)).map((i) => [i.channelId, i.userId, i.method])).toEqual([['telegram', '1001', 'site']]);
      expect(await identities.unbind(ALICE, MERCHANT)).toBe(1);
      expect((await identities.bindings(ALICE)).map((b) => b.merchantId)).toEqual(['898310048160002']);
      expect(await identities.unbind(ALICE)).toBe(1);
      expect(await identities.bindings(ALICE)).toEqual([]);
    });
  });
});
