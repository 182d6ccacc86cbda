/**
 * Behind a reverse proxy every request comes from the proxy's address: without TRUST_PROXY all merchants
 * share one rate-limit bucket (one busy shop locks out the rest); with it, each client address counts
 * alone. Real server, real HTTP; the token route's per-address limit is what is observed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { LOCAL_ORIGIN, call, startTestServer, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.destroy();
});

/** The token route's status for a client the proxy says is `client`. */
async function tokenStatus(ts: TestServer, client: string): Promise<number> {
  const res = await call(`${ts.url}/api/webchat/token`, {
    method: 'POST',
    headers: { origin: LOCAL_ORIGIN, 'content-type': 'application/json', 'x-forwarded-for': client },
    body: '{}',
  });
  return res.status;
}

async function limitedServer(trustProxy?: string): Promise<TestServer> {
  const ts = await startTestServer({ WEBCHAT_TOKENS_PER_MINUTE: '2', ...(trustProxy ? { TRUST_PROXY: trustProxy } : {}) }, { waitReady: false });
  servers.push(ts);
  return ts;
}

describe('TRUST_PROXY', () => {
  it('unset: the forwarded address is ignored, every client shares the proxy\'s bucket', async () => {
    const ts = await limitedServer();
    expect(await tokenStatus(ts, '203.0.113.1')).not.toBe(429);
    expect(await tokenStatus(ts, '203.0.113.1')).not.toBe(429);
    expect(await tokenStatus(ts, '203.0.113.2')).toBe(429);
  });

  it.each(['true', '127.0.0.1', '1'])('%s: each client address has its own bucket', async (trust) => {
    const ts = await limitedServer(trust);
    expect(await tokenStatus(ts, '203.0.113.1')).not.toBe(429);
    expect(await tokenStatus(ts, '203.0.113.1')).not.toBe(429);
    expect(await tokenStatus(ts, '203.0.113.1')).toBe(429);
    expect(await tokenStatus(ts, '203.0.113.2')).not.toBe(429);
  });

  it('refuses a value that is none of true/false, a hop count or addresses, naming the variable', () => {
    expect(() => loadConfig({ DATA_DIR: '/tmp/x', TRUST_PROXY: 'my proxy' })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ DATA_DIR: '/tmp/x', TRUST_PROXY: '10.0.0.0/8, 192.168.1.5' }).trustProxy).toEqual(['10.0.0.0/8', '192.168.1.5']);
    expect(loadConfig({ DATA_DIR: '/tmp/x' }).trustProxy).toBe(false);
  });
});
