/**
 * The official Bot Framework Web Chat (the `botframework-webchat` bundle, a devDependency) against the
 * real server, in Debian's Chromium (playwright-core). A small page on another local origin does what a
 * merchant's site does: gets a token from `POST /api/webchat/token` and renders Web Chat with
 * `createDirectLine({ token, domain: <server>/v3/directline })`. Then, through Web Chat's own send box
 * and upload button: a question is answered from the guide, a photo reaches the server, and after the
 * WebSocket breaks Web Chat reconnects and a later question is still answered. No step may end in Web
 * Chat's "发送失败" (send failed). Screenshots go to dist/test-output/webchat/.
 */
import { readFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Activity } from 'botbuilder';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium } from '../helpers/browser.js';
import { bearer, getActivities, makePng, sha256, startTestServer, waitFor, type TestServer } from './helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHOTS = join(ROOT, 'dist', 'test-output', 'webchat');
const BUNDLE = join(ROOT, 'node_modules', 'botframework-webchat', 'dist', 'webchat.js');

/**
 * The merchant's page. The WebSocket class is wrapped only to keep a handle on the sockets (so the test
 * can break one); Direct Line's reconnect back-off is set to its shortest (3 s instead of a random
 * 3–15 s); the store's middleware only records what Web Chat dispatches.
 */
function page(server: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Official Web Chat</title>
<style>html, body, #webchat { height: 100%; margin: 0 }</style></head>
<body><div id="webchat" role="main"></div>
<script>
  window.sockets = [];
  window.actions = [];
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) { super(...args); window.sockets.push(this); }
  };
