/**
 * Leader election over a real Redis: electors on their own connections stand for instances. One leads;
 * when it dies (stops renewing, without stepping down) another takes over within ttl + ttl/3; when it
 * stops properly another takes over at its next try; a leader cut off from Redis steps down before its
 * key can expire.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { SoleLeader, runWhileLeader } from '../../src/scale/leader-election.js';
import { connectRedis, whenReady } from '../../src/scale/redis-client.js';
import { RedisLeaderElection } from '../../src/scale/redis-leader-election.js';
import { PrivateRedis, TEST_REDIS_URL, deleteKeys, describeWithRedis, privateRedisAvailable, testPrefix } from '../helpers/redis.js';
import { waitFor } from '../webchat/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Long enough that a busy event loop (CI runs the OCR suite on the other core) does not let a healthy
 * leader's lease lapse between renewals — at 600 ms it did, now and then, under a full run.
 */
const TTL = 1_200;
/** Timers run late on a loaded machine (CI shares its cores); the bounds stay well under the next lease. */
const SLACK_MS = 400;

async function client(url = TEST_REDIS_URL): Promise<Redis> {
  const c = connectRedis(url, { role: 'test' });
  cleanups.push(() => c.disconnect());
  await whenReady(c, 5_000);
  return c;
}

async function elector(prefix: string, url?: string): Promise<{ election: RedisLeaderElection; client: Redis; changes: boolean[] }> {
  const c = await client(url);
  const election = new RedisLeaderElection({ client: c, prefix, name: 'singletons', ttlMs: TTL });
  const changes: boolean[] = [];
  election.onChange((leader) => changes.push(leader));
  cleanups.push(() => election.stop());
  return { election, client: c, changes };
}

describe('sole leader (one instance, the default)', () => {
  it('leads once started and tells its listeners, also those that come later', async () => {
    const sole = new SoleLeader();
    const seen: boolean[] = [];
    sole.onChange((l) => seen.push(l));
    sole.start();
    const late: boolean[] = [];
    sole.onChange((l) => late.push(l));
    await sole.stop();
    expect(seen).toEqual([true, false]);
    expect(late).toEqual([true, false]);
  });
});

describeWithRedis('Redis leader election', () => {
  it('elects exactly one of two; when the leader dies the other takes over within ttl + ttl/3', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const [one, two] = [await elector(prefix), await elector(prefix)];
    one.election.start();
    two.election.start();
    const leader = await waitFor(() => (one.election.isLeader ? one : two.election.isLeader ? two : undefined), 'a leader');
    const other = leader === one ? two : one;
    await new Promise((r) => setTimeout(r, TTL * 2)); // several renewals: still one leader
    expect(leader.election.isLeader).toBe(true);
    expect(other.election.isLeader).toBe(false);
    expect(await leader.client.get(`${prefix}leader:singletons`)).toBe(leader.election.id);

    // kill -9 of the leader, as Redis sees it: its connection is gone, nothing renews, nothing resigns.
    leader.client.disconnect();
    const since = Date.now();
    await waitFor(() => other.election.isLeader, 'the takeover', 5_000, 10);
    const takeover = Date.now() - since;
    expect(takeover).toBeLessThanOrEqual(TTL + TTL / 3 + SLACK_MS);
    expect(other.changes).toEqual([true]);
    // The cut-off leader stepped down by itself (before its key could expire).
    expect(leader.election.isLeader).toBe(false);
    expect(leader.changes).toEqual([true, false]);
  });

  it('a leader that stops steps down at once: the other leads at its next try, not after the ttl', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const [one, two] = [await elector(prefix), await elector(prefix)];
    one.election.start();
    await waitFor(() => one.election.isLeader, 'the first leader');
    two.election.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(two.election.isLeader).toBe(false);
    const since = Date.now();
    await one.election.stop();
    expect(one.changes).toEqual([true, false]);
    await waitFor(() => two.election.isLeader, 'the successor', 5_000, 10);
    // Waiting for the key to expire would take the whole ttl and then a try; taking it at the next try does not.
    expect(Date.now() - since).toBeLessThan(TTL);
  });
});

