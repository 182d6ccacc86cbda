/**
 * The load balancer of docker-compose.yml, as configured in deploy/haproxy.cfg, in front of two real
 * servers on one Redis: only the listening address and the backend's servers are changed for the test
 * (Docker's DNS is not here; the checks are quickened). Through it a merchant's requests are spread over
 * both instances with no stickiness, the Direct Line WebSocket passes the upgrade and gets every reply, and
 * an instance that stops is taken out by the `/readyz` check.
 *
 * Skipped, with a message, when the `haproxy` binary or Redis is not there.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, redisUnavailable } from '../helpers/redis.js';
import { deployment } from '../helpers/redis-instances.js';
import { StreamClient, call, openConversation, say, waitFor, type TestServer } from '../webchat/helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const HAPROXY = process.env.HAPROXY_BIN || '/usr/sbin/haproxy';
const skip = !existsSync(HAPROXY) ? `no haproxy at ${HAPROXY}` : redisUnavailable !== undefined ? 'Redis does not answer' : undefined;
if (skip) console.warn(`deploy/haproxy.cfg is not exercised: ${skip}.`);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** deploy/haproxy.cfg listening on `port`, balancing over `backends` instead of Docker's DNS. */
function testConfig(port: number, backends: string[]): string {
  const config = readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8');
  const template = /^\s*server-template .*$/m;
  expect(config).toMatch(template);
  expect(config).toMatch(/^\s*bind :80$/m);
  return config
    .replace(/^resolvers docker\n(?:[ \t]+.*\n)+/m, '')
    .replace(/^\s*bind :80$/m, `    bind 127.0.0.1:${port}`)
    .replace(template, backends.map((b, i) => `    server app${i} ${b} check inter 200ms fall 1 rise 1`).join('\n'));
}

async function startHaproxy(backends: string[]): Promise<string> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pos-assist-haproxy-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, testConfig(port, backends));
  const child = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (d) => (errors += d));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${errors}`);
    return (await call(`${url}/readyz`).catch(() => undefined))?.status === 200;
  }, 'haproxy to forward /readyz', 10_000, 50);
  return url;
}

async function turnsOn(server: TestServer): Promise<number> {
  const metric = await server.server.metrics.turns.get();
  return metric.values.filter((v) => v.labels.channel === 'directline').reduce((sum, v) => sum + v.value, 0);
}

describe.skipIf(skip !== undefined)('deploy/haproxy.cfg in front of two instances', () => {
  it('spreads one merchant\'s requests over both, passes the stream\'s WebSocket, and takes a stopped instance out', async () => {
    const d = deployment(cleanups);
    const [a, b] = [await d.instance(), await d.instance()];
    const lbUrl = await startHaproxy([a.url.replace('http://', ''), b.url.replace('http://', '')]);
    const lb = { url: lbUrl, dl: `${lbUrl}/v3/directline` } as TestServer;

    const conv = await openConversation(lb);
    expect(conv.streamUrl.startsWith(`${lbUrl.replace('http', 'ws')}/`)).toBe(true);
    const stream = StreamClient.connect(conv.streamUrl);
    cleanups.push(() => stream.close());
    await stream.waitForActivity((x) => x.from.role === 'bot', 'the greeting through the load balancer');
    const posted = [];
    for (const q of ['POS机已经结算了还能撤销交易吗', '怎么申请撤销交易', '退货要多久到账', '退货报25是什么意思']) posted.push(await say(lb, conv, q));
    for (const p of posted) await stream.waitForActivity((x) => x.replyToId === p.id && x.from.role === 'bot', `the reply to ${p.id} on the stream`, 20_000);
    // Round robin, no stickiness: both instances ran some of this one conversation's turns.
    expect(await turnsOn(a)).toBeGreaterThan(0);
    expect(await turnsOn(b)).toBeGreaterThan(0);

    await a.stop();
    // Once the check has taken A out, every request is B's.
    await waitFor(async () => {
      for (let i = 0; i < 4; i++) if ((await call(`${lbUrl}/readyz`)).status !== 200) return false;
      return true;
    }, 'the load balancer to route around the stopped instance', 10_000, 100);
    const before = await turnsOn(b);
    await say(lb, conv, '退货要多久到账');
    await waitFor(async () => (await turnsOn(b)) > before, 'B to answer', 20_000);
  }, 90_000);
});