</script>
<script src="/webchat.js"></script>
<script>
  (async () => {
    const res = await fetch(${JSON.stringify(`${server}/api/webchat/token`)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (!res.ok) throw new Error('token route answered ' + res.status);
    window.conversation = await res.json();
    const store = WebChat.createStore({}, () => (next) => (action) => {
      const p = action.payload || {};
      window.actions.push({ type: action.type, status: p.connectionStatus, attachments: Array.isArray(p.attachments) ? p.attachments.length : undefined });
      return next(action);
    });
    const directLine = WebChat.createDirectLine({ token: window.conversation.token, domain: ${JSON.stringify(`${server}/v3/directline`)} });
    // Direct Line waits 3 s + random × 12 s before it reconnects; createDirectLine passes no \`random\`
    // option through, so its service is set here: the shortest wait, 3 s.
    directLine.services.random = () => 0;
    WebChat.renderWebChat({ directLine, store, locale: 'zh-CN' }, document.getElementById('webchat'));
  })().catch((err) => { window.pageError = String(err); });
</script>
</body></html>`;
}

interface PageConversation {
  conversationId: string;
  userId: string;
  token: string;
}

describe.skipIf(!haveChromium)('the official Bot Framework Web Chat against the real server', () => {
  let ts: TestServer;
  let site: HttpServer;
  let browser: Browser;
  let context: BrowserContext;
  let p: Page;
  let conv: PageConversation;
  /** The beginning of the bot's answer to the first question, as the page shows it. */
  let firstAnswer = '';
  /** Each request Web Chat makes to the Direct Line routes: "METHOD path status". */
  const calls: string[] = [];
  /** The WebSocket URLs Web Chat opened. */
  const streams: string[] = [];
  /** A value the page keeps on `window` (evaluated in the page: this project's types have no DOM). */
  const inPage = <T>(expression: string) => p.evaluate(expression) as Promise<T>;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startTestServer({ WEBCHAT_MESSAGES_PER_MINUTE: '1000' });
    const bundle = readFileSync(BUNDLE);
    const html = page(ts.url);
    site = createServer((req, res) => {
      if (req.url === '/webchat.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
      else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 900, height: 860 }, locale: 'zh-CN' });
    p = await context.newPage();
    p.on('response', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/v3/directline')) calls.push(`${r.request().method()} ${url.pathname}${url.search.replace(/t=[^&]+/, 't=…')} ${r.status()}`);
    });
    p.on('websocket', (ws) => streams.push(ws.url()));
    await p.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    conv = await waitFor(() => inPage<PageConversation | null>('window.conversation ?? null').then((c) => c ?? undefined), 'the page to get its token');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
    await ts?.destroy();
  });

  const sendBox = () => p.locator('[data-id="webchat-sendbox-input"]');
  const fromUser = () => p.locator('.webchat__bubble.webchat__bubble--from-user');
  const fromBot = () => p.locator('.webchat__bubble:not(.webchat__bubble--from-user)');
  const actions = () => inPage<{ type: string; status?: number; attachments?: number }[]>('window.actions');

  /** Nothing Web Chat sent was rejected: no rejected post in its store, no "发送失败" / "Send failed" shown. */
  async function expectNoSendFailure(): Promise<void> {
    expect((await actions()).filter((a) => a.type === 'DIRECT_LINE/POST_ACTIVITY_REJECTED')).toEqual([]);
    expect(await p.getByText(/发送失败|Send failed/).count()).toBe(0);
    expect(calls.filter((c) => / [45]\d\d$/.test(c))).toEqual([]);
    expect(await inPage<string | null>('window.pageError ?? null')).toBeNull();
  }

  /** The stored activities of the page's conversation (read over HTTP with the page's token). */
  const stored = () => getActivities(ts, conv).then((r) => r.activities);

  async function ask(text: string): Promise<void> {
    await sendBox().fill(text);
    await sendBox().press('Enter');
  }

  it('sends a typed question and shows the bot answer from the guide', async () => {
    // The bot's greeting arrives over Web Chat's WebSocket.
    await expect.poll(() => fromBot().count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(streams).toHaveLength(1);
    expect(streams[0]).toContain(`/v3/directline/conversations/${encodeURIComponent(conv.conversationId)}/stream?t=`);

    await ask('什么是撤销');
    const answer = fromBot().filter({ hasText: '来源：' }).filter({ hasText: '撤销' });
    await expect.poll(() => answer.count(), { timeout: 15_000 }).toBe(1);
    // Web Chat's own message, once (the server's echo replaced it by its client activity id).
    await expect.poll(() => fromUser().filter({ hasText: '什么是撤销' }).count()).toBe(1);
    await expectNoSendFailure();

    // The server took Web Chat's post as it is and answered that very message.
    const activities = await stored();
    const question = activities.find((a) => a.from?.role === 'user' && a.text === '什么是撤销');
    expect(question, JSON.stringify(activities)).toBeDefined();
    expect(question!.channelData?.clientActivityID).toBeTruthy();
    const reply = activities.find((a) => a.from?.role === 'bot' && a.type === 'message' && a.replyToId === question!.id);
    expect(reply?.text).toContain('来源：');
    // What the page shows is the stored reply's text.
    firstAnswer = reply!.text!.split('\n')[0]!.replace(/[*_`#>]/g, '').trim().slice(0, 12);
    expect(firstAnswer.length).toBeGreaterThan(4);
    expect(await answer.first().textContent()).toContain(firstAnswer);
    await p.screenshot({ path: join(SHOTS, 'official-webchat-answer.png') });
  });

  it('shows the answer\'s 👍/👎 as suggested actions; a click is stored as feedback on that answer', async () => {
    const up = p.getByRole('button', { name: '👍 有帮助' });
    await expect.poll(() => up.count(), { timeout: 15_000 }).toBe(1);
    expect(await p.getByRole('button', { name: '👎 没帮助' }).count()).toBe(1);
    await up.click();
    await expect.poll(() => fromBot().filter({ hasText: '感谢您的反馈' }).count(), { timeout: 15_000 }).toBe(1);
    const stored = await ts.server.runtime()!.feedback.list();
    expect(stored).toMatchObject([{ channelId: 'directline', conversationId: conv.conversationId, rating: 'up', question: '什么是撤销' }]);
    await expectNoSendFailure();
  });

  it("uploads a photo with Web Chat's upload button: the server stores it and the bot answers", async () => {
    const png = makePng([0, 128, 255]);
    const botBefore = await fromBot().count();
    await p.locator('input[type="file"].webchat__upload-button--file-input').setInputFiles({ name: 'slip.png', mimeType: 'image/png', buffer: png });
    // Web Chat 4.18 attaches on select and sends with the send button (sendAttachmentOn: "send"): the
    // button sends the file once Web Chat has put it in the send box (on a busy machine, not at once).
    await waitFor(async () => (await actions()).some((a) => a.type === 'WEB_CHAT/SET_SEND_BOX_ATTACHMENTS' && a.attachments === 1), 'the photo in the send box');
    await p.locator('button.webchat__send-button').click();

    const photo = await waitFor(async () => (await stored()).find((a) => a.from?.role === 'user' && (a.attachments?.length ?? 0) > 0), 'the photo at the server', 15_000);
    expect(photo.attachments).toHaveLength(1);
    const [attachment] = photo.attachments!;
    expect(attachment!.contentType).toBe('image/png');
    // Clients get the link with a grant in its path (see the link check below).
    expect(attachment!.contentUrl).toMatch(new RegExp(`^${ts.dl}/conversations/${conv.conversationId}/files/\\d+\\.[\\w-]{43}/${sha256(png)}\\.png$`));
    // The bytes the server keeps are the file the merchant picked.
    const file = await fetch(`${ts.dl}/conversations/${conv.conversationId}/files/${sha256(png)}.png`, { headers: bearer(conv.token) });
    expect(file.status).toBe(200);
    expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(sha256(png));
    // The bot answers the photo, and Web Chat shows that answer.
    const reply = await waitFor(async () => (await stored()).find((a: Activity) => a.from?.role === 'bot' && a.type === 'message' && a.replyToId === photo.id), "the bot's answer to the photo", 15_000);
    await expect.poll(() => fromBot().count(), { timeout: 15_000 }).toBeGreaterThan(botBefore);
    expect(reply.text).toBeTruthy();
    await expect.poll(() => fromBot().last().textContent(), { timeout: 15_000 }).toContain(reply.text!.replace(/[*_`]/g, '').slice(0, 8));
    // The merchant's own message shows the file (Web Chat draws a file chip with its name and size).
    await expect.poll(() => fromUser().filter({ hasText: 'slip.png' }).count()).toBe(1);
    // Its link (Web Chat opens it as it is, without the conversation's token) opens the photo.
    const link = fromUser().filter({ hasText: 'slip.png' }).locator(`a[href*="${sha256(png)}"]`);
    await expect.poll(() => link.count(), { timeout: 15_000 }).toBe(1);
    const href = (await link.getAttribute('href'))!;
    const opened = await p.evaluate(async (url) => {
      const res = await fetch(url);
      return { status: res.status, bytes: (await res.arrayBuffer()).byteLength };
    }, href);
    expect(opened).toEqual({ status: 200, bytes: png.length });
    await expectNoSendFailure();
    await p.screenshot({ path: join(SHOTS, 'official-webchat-upload.png') });
  });

  it('reconnects after the WebSocket breaks, and a later question is still answered', async () => {
    const OPEN = 1; // WebSocket.OPEN
    const sockets = () => inPage<number[]>('window.sockets.map((s) => s.readyState)');
    await waitFor(async () => (await sockets()).filter((state) => state === OPEN).length === 1, "Web Chat's one open stream");
    const socketsBefore = (await sockets()).length;
    const reconnects = () => calls.filter((c) => /^GET \/v3\/directline\/conversations\/[^/?]+\?watermark=\d+ 200$/.test(c)).length;
    const reconnectsBefore = reconnects();
    // Break the stream under Web Chat: its open socket closes, as when the network drops.
    const reopened = p.waitForEvent('websocket', { timeout: 10_000 });
    await inPage('window.sockets.find((s) => s.readyState === WebSocket.OPEN).close()');
    // Direct Line asks the server for a fresh stream URL from its watermark, and opens it.
    const ws = await reopened;
    expect(ws.url()).toContain(`/v3/directline/conversations/${encodeURIComponent(conv.conversationId)}/stream?t=`);
    expect(ws.url()).toMatch(/[?&]watermark=\d+/);
    expect(reconnects()).toBe(reconnectsBefore + 1);
    await waitFor(async () => (await sockets()).at(-1) === OPEN, 'the new stream to open');
    expect((await sockets()).length).toBe(socketsBefore + 1);

    await ask('退货报25是什么意思');
    await expect.poll(() => fromBot().filter({ hasText: '返回码25' }).count(), { timeout: 15_000 }).toBe(1);
    // Nothing arrives twice after the reconnect: the earlier answer is still shown once.
    expect(await fromBot().filter({ hasText: firstAnswer }).count()).toBe(1);
    expect(await fromUser().filter({ hasText: '什么是撤销' }).count()).toBe(1);
    // Web Chat is online again, not showing a connection problem.
    const statuses = (await actions()).filter((a) => a.type === 'DIRECT_LINE/UPDATE_CONNECTION_STATUS').map((a) => a.status);
    expect(statuses.at(-1)).toBe(2); // ConnectionStatus.Online
    await expectNoSendFailure();
    await p.screenshot({ path: join(SHOTS, 'official-webchat-reconnected.png') });
  });
});
