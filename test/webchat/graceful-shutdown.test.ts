/**
 * `pos-assist serve` as an operator runs it: SIGTERM while a merchant's message is being answered stops
 * taking requests, lets the turn finish, closes the database, and exits 0 — the answer is on record.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { seedIndex } from '../helpers/prebuilt-index.js';
import { tempDir } from '../helpers/runtime.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const dataDir = tempDir();
// The server starts from the run's prebuilt knowledge index (checked, not rebuilt, at start-up).
seedIndex(dataDir);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('graceful shutdown of the server', () => {
  it('finishes the turn in flight, closes the database and exits 0 on SIGTERM', async () => {
    const port = 41_000 + Math.floor(Math.random() * 2000);
    const child = spawn(process.execPath, [join(ROOT, 'dist/app/cli.js'), 'serve'], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const started = Date.now();
    while (!out.includes('ready')) {
      if (Date.now() - started > 60_000 || child.exitCode !== null) throw new Error(`server did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const base = `http://127.0.0.1:${port}`;
    const { token, conversationId } = (await (
      await fetch(`${base}/api/webchat/token`, { method: 'POST', headers: { origin: base, 'content-type': 'application/json' }, body: '{}' })
    ).json()) as { token: string; conversationId: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    await fetch(`${base}/v3/directline/conversations`, { method: 'POST', headers, body: '{}' });
    const posted = await fetch(`${base}/v3/directline/conversations/${conversationId}/activities`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'message', from: { id: 'u' }, text: '退货报25是什么意思' }),
    });
    expect(posted.status).toBe(200);
    // Stop right away: the answer is computed while the server shuts down.
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(out).toContain('Stopping');

    const db = new Database(join(dataDir, 'pos-assist.sqlite'), { readonly: true });
    const rows = db
      .prepare('select from_role, activity_json, processed_at from dl_activities where conversation_id = ? order by seq')
      .all(conversationId) as { from_role: string; activity_json: string; processed_at: string | null }[];
    db.close();
    const user = rows.find((r) => r.from_role === 'user' && JSON.parse(r.activity_json).text === '退货报25是什么意思');
    expect(user?.processed_at).toBeTruthy();
    expect(rows.some((r) => r.from_role === 'bot' && String(JSON.parse(r.activity_json).text).includes('返回码25'))).toBe(true);
    // After the stop the port is free: nothing keeps listening.
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  }, 90_000);
});
