/**
 * The operator's WeChat login page: the QR code drawn as an inline SVG (no script, nothing loaded from
 * elsewhere), the status in words, and console users only (401 without a session, through the server).
 */
import { describe, expect, it, afterEach } from 'vitest';
import { renderWechatLoginPage, terminalQrcode } from '../../src/channels/wechat/login-page.js';
import { call, startTestServer, type TestServer } from '../webchat/helpers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.destroy();
});

describe('the WeChat login page', () => {
  it('shows the QR code to scan as an SVG data URL, and no script', async () => {
    const html = await renderWechatLoginPage('scan', { value: 'https://login.weixin.qq.com/l/abc123' });
    const src = /src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html)?.[1];
    expect(src).toBeDefined();
    expect(Buffer.from(src!, 'base64').toString('utf8')).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('data-status="scan"');
  });

  it('says when it is logged in, or not configured, without a QR code', async () => {
    const up = await renderWechatLoginPage('up', { value: 'old' }, { name: '收单<客服>' });
    expect(up).not.toContain('data:image');
    expect(up).toContain('收单&lt;客服&gt;');
    expect(await renderWechatLoginPage('off', undefined)).toContain('WECHATY_PUPPET');
  });

  it('draws the QR code for the terminal', async () => {
    const art = await terminalQrcode('https://login.weixin.qq.com/l/abc123');
    expect(art.split('\n').length).toBeGreaterThan(10);
  });

  it('is only for console users', async () => {
    const server = await startTestServer({});
    servers.push(server);
    expect((await call(`${server.url}/agent/wechat`)).status).toBe(401);
    expect((await call(`${server.url}/agent/api/wechat`)).status).toBe(401);
  });
});
