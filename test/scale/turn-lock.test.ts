/**
 * The turn lock over a real Redis: two locks on two connections stand for two instances. One
 * conversation's turns never overlap; a dead holder's lease runs out; a long turn keeps its lease; a
 * holder whose lease was taken deletes nothing of its successor's; Redis away runs the turn unlocked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectRedis, whenReady } from '../../src/scale/redis-client.js';
import { RedisTurnLock, TurnLockTimeoutError } from '../../src/scale/redis-turn-lock.js';
import { InProcessTurnLock, type Lease } from '../../src/scale/turn-lock.js';
import { TEST_REDIS_URL, deleteKeys, describeWithRedis, testPrefix } from '../helpers/redis.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function client(url = TEST_REDIS_URL): Promise<Redis> {
  const c = connectRedis(url, { role: 'test' });
  cleanups.push(() => c.disconnect());
  await whenReady(c, 5_000);
  return c;
}

async function instances(n: number, leaseMs = 2_000, waitMs?: number): Promise<{ locks: RedisTurnLock[]; prefix: string }> {
  const prefix = testPrefix();
  cleanups.push(() => deleteKeys(prefix));
  const locks = [];
  for (let i = 0; i < n; i++) locks.push(new RedisTurnLock({ client: await client(), prefix, leaseMs, waitMs }));
  return { locks, prefix };
}

describe('in-process turn lock', () => {
  it('runs the task at once (the conversation queue keeps the order), unfenced', async () => {
    const lease = await new InProcessTurnLock().run('directline:c1', async (l) => l);
    expect(lease).toEqual({ key: 'directline:c1', fence: 0, held: true });
  });
});

describeWithRedis('Redis turn lock', () => {
  it('never runs two turns of one conversation at once across instances; fences grow with each grant', async () => {
    const { locks } = await instances(3);
    let running = 0;
    let most = 0;
    const fences: number[] = [];
    const turn = async (lease: Lease) => {
      running += 1;
      most = Math.max(most, running);
      fences.push(lease.fence);
      await sleep(5 + Math.random() * 10);
      running -= 1;
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => locks[i % 3]!.run('directline:conv', turn)));
    expect(most).toBe(1);
    expect(fences).toHaveLength(30);
    expect(fences).toEqual([...fences].sort((x, y) => x - y));
    expect(new Set(fences).size).toBe(30);
  });

  it('runs different conversations side by side', async () => {
    const { locks } = await instances(2);
    let running = 0;
    let most = 0;
    const turn = async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(100);
      running -= 1;
    };
    await Promise.all([locks[0]!.run('directline:one', turn), locks[1]!.run('directline:two', turn)]);
    expect(most).toBe(2);
  });

  it('a holder that dies (its connection gone, no release) holds the conversation only until its lease runs out', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const doomed = await client();
    const dying = new RedisTurnLock({ client: doomed, prefix, leaseMs: 600 });
    const survivor = new RedisTurnLock({ client: await client(), prefix, leaseMs: 600 });
    let finish!: () => void;
    let deadLease: Lease | undefined;
    const entered = new Promise<void>((entered) => {
      void dying.run('directline:conv', (lease) => {
        deadLease = lease;
        entered();
        return new Promise<void>((r) => (finish = r));
      });
    });
    await entered;
    doomed.disconnect(); // the instance is gone: nothing renews, nothing releases
    const since = Date.now();
    const fence = await survivor.run('directline:conv', async (lease) => lease.fence);
    const waited = Date.now() - since;
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(3_000);
    expect(fence).toBe(deadLease!.fence + 1);
    // The old holder, had it been only cut off, knows by now that it no longer holds the lease.
    await sleep(400);
    expect(deadLease!.held).toBe(false);
    finish();
  });

  it('renews the lease while a long turn runs: the other instance waits for the turn, not for the lease', async () => {
    const { locks } = await instances(2, 500);
    const events: string[] = [];
    let firstLease: Lease | undefined;
    const long = locks[0]!.run('directline:conv', async (lease) => {
      firstLease = lease;
      events.push('long:start');
      await sleep(1_500); // three leases long
      events.push('long:end');
    });
    await sleep(50);
    await locks[1]!.run('directline:conv', async () => void events.push('next'));
    await long;
    expect(events).toEqual(['long:start', 'long:end', 'next']);
    expect(firstLease!.held).toBe(true);
  });

  it('a holder whose lease was taken over learns it, and its release leaves the new holder\'s lease alone', async () => {
    const { locks, prefix } = await instances(2, 400);
    const observer = await client();
    const key = `${prefix}turn:directline:conv`;
    let old: Lease | undefined;
    let releaseOld!: () => void;
    const oldTurn = locks[0]!.run('directline:conv', (lease) => {
      old = lease;
      return new Promise<void>((r) => (releaseOld = r));
    });
    await sleep(50);
    // As if the old holder had paused past its lease: the key expires and the other instance takes it.
    await observer.del(key);
    let newTurnDone!: () => void;
    let fresh: Lease | undefined;
    const newTurn = locks[1]!.run('directline:conv', (lease) => {
      fresh = lease;
      return new Promise<void>((r) => (newTurnDone = r));
    });
    await sleep(300); // the old holder's next renewal finds the key is not its own
    expect(old!.held).toBe(false);
    expect(fresh!.fence).toBeGreaterThan(old!.fence);
    const token = await observer.get(key);
    releaseOld();
    await oldTurn;
    expect(await observer.get(key)).toBe(token);
    newTurnDone();
    await newTurn;
    expect(await observer.get(key)).toBeNull();
    expect(fresh!.held).toBe(true);
  });

  it('gives up waiting after waitMs with a clear error', async () => {
    const { locks, prefix } = await instances(1, 2_000, 200);
    const observer = await client();
    await observer.set(`${prefix}turn:directline:stuck`, 'someone', 'PX', 5_000);
    await expect(locks[0]!.run('directline:stuck', async () => 'ran')).rejects.toBeInstanceOf(TurnLockTimeoutError);
  });
});

describe('Redis turn lock while Redis is away', () => {
  it('runs the turn anyway, unfenced and marked not held, instead of failing it', async () => {
    // Nothing listens on port 1: every command fails at once.
    const c = connectRedis('redis://127.0.0.1:1', { role: 'test' });
    cleanups.push(() => c.disconnect());
    const lock = new RedisTurnLock({ client: c, prefix: testPrefix() });
    const lease = await lock.run('directline:conv', async (l) => ({ ...l }));
    expect(lease).toEqual({ key: 'directline:conv', fence: 0, held: false });
  });
});