describeWithRedis('singletons on the leader', () => {
  it('run on exactly one instance, and move to the other when the leader dies', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const running = new Set<string>();
    let most = 0;
    const errors: unknown[] = [];
    const instances = [];
    for (const name of ['one', 'two']) {
      const e = await elector(prefix);
      const stopForGood = runWhileLeader(
        e.election,
        {
          start: () => {
            running.add(name);
            most = Math.max(most, running.size);
          },
          stop: async () => {
            await new Promise((r) => setTimeout(r, 20)); // a poller finishing its request
            running.delete(name);
          },
        },
        (err) => errors.push(err),
      );
      cleanups.push(stopForGood);
      e.election.start();
      instances.push({ name, ...e });
    }
    await waitFor(() => running.size === 1, 'the singleton to run');
    const leader = instances.find((i) => running.has(i.name))!;
    const other = instances.find((i) => i !== leader)!;
    leader.client.disconnect();
    await waitFor(() => running.has(other.name), 'the singleton to move', 5_000, 10);
    expect([...running]).toEqual([other.name]);
    expect(most).toBe(1);
    expect(errors).toEqual([]);
  });
});

describeWithRedis('leader election between processes', () => {
  /** A child process that campaigns and prints `leader` / `follower` (the election bundled by esbuild). */
  async function electorProcess(prefix: string, ttlMs: number): Promise<{ child: ChildProcess; lines: string[] }> {
    // Inside node_modules so that the bundle finds ioredis like the project does.
    const dir = join(process.cwd(), 'node_modules', '.cache', 'pos-assist-tests');
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `elector-${process.pid}.mjs`);
    await build({
      stdin: {
        contents: `
          import { connectRedis } from './src/scale/redis-client.js';
          import { RedisLeaderElection } from './src/scale/redis-leader-election.js';
          const [url, prefix, ttl] = process.argv.slice(2);
          const election = new RedisLeaderElection({ client: connectRedis(url, { role: 'child' }), prefix, name: 'singletons', ttlMs: Number(ttl) });
          election.onChange((leader) => process.stdout.write(leader ? 'leader\\n' : 'follower\\n'));
          election.start();`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile,
      logLevel: 'silent',
    });
    cleanups.push(() => rmSync(outfile, { force: true }));
    const child = spawn(process.execPath, [outfile, TEST_REDIS_URL, prefix, String(ttlMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => void child.kill('SIGKILL'));
    const lines: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
    return { child, lines };
  }

  it('kill -9 of the leading process: the other process leads within ttl + ttl/3', async () => {
    const prefix = testPrefix();
    cleanups.push(() => deleteKeys(prefix));
    const ttl = 1_500;
    const [one, two] = [await electorProcess(prefix, ttl), await electorProcess(prefix, ttl)];
    const leader = await waitFor(() => (one.lines.includes('leader') ? one : two.lines.includes('leader') ? two : undefined), 'a leading process');
    const other = leader === one ? two : one;
    await new Promise((r) => setTimeout(r, ttl));
    expect(other.lines).toEqual([]);
    leader.child.kill('SIGKILL');
    const since = Date.now();
    await waitFor(() => other.lines.includes('leader'), 'the other process to lead', 10_000, 10);
    const takeover = Date.now() - since;
    expect(takeover).toBeLessThanOrEqual(ttl + ttl / 3 + SLACK_MS);
  });
});

describe.skipIf(!privateRedisAvailable)('Redis leader election through an outage (a private redis-server)', () => {
  it('the leader steps down while Redis is away and one leads again once it is back; nothing throws', async () => {
    const redis = await PrivateRedis.start();
    cleanups.push(() => redis.kill());
    const prefix = testPrefix();
    const [one, two] = [await elector(prefix, redis.url), await elector(prefix, redis.url)];
    one.election.start();
    two.election.start();
    await waitFor(() => one.election.isLeader || two.election.isLeader, 'a leader');
    await redis.kill();
    await waitFor(() => !one.election.isLeader && !two.election.isLeader, 'no leader while Redis is away', 3_000, 10);
    await redis.restart();
    await waitFor(() => one.election.isLeader !== two.election.isLeader, 'exactly one leader again', 10_000);
  });
});
