/**
 * What a browser loads besides the API: the demo page and widget assets (served as built, from memory,
 * with safe headers, nothing else from the folder) — never the Direct Line secret.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/app/config.js';
import { call, startTestServer, type TestServer } from './helpers.js';

const SECRET = 'page-test-secret-9c1d2e3f4a5b';

describe('the demo page and widget assets', () => {
  let ts: TestServer;
  let publicDir: string;
  const files: Record<string, string> = {
    'index.html': '<!doctype html><html lang="zh-CN"><title>POS Assist</title><script src="/widget.js" defer></script></html>',
    'widget.js': 'window.PosAssist={start(){}};',
    'widget.css': '.pos-assist{color:#123}',
    'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'notes.txt': 'internal notes',
    'config.json': '{"secret":"no"}',
  };

  beforeAll(async () => {
    publicDir = mkdtempSync(join(tmpdir(), 'pos-assist-public-'));
    for (const [name, body] of Object.entries(files)) writeFileSync(join(publicDir, name), body);
    ts = await startTestServer({ DIRECTLINE_SECRET: SECRET, WEBCHAT_TOKENS_PER_MINUTE: '1000' }, { publicDir });
  });

  afterAll(async () => {
    await ts?.destroy();
    rmSync(publicDir, { recursive: true, force: true });
  });

  it('GET / serves the page as built, not cached, with a content security policy', async () => {
    const res = await fetch(`${ts.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toBe(files['index.html']);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/connect-src [^;]*ws:/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the widget assets with their types', async () => {
    for (const [name, type] of [
      ['widget.js', 'text/javascript; charset=utf-8'],
      ['widget.css', 'text/css; charset=utf-8'],
      ['logo.svg', 'image/svg+xml'],
    ] as const) {
      const res = await fetch(`${ts.url}/${name}`);
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type'), name).toBe(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await res.text()).toBe(files[name]);
    }
    // The widget is embedded by other sites: its script may be loaded cross-origin.
    expect((await fetch(`${ts.url}/widget.js`)).headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('serves nothing else: other extensions, missing files, paths out of the folder → 404', async () => {
    for (const path of [
      '/notes.txt',
      '/config.json',
      '/index.html',
      '/missing.js',
      '/..%2Fpackage.json',
      '/%2e%2e%2f%2e%2e%2fpackage.json',
      `/..%2F..%2F${encodeURIComponent(ts.dataDir.slice(1))}%2Fsecrets%2Fdirectline-signing.key`,
      '/.env',
    ]) {
      const res = await call(`${ts.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.text, path).not.toContain('internal notes');
    }
  });

  it('no page or asset carries the Direct Line secret', async () => {
    for (const path of ['/', '/widget.js', '/widget.css', '/readyz', '/healthz']) {
      const text = await (await fetch(`${ts.url}${path}`)).text();
      expect(text, path).not.toContain(SECRET);
    }
  });
});

describe('the real build (dist/public), when present', () => {
  const built = existsSync(join(PROJECT_ROOT, 'dist', 'public', 'index.html'));
  let ts: TestServer;

  beforeAll(async () => {
    ts = await startTestServer({ DIRECTLINE_SECRET: SECRET, WEBCHAT_TOKENS_PER_MINUTE: '1000' });
  });

  afterAll(async () => {
    await ts?.destroy();
  });

  it(built ? 'serves the built page and widget, without the secret' : 'answers 404 DL_NOT_FOUND at / while the page is not built', async () => {
    const page = await call(`${ts.url}/`);
    if (!built) {
      expect(page.status).toBe(404);
      expect(page.body.error.code).toBe('DL_NOT_FOUND');
      expect(page.text).not.toContain(SECRET);
      return;
    }
    expect(page.status).toBe(200);
    expect(page.text).toBe(readFileSync(join(PROJECT_ROOT, 'dist', 'public', 'index.html'), 'utf8'));
    expect(page.text).not.toContain(SECRET);
    const widget = await call(`${ts.url}/widget.js`);
    if (existsSync(join(PROJECT_ROOT, 'dist', 'public', 'widget.js'))) {
      expect(widget.status).toBe(200);
      expect(widget.text).not.toContain(SECRET);
    }
  });
});
