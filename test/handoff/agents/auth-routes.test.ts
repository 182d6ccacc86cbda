/** The console's authentication over a real fastify on 127.0.0.1 (fetch, ws) and a real SQLite file. */
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { agentAuth, agentErrorHandler, requireAgent, requireRole, type AgentAuthOptions } from '../../../src/handoff/agents/index.js';
import { AgentStore } from '../../../src/handoff/agents/agent-store.js';
import { fakeClock, useTempDatabases } from '../../store/helpers.js';
import { describeEachDialect } from '../../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);
  const PASSWORD = 'correct horse battery';
  const HANDOFF = { sessionHours: 12, loginMaxFailures: 3, lockoutMinutes: 15 };

  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  interface Res {
    status: number;
    headers: Headers;
    json: any;
  }

  async function serve(options: Partial<AgentAuthOptions> & { handoff?: Partial<typeof HANDOFF> } = {}) {
    const { db } = await temp.open();
    const clock = fakeClock('2025-03-03T02:00:00.000Z');
    const agents = new AgentStore(db, { ...HANDOFF, ...options.handoff });
    await agents.add({ name: 'alice', role: 'agent', password: PASSWORD });
    await agents.add({ name: 'sam', role: 'supervisor', password: PASSWORD });
    app = Fastify({ logger: false });
    await app.register(websocket);
    // Registered before the plugin: the guard (a root hook) covers it all the same.
    app.get('/agent/api/early', async (request) => ({ name: request.agent?.name }));
    await app.register(agentAuth, { db, config: { handoff: { ...HANDOFF, ...options.handoff } }, now: clock.now, ...options });
    // Console routes elsewhere, as the console's own plugin would register them: guarded with no effort.
    await app.register(async (consoleRoutes) => {
      consoleRoutes.setErrorHandler(agentErrorHandler);
      consoleRoutes.get('/agent/api/whoami', async (request) => ({ agent: request.agent, session: request.agentSession?.agentId }));
      consoleRoutes.post('/agent/api/notes', async (request) => ({ ok: true, by: request.agent!.name }));
      consoleRoutes.put('/agent/api/canned/:id', async (request) => ({ ok: true, by: requireRole(request, 'supervisor').name }));
      consoleRoutes.get('/agent/api/socket', { websocket: true }, (socket, request) => {
        socket.send(JSON.stringify({ hello: request.agent?.name }));
      });
      consoleRoutes.get('/agent/page', async () => 'public page');
      consoleRoutes.get('/elsewhere/needs-agent', { onRequest: requireAgent }, async (request) => ({ name: request.agent!.name }));
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });

    const call = async (method: string, path: string, init: { body?: unknown; cookie?: string; csrf?: string; headers?: Record<string, string> } = {}): Promise<Res> => {
      const headers: Record<string, string> = { ...init.headers };
      if (init.cookie) headers.cookie = init.cookie;
      if (init.csrf) headers['x-csrf-token'] = init.csrf;
      let body: string | undefined;
      if (init.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    };
    const login = async (name = 'alice', password = PASSWORD, headers: Record<string, string> = {}) => {
      const res = await call('POST', '/agent/api/login', { body: { name, password }, headers });
      const setCookie = res.headers.get('set-cookie') ?? '';
      return { res, setCookie, cookie: setCookie.split(';')[0]!, csrf: res.json?.csrfToken as string };
    };
    return { url, db, clock, agents, call, login };
  }

  describe('agent console: login', () => {
    it('logs in: agent and CSRF token in the body, an HttpOnly SameSite=Strict cookie on /agent', async () => {
      const { login, agents, db } = await serve({ handoff: { sessionHours: 8 } });
      const { res, setCookie, cookie } = await login();
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        agent: { id: expect.any(Number), name: 'alice', displayName: expect.stringMatching(/^#\d+$/), role: 'agent', presence: 'online' },
        csrfToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expiresAt: '2025-03-03T10:00:00.000Z',
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(setCookie).toMatch(/^pa_agent=[A-Za-z0-9_-]{43}; /);
      const attrs = setCookie.split('; ').slice(1);
      expect(attrs).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/agent', `Max-Age=${8 * 3600}`]));
      expect(attrs).not.toContain('Secure'); // plain http
      expect((await agents.getByName('alice'))!.presence).toBe('online');
      // The table has the token's hash, not the token.
      const rows = await db.selectFrom('agent_sessions').select('id').execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]!.id).not.toBe(cookie.split('=')[1]);
    });

    it('sets Secure when the request came over https (X-Forwarded-Proto)', async () => {
      const { login } = await serve();
      const { setCookie } = await login('alice', PASSWORD, { 'x-forwarded-proto': 'https' });
      expect(setCookie.split('; ')).toContain('Secure');
    });

    it('a wrong password and an unknown name get the same 401 body', async () => {
      const { login } = await serve();
      const wrong = await login('alice', 'not the password');
      const unknown = await login('nobody', PASSWORD);
      expect(wrong.res.status).toBe(401);
      expect(unknown.res.status).toBe(401);
      expect(wrong.res.json).toEqual({ error: { code: 'AGENT_LOGIN_FAILED', message: 'Wrong name or password' } });
      expect(unknown.res.json).toEqual(wrong.res.json);
      expect(wrong.setCookie).toBe('');
    });

    it('answers 400 for a malformed body', async () => {
      const { call } = await serve();
      for (const body of [{ name: 'alice' }, { name: 1, password: PASSWORD }, 'name=alice&password=x', '[]']) {
        const res = await call('POST', '/agent/api/login', { body, headers: typeof body === 'string' && body.includes('=') ? { 'content-type': 'text/plain' } : {} });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.json.error.code).toBe('AGENT_INVALID');
      }
    });

    it('makes this client wait after N failures (429, Retry-After), doubling, and lets it in after the wait', async () => {
      const { login, clock } = await serve({ handoff: { loginMaxFailures: 3, lockoutMinutes: 15 } });
      for (let i = 0; i < 3; i++) expect((await login('alice', `wrong guess ${i}`)).res.status).toBe(401);
      const locked = await login('alice', PASSWORD);
      expect(locked.res.status).toBe(429);
      expect(locked.res.headers.get('retry-after')).toBe('30');
      expect(locked.res.json).toEqual({ error: { code: 'AGENT_LOCKED', message: 'Too many failed logins; try again later', retryAfterSeconds: 30 } });
      expect(locked.setCookie).toBe('');
      // Other accounts are not affected.
      expect((await login('sam')).res.status).toBe(200);
      clock.advance(30_000);
      expect((await login('alice', 'wrong guess 4')).res.status).toBe(401);
      expect((await login('alice', PASSWORD)).res.headers.get('retry-after')).toBe('60');
      clock.advance(60_000);
      expect((await login('alice', PASSWORD)).res.status).toBe(200);
    });

    it('limits login attempts per client address (429 AGENT_LOCKED with Retry-After), whatever the names', async () => {
      const { login, clock } = await serve({ loginsPerMinute: 5, handoff: { loginMaxFailures: 100 } });
      for (let i = 0; i < 5; i++) expect((await login(`user${i}`, 'whatever pass')).res.status).toBe(401);
      const limited = await login('alice', PASSWORD);
      expect(limited.res.status).toBe(429);
      expect(limited.res.json.error.code).toBe('AGENT_LOCKED');
      expect(limited.res.json.error.message).toMatch(/too many login attempts from this address/);
      expect(Number(limited.res.headers.get('retry-after'))).toBe(60);
      clock.advance(60_000);
      expect((await login('alice', PASSWORD)).res.status).toBe(200);
    });

    it('refuses a login posted from another site (Origin)', async () => {
      const { login } = await serve();
      const { res } = await login('alice', PASSWORD, { origin: 'https://evil.example' });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('AGENT_CSRF');
    });
  });

  describe('agent console: the guard on /agent/api/', () => {
    it('/me: 401 without a cookie or with a bad one, 200 with the session', async () => {
      const { call, login } = await serve();
      for (const cookie of [undefined, 'pa_agent=nonsense', `pa_agent=${'A'.repeat(43)}`, 'other=1']) {
        const res = await call('GET', '/agent/api/me', { cookie });
        expect(res.status).toBe(401);
        expect(res.json).toEqual({ error: { code: 'AGENT_UNAUTHORIZED', message: 'Not logged in to the agent console' } });
      }
      const { cookie, csrf } = await login();
      const me = await call('GET', '/agent/api/me', { cookie: `theme=dark; ${cookie}; lang=en` });
      expect(me.status).toBe(200);
      expect(me.json).toEqual({ agent: { id: expect.any(Number), name: 'alice', displayName: expect.stringMatching(/^#\d+$/), role: 'agent', presence: 'online' }, csrfToken: csrf, expiresAt: expect.any(String) });
      expect(me.headers.get('cache-control')).toBe('no-store');
    });

    it('guards routes of other plugins, including unknown paths, and leaves the rest of /agent alone', async () => {
      const { call, login } = await serve();
      expect((await call('GET', '/agent/api/whoami')).status).toBe(401);
      expect((await call('GET', '/agent/api/no-such-route')).status).toBe(401);
      expect((await call('GET', '/%61gent/api/whoami')).status).toBe(401); // the matched route decides, not the raw URL
      expect((await call('GET', '/agent/api/early')).status).toBe(401);
      expect((await call('GET', '/agent/page')).status).toBe(200);
      expect((await call('GET', '/elsewhere/needs-agent')).status).toBe(401);
      const { cookie } = await login();
      const who = await call('GET', '/agent/api/whoami', { cookie });
      expect(who.json).toEqual({ agent: { id: expect.any(Number), name: 'alice', displayName: expect.stringMatching(/^#\d+$/), role: 'agent', presence: 'online' }, session: expect.any(Number) });
      expect((await call('GET', '/elsewhere/needs-agent', { cookie })).json).toEqual({ name: 'alice' });
      expect((await call('GET', '/agent/api/early', { cookie })).json).toEqual({ name: 'alice' });
    });

    it('a change without the CSRF header is 403, with a wrong one 403, with the right one OK', async () => {
      const { call, login } = await serve();
      const { cookie, csrf } = await login();
      const other = await login('sam');
      for (const token of [undefined, 'wrong', other.csrf]) {
        const res = await call('POST', '/agent/api/notes', { cookie, csrf: token, body: { text: 'x' } });
        expect(res.status).toBe(403);
        expect(res.json.error.code).toBe('AGENT_CSRF');
      }
      const ok = await call('POST', '/agent/api/notes', { cookie, csrf, body: { text: 'x' } });
      expect(ok.status).toBe(200);
      expect(ok.json).toEqual({ ok: true, by: 'alice' });
      // The right token but from another site's page.
      const foreign = await call('POST', '/agent/api/notes', { cookie, csrf, body: { text: 'x' }, headers: { origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
    });

    it('requireRole: a supervisor-only route is 403 AGENT_FORBIDDEN for an agent', async () => {
      const { call, login } = await serve();
      const alice = await login('alice');
      const sam = await login('sam');
      const denied = await call('PUT', '/agent/api/canned/1', { cookie: alice.cookie, csrf: alice.csrf, body: {} });
      expect(denied.status).toBe(403);
      expect(denied.json).toEqual({ error: { code: 'AGENT_FORBIDDEN', message: 'Your role may not do this: supervisors only' } });
      expect((await call('PUT', '/agent/api/canned/1', { cookie: sam.cookie, csrf: sam.csrf, body: {} })).json).toEqual({ ok: true, by: 'sam' });
    });

    it('an expired session is 401 (and its row is gone)', async () => {
      const { call, login, clock, db } = await serve({ handoff: { sessionHours: 1 } });
      const { cookie } = await login();
      clock.advance(59 * 60_000);
      expect((await call('GET', '/agent/api/me', { cookie })).status).toBe(200);
      clock.advance(60_000);
      expect((await call('GET', '/agent/api/me', { cookie })).status).toBe(401);
      expect(await db.selectFrom('agent_sessions').selectAll().execute()).toHaveLength(0);
    });

    it('each request is activity: last_active_at moves and an away agent is online again', async () => {
      const { call, login, clock, agents } = await serve();
      const { cookie, res } = await login();
      const id = res.json.agent.id as number;
      clock.advance(30 * 60_000);
      await agents.markIdleAway(10, clock.now());
      expect((await agents.get(id))!.presence).toBe('away');
      await call('GET', '/agent/api/me', { cookie });
      expect(await agents.get(id)).toMatchObject({ presence: 'online', lastActiveAt: clock.now().toISOString() });
    });

    it('logout: 204, the cookie is cleared, the session no longer works, the agent is offline', async () => {
      const { call, login, agents } = await serve();
      const { cookie, csrf, res } = await login();
      expect((await call('POST', '/agent/api/logout', { cookie })).status).toBe(403); // CSRF needed
      const out = await call('POST', '/agent/api/logout', { cookie, csrf });
      expect(out.status).toBe(204);
      expect(out.headers.get('set-cookie')).toMatch(/^pa_agent=; Max-Age=0; Path=\/agent; HttpOnly; SameSite=Strict/);
      expect((await call('GET', '/agent/api/me', { cookie })).status).toBe(401);
      expect((await call('POST', '/agent/api/logout', { cookie, csrf })).status).toBe(401);
      expect((await agents.get(res.json.agent.id))!.presence).toBe('offline');
    });

    it('logging out in one browser leaves the agent online in another', async () => {
      const { call, login, agents } = await serve();
      const first = await login();
      const second = await login();
      await call('POST', '/agent/api/logout', { cookie: first.cookie, csrf: first.csrf });
      expect((await call('GET', '/agent/api/me', { cookie: second.cookie })).status).toBe(200);
      expect((await agents.getByName('alice'))!.presence).toBe('online');
    });
  });

  describe('agent console: sockets', () => {
    const open = (url: string, headers: Record<string, string> = {}) =>
      new Promise<{ status?: number; message?: unknown }>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/agent/api/socket`, { headers });
        ws.on('unexpected-response', (_req, res) => {
          resolve({ status: res.statusCode });
          ws.terminate();
        });
        ws.on('message', (data) => {
          resolve({ message: JSON.parse(String(data)) });
          ws.close();
        });
        ws.on('error', reject);
      });

    it('a socket under /agent/api/ needs the session cookie, and a foreign page may not open it', async () => {
      const { url, login } = await serve();
      expect(await open(url)).toEqual({ status: 401 });
      const { cookie } = await login();
      expect(await open(url, { cookie })).toEqual({ message: { hello: 'alice' } });
      expect(await open(url, { cookie, origin: 'https://evil.example' })).toEqual({ status: 403 });
      expect(await open(url, { cookie, origin: url })).toEqual({ message: { hello: 'alice' } });
    });

    it('agentFromCookieHeader finds the agent of a Cookie header', async () => {
      const { login, clock } = await serve();
      const { cookie } = await login();
      const auth = app!.agentAuth;
      expect(await auth.agentFromCookieHeader(`a=b; ${cookie}`)).toMatchObject({ name: 'alice', role: 'agent' });
      expect(await auth.agentFromCookieHeader(undefined)).toBeUndefined();
      expect(await auth.agentFromCookieHeader('pa_agent=forged')).toBeUndefined();
      clock.advance(13 * 3_600_000);
      expect(await auth.agentFromCookieHeader(cookie)).toBeUndefined();
    });
  });
});
