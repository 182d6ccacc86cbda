/**
 * One leader for the singletons across real servers sharing one Redis (a key prefix per test) and one
 * data directory: Telegram long polling and the sweeps run on one instance only, and when that instance
 * stops (closed, or killed with SIGKILL as a child process) another takes them over within 30 s.
 *
 * Each instance talks to a fake Bot API of its own (same token): whose fake receives `getUpdates` says
 * which instance polls. (A fake's `polling` stays true until a poll it holds times out, also after the
 * poller went away: what counts is who asks.)
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Merchant, ageHandoff, agent, onlyHandoff } from '../handoff/helpers.js';
import { seedIndex } from '../helpers/prebuilt-index.js';
import { TEST_REDIS_URL, describeWithRedis, freePort } from '../helpers/redis.js';
import { deployment, type Deployment } from '../helpers/redis-instances.js';
import { FakeBotApi } from '../telegram/fake-bot-api.js';
import { call, sleep, waitFor, type TestServer } from '../webchat/helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
/** What operators are promised: the leader dies, another instance polls within 30 s. */
const TAKEOVER_MS = 30_000;
/** B's sweep interval in the kill -9 test (the sweeps run every `min(5 s, noticeRetryMs)`). */
const B_SWEEP_MS = 500;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeBotApi(): Promise<FakeBotApi> {
  const fake = await FakeBotApi.start();
  cleanups.push(() => fake.close());
  return fake;
}

function instance(d: Deployment, fake: FakeBotApi): Promise<TestServer> {
  return d.instance({ TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot });
}

const polls = (fake: FakeBotApi) => fake.callsOf('getUpdates').length;

/** `pos-assist serve` (dist/, built by `npm test`) in a child process, killed at the end if still running. */
function serve(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output(): string } {
  const child = spawn(process.execPath, [join(ROOT, 'dist/app/cli.js'), 'serve'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, output: () => out };
}

describeWithRedis('two instances, one Redis: the singletons run on the leader only', () => {
  it('only the first instance polls Telegram; closed, it steps down and the other polls at once', async () => {
    const d = deployment(cleanups);
    const [fakeA, fakeB] = [await fakeBotApi(), await fakeBotApi()];
    const a = await instance(d, fakeA);
    await waitFor(() => fakeA.polling, 'A to poll');
    const b = await instance(d, fakeB);
    expect((await call(`${a.url}/readyz`)).body.channels.telegram).toBe('up');
    expect((await call(`${b.url}/readyz`)).body.channels.telegram).toBe('standby');
    // B is up (getMe, the command menu) but does not poll: a few of its election's tries go by.
    await sleep(1_500);
    expect(fakeB.callsOf('getMe').length + fakeB.callsOf('setMyCommands').length).toBeGreaterThan(0);
    expect(polls(fakeB)).toBe(0);
    expect(fakeA.polling).toBe(true);

    const since = Date.now();
    await a.stop();
    const polledByA = polls(fakeA);
    await waitFor(() => polls(fakeB) > 0, 'B to poll', TAKEOVER_MS);
    // Stepping down: B takes over at its next try (a third of the 15 s lease), not when the lease ends.
    expect(Date.now() - since).toBeLessThan(10_000);
    expect((await call(`${b.url}/readyz`)).body.channels.telegram).toBe('up');
    // A asked for no updates once closed (it confirmed its offset while stopping).
    expect(polls(fakeA)).toBe(polledByA);
  }, 60_000);

  it('kill -9 of the leading process: another instance polls and runs the timers within 30 s; not before', async () => {
    const d = deployment(cleanups);
    const { dataDir, prefix } = d;
    const [fakeA, fakeB] = [await fakeBotApi(), await fakeBotApi()];
    seedIndex(dataDir);
    const leader = serve({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      TELEGRAM_BOT_TOKEN: fakeA.token,
      TELEGRAM_API_ROOT: fakeA.apiRoot,
    });
    await waitFor(() => fakeA.polling || (leader.child.exitCode !== null && new Error(leader.output())), 'the child process to poll', 30_000).then((v) => {
      if (v instanceof Error) throw v;
    });
    // B's handoffs become tickets after 10 s unclaimed; the leader's (the child's) after the default 300 s.
    // B sweeps every 0.5 s once it leads (production: every 5 s), so that seeing it does not sweep now
    // takes a few of its intervals, not a few seconds.
    const b = await d.instance(
      { TELEGRAM_BOT_TOKEN: fakeB.token, TELEGRAM_API_ROOT: fakeB.apiRoot, HANDOFF_BUSINESS_HOURS: 'always', HANDOFF_CLAIM_TIMEOUT_SECONDS: '10' },
      { noticeRetryMs: B_SWEEP_MS },
    );
    expect(polls(fakeB)).toBe(0);
    // A handoff nobody claimed for a minute: late for B, not for the leader, whose sweep is the only one.
    await agent(b, 'alice');
    const merchant = await Merchant.open(b);
    await merchant.turn('转人工', '正在为您转接人工客服');
    const waiting = await onlyHandoff(b, merchant.conversationId);
    await ageHandoff(b, waiting.id, 60);
    // Four of B's sweep intervals: B would have made it a ticket if it swept.
    await sleep(4 * B_SWEEP_MS);
    expect((await onlyHandoff(b, merchant.conversationId)).status).toBe('waiting');

    leader.child.kill('SIGKILL');
    const since = Date.now();
    await waitFor(() => polls(fakeB) > 0, 'the in-process instance to poll', TAKEOVER_MS + 5_000, 50);
    expect(Date.now() - since).toBeLessThanOrEqual(TAKEOVER_MS);
    // The timers came along: B's sweep now runs and makes the handoff a ticket.
    await waitFor(async () => (await onlyHandoff(b, merchant.conversationId)).status === 'ticket', 'B\'s sweep to make the handoff a ticket', 10_000, 100);
    expect(Date.now() - since).toBeLessThanOrEqual(TAKEOVER_MS);
  }, 120_000);
});
