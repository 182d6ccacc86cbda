import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AgentStore } from '../../../src/handoff/agents/agent-store.js';
import { SessionStore } from '../../../src/handoff/agents/sessions.js';
import { fakeClock, useTempDatabases } from '../../store/helpers.js';
import { describeEachDialect } from '../../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  async function setup() {
    const { db } = await temp.open();
    const agents = new AgentStore(db);
    const sessions = new SessionStore(db, { sessionHours: 12 });
    const alice = await agents.add({ name: 'alice', role: 'supervisor', password: 'correct horse battery' });
    return { db, agents, sessions, alice };
  }

  describe('SessionStore', () => {
    it('hands out random tokens and stores only their SHA-256', async () => {
      const { db, sessions, alice } = await setup();
      const clock = fakeClock();
      const a = await sessions.create(alice.id, clock.now());
      const b = await sessions.create(alice.id, clock.now());
      expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a.token).not.toBe(b.token);
      expect(a.csrfToken).not.toBe(a.token);
      expect(a.expiresAt).toBe('2025-01-01T12:00:00.000Z');
      const rows = await db.selectFrom('agent_sessions').selectAll().execute();
      expect(rows.map((r) => r.id).sort()).toEqual([a.token, b.token].map((t) => createHash('sha256').update(t).digest('hex')).sort());
      expect(JSON.stringify(rows)).not.toContain(a.token);
    });

    it('looks a token up with its agent; unknown, malformed and expired tokens find nothing', async () => {
      const { db, sessions, alice } = await setup();
      const clock = fakeClock();
      const s = await sessions.create(alice.id, clock.now());
      const found = await sessions.lookup(s.token, clock.now());
      expect(found?.agent).toEqual({ id: alice.id, name: 'alice', displayName: `#${alice.id}`, role: 'supervisor', presence: 'offline' });
      expect(found?.session).toMatchObject({ agentId: alice.id, csrfToken: s.csrfToken, expiresAt: s.expiresAt });
      expect(await sessions.lookup(`${s.token.slice(0, -1)}${s.token.endsWith('A') ? 'B' : 'A'}`, clock.now())).toBeUndefined();
      expect(await sessions.lookup('not a token', clock.now())).toBeUndefined();
      expect(await sessions.lookup('', clock.now())).toBeUndefined();

      clock.advance(12 * 3_600_000 - 1);
      expect(await sessions.lookup(s.token, clock.now())).toBeDefined();
      clock.advance(1);
      expect(await sessions.lookup(s.token, clock.now())).toBeUndefined();
      expect(await db.selectFrom('agent_sessions').selectAll().execute()).toHaveLength(0); // deleted
    });

    it('touches, deletes one, deletes an agent\'s all, counts and purges', async () => {
      const { sessions, agents, alice } = await setup();
      const bob = await agents.add({ name: 'bob', role: 'agent', password: 'correct horse battery' });
      const clock = fakeClock();
      const a1 = await sessions.create(alice.id, clock.now());
      const a2 = await sessions.create(alice.id, clock.now());
      clock.advance(60_000);
      const b1 = await sessions.create(bob.id, clock.now());
      await sessions.touch(a1.token, clock.now());
      expect((await sessions.lookup(a1.token, clock.now()))!.session.lastSeenAt).toBe(clock.now().toISOString());
      expect(await sessions.countForAgent(alice.id, clock.now())).toBe(2);

      expect(await sessions.delete(a1.token)).toBe(true);
      expect(await sessions.delete(a1.token)).toBe(false);
      expect(await sessions.lookup(a1.token, clock.now())).toBeUndefined();
      expect(await sessions.lookup(a2.token, clock.now())).toBeDefined();

      expect(await sessions.deleteForAgent(alice.id)).toBe(1);
      expect(await sessions.lookup(a2.token, clock.now())).toBeUndefined();
      expect(await sessions.lookup(b1.token, clock.now())).toBeDefined();

      clock.advance(13 * 3_600_000);
      expect(await sessions.purgeExpired(clock.now())).toBe(1);
    });
  });
});
