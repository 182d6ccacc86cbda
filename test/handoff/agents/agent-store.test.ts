import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../../../src/app/errors.js';
import { AgentStore } from '../../../src/handoff/agents/agent-store.js';
import { fakeClock, useTempDatabases } from '../../store/helpers.js';
import { describeEachDialect } from '../../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);
  const PASSWORD = 'correct horse battery';

  async function store(options = { loginMaxFailures: 3, lockoutMinutes: 15 }) {
    const { db } = await temp.open();
    return { db, agents: new AgentStore(db, options) };
  }

  async function failure(p: Promise<unknown>): Promise<AppError> {
    try {
      await p;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
    throw new Error('expected an AppError');
  }

  describe('AgentStore: adding agents', () => {
    it('adds, lists, gets and counts agents; the hash is scrypt and never in the view', async () => {
      const { db, agents } = await store();
      expect(await agents.count()).toBe(0);
      const alice = await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      const bob = await agents.add({ name: 'Bob.S-1_x', role: 'supervisor', password: 'another long one', displayName: ' 李华 ' });
      // Merchants see the display name, or "#<id>" without one: never the login name.
      expect(alice).toEqual({ id: expect.any(Number), name: 'alice', displayName: `#${alice.id}`, role: 'agent', presence: 'offline' });
      expect(bob.displayName).toBe('李华');
      expect(bob.role).toBe('supervisor');
      expect(await agents.count()).toBe(2);
      expect((await agents.list()).map((a) => a.name)).toEqual(['Bob.S-1_x', 'alice']);
      expect(await agents.get(alice.id)).toMatchObject({ name: 'alice', lastActiveAt: null, createdAt: expect.any(String) });
      expect(await agents.get(9999)).toBeUndefined();
      expect(JSON.stringify(await agents.list())).not.toMatch(/scrypt|password/);
      const row = await db.selectFrom('agents').selectAll().where('id', '=', alice.id).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
      expect(row.password_hash).not.toContain(PASSWORD);
    });

    it('refuses a duplicate name, also in another case', async () => {
      const { agents } = await store();
      await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      for (const name of ['alice', 'ALICE']) {
        const err = await failure(agents.add({ name, role: 'agent', password: PASSWORD }));
        expect(err.code).toBe('AGENT_INVALID');
        expect(err.message).toContain('already exists');
      }
      expect(await agents.count()).toBe(1);
    });

    it.each(['a', 'x'.repeat(33), 'has space', 'ümlaut', '张三', 'semi;colon', 'agent:x', ''])('refuses the name %j', async (name) => {
      const { agents } = await store();
      const err = await failure(agents.add({ name, role: 'agent', password: PASSWORD }));
      expect(err.code).toBe('AGENT_INVALID');
      expect(err.message).toMatch(/2–32 characters/);
    });

    it('refuses an unknown role and a short password', async () => {
      const { agents } = await store();
      expect((await failure(agents.add({ name: 'alice', role: 'admin', password: PASSWORD }))).message).toMatch(/role must be one of agent, supervisor/);
      expect((await failure(agents.add({ name: 'alice', role: 'agent', password: 'short' }))).message).toMatch(/at least 10 characters/);
      expect(await agents.count()).toBe(0);
    });
  });

  describe('AgentStore: logins', () => {
    it('logs the right password in (presence online) and answers the same for unknown names and wrong passwords', async () => {
      const { agents } = await store();
      const clock = fakeClock();
      const alice = await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      const ok = await agents.verifyLogin('alice', PASSWORD, clock.now());
      expect(ok).toEqual({ ...alice, presence: 'online' });
      expect((await agents.get(alice.id))!.lastActiveAt).toBe(clock.now().toISOString());
      const wrong = await failure(agents.verifyLogin('alice', 'wrong password!', clock.now()));
      const unknown = await failure(agents.verifyLogin('nobody', PASSWORD, clock.now()));
      expect(wrong.code).toBe('AGENT_LOGIN_FAILED');
      expect(unknown.code).toBe('AGENT_LOGIN_FAILED');
      expect(wrong.message).toBe(unknown.message);
      expect(wrong.details).toBeUndefined();
    });

    it('makes a client wait after N failures in a row, even with the right password, doubling the wait; other clients are not affected', async () => {
      const { agents } = await store({ loginMaxFailures: 3, lockoutMinutes: 15 });
      const clock = fakeClock();
      await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      const attacker = '203.0.113.7';
      for (let i = 0; i < 3; i++) expect((await failure(agents.verifyLogin('alice', `guess number ${i}`, clock.now(), attacker))).code).toBe('AGENT_LOGIN_FAILED');
      const locked = await failure(agents.verifyLogin('alice', PASSWORD, clock.now(), attacker));
      expect(locked.code).toBe('AGENT_LOCKED');
      expect(locked.status).toBe(429);
      expect(locked.details).toEqual({ retryAfterSeconds: 30 });
      // Alice at her own desk logs in meanwhile: a stranger's guesses do not lock her out.
      expect((await agents.verifyLogin('alice', PASSWORD, clock.now(), '10.0.0.5')).name).toBe('alice');
      // After the wait one more try; failing it doubles the wait.
      clock.advance(30_000);
      expect((await failure(agents.verifyLogin('alice', 'guess again!!', clock.now(), attacker))).code).toBe('AGENT_LOGIN_FAILED');
      expect((await failure(agents.verifyLogin('alice', PASSWORD, clock.now(), attacker))).details).toEqual({ retryAfterSeconds: 60 });
      // The wait is capped at lockoutMinutes.
      for (let i = 0; i < 8; i++) {
        clock.advance(15 * 60_000);
        await failure(agents.verifyLogin('alice', 'guess again!!', clock.now(), attacker));
      }
      expect((await failure(agents.verifyLogin('alice', PASSWORD, clock.now(), attacker))).details).toEqual({ retryAfterSeconds: 900 });
      // Once the wait is over the right password works, and clears that client's count.
      clock.advance(15 * 60_000);
      expect((await agents.verifyLogin('alice', PASSWORD, clock.now(), attacker)).name).toBe('alice');
      expect((await failure(agents.verifyLogin('alice', 'one wrong guess', clock.now(), attacker))).code).toBe('AGENT_LOGIN_FAILED');
    });

    it('a success resets the count of failures', async () => {
      const { agents } = await store({ loginMaxFailures: 3, lockoutMinutes: 15 });
      await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 2; i++) await failure(agents.verifyLogin('alice', 'wrong password', new Date()));
        await agents.verifyLogin('alice', PASSWORD, new Date());
      }
    });

    it('a burst of parallel guesses gets at most N password checks', async () => {
      const { agents } = await store({ loginMaxFailures: 3, lockoutMinutes: 15 });
      await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => failure(agents.verifyLogin('alice', `guess ${i} xxxxx`, new Date(), 'burst'))));
      expect(results.filter((e) => e.code === 'AGENT_LOGIN_FAILED').length).toBeLessThanOrEqual(3);
      expect(results.filter((e) => e.code === 'AGENT_LOCKED').length).toBeGreaterThanOrEqual(9);
      expect((await failure(agents.verifyLogin('alice', PASSWORD, new Date(), 'burst'))).code).toBe('AGENT_LOCKED');
    });

    it('an unknown name costs a hash too (no fast answer)', async () => {
      const { agents } = await store();
      await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      await failure(agents.verifyLogin('nobody', PASSWORD)); // the decoy hash is made on first use
      const time = async (name: string) => {
        const start = performance.now();
        await failure(agents.verifyLogin(name, 'wrong password'));
        return performance.now() - start;
      };
      const unknown = Math.min(await time('nobody'), await time('nobody'), await time('nobody'));
      const known = Math.min(await time('alice'), await time('alice'), await time('alice'));
      // Both run one scrypt (tens of ms idle, hundreds on a loaded machine); without the decoy the unknown
      // name would answer in well under 1 ms. A tenth leaves room for load and still fails without it.
      expect(unknown).toBeGreaterThan(known / 10);
    });
  });

  describe('AgentStore: what operators do to accounts', () => {
    it('a disabled account cannot log in (told so only with the right password) and its sessions end; enabled, it can again', async () => {
      const { db, agents } = await store();
      const alice = await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      await db.insertInto('agent_sessions').values({ id: 'h'.repeat(64), agent_id: alice.id, csrf_token: 't', created_at: 'x', expires_at: '9999-01-01T00:00:00.000Z', last_seen_at: 'x' }).execute();
      expect((await agents.setDisabled('alice', true))!.disabledAt).toEqual(expect.any(String));
      expect(await db.selectFrom('agent_sessions').selectAll().execute()).toEqual([]);
      expect((await failure(agents.verifyLogin('alice', 'wrong password!'))).code).toBe('AGENT_LOGIN_FAILED');
      const disabled = await failure(agents.verifyLogin('alice', PASSWORD));
      expect([disabled.code, disabled.status]).toEqual(['AGENT_DISABLED', 403]);
      expect((await agents.setDisabled('alice', false))!.disabledAt).toBeNull();
      expect((await agents.verifyLogin('alice', PASSWORD)).name).toBe('alice');
      expect(await agents.setDisabled('nobody', true)).toBeUndefined();
    });

    it('a reset password replaces the old one, ends every session and lifts the waits', async () => {
      const { db, agents } = await store({ loginMaxFailures: 3, lockoutMinutes: 15 });
      const alice = await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      for (let i = 0; i < 3; i++) await failure(agents.verifyLogin('alice', `guess number ${i}`, new Date(), 'desk'));
      await db.insertInto('agent_sessions').values({ id: 'h'.repeat(64), agent_id: alice.id, csrf_token: 't', created_at: 'x', expires_at: '9999-01-01T00:00:00.000Z', last_seen_at: 'x' }).execute();
      expect((await failure(agents.resetPassword('alice', 'short'))).message).toMatch(/at least 10 characters/);
      await agents.resetPassword('alice', 'a brand new passphrase');
      expect(await db.selectFrom('agent_sessions').selectAll().execute()).toEqual([]);
      expect((await failure(agents.verifyLogin('alice', PASSWORD, new Date(), 'desk'))).code).toBe('AGENT_LOGIN_FAILED');
      expect((await agents.verifyLogin('alice', 'a brand new passphrase', new Date(), 'desk')).name).toBe('alice');
    });

    it('sets the display name merchants see, refusing markup and over-long names', async () => {
      const { agents } = await store();
      await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      expect((await agents.setDisplayName('alice', '客服小王'))!.displayName).toBe('客服小王');
      for (const bad of ['', '   ', '<b>王</b>', 'x'.repeat(21), 'a\nb']) {
        expect((await failure(agents.setDisplayName('alice', bad))).code).toBe('AGENT_INVALID');
      }
    });
  });

  describe('AgentStore: presence', () => {
    it('sets presence, touches, and marks idle agents away', async () => {
      const { agents } = await store();
      const clock = fakeClock();
      const alice = await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
      const bob = await agents.add({ name: 'bob', role: 'agent', password: PASSWORD });
      expect(await agents.setPresence(alice.id, 'online', clock.now())).toBe(true);
      expect(await agents.setPresence(9999, 'online', clock.now())).toBe(false);
      await expect(agents.setPresence(alice.id, 'busy' as never)).rejects.toSatisfy((e) => isAppError(e, 'AGENT_INVALID'));
      clock.advance(5 * 60_000);
      await agents.touch(bob.id, clock.now());
      expect((await agents.get(bob.id))!).toMatchObject({ presence: 'online', lastActiveAt: clock.now().toISOString() });
      clock.advance(6 * 60_000);
      // alice idle 11 minutes, bob 6: with a 10-minute away time only alice goes away.
      expect((await agents.markIdleAway(10, clock.now())).map((a) => a.name)).toEqual(['alice']);
      expect((await agents.get(alice.id))!.presence).toBe('away');
      await agents.touch(alice.id, clock.now());
      expect((await agents.get(alice.id))!.presence).toBe('online');
      await agents.setPresence(alice.id, 'offline', clock.now());
      expect((await agents.get(alice.id))!.presence).toBe('offline');
    });
  });
});
