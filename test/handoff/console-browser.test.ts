/**
 * The handoff as its two users live it, in Debian's Chromium (playwright-core) with two browser
 * contexts on the real server: a merchant in the web chat widget, halfway through a cancellation
 * request, asks for a person; the agent, logged into the console, gets the notification, claims, sees
 * the package; they exchange messages and an image both ways; the agent approves a request and the
 * merchant sees the outcome; the agent hands back and the merchant goes on with the bot where they were.
 * Screenshots go to dist/test-output/handoff/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../src/app/server.js';
import { haveChromium, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../webchat/helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHOTS = join(ROOT, 'dist', 'test-output', 'handoff');

const SLIP = readFileSync(join(ROOT, 'test', 'fixtures', 'files', 'slip.png'));
const AGENT_PHOTO = readFileSync(join(ROOT, 'test', 'fixtures', 'files', 'slip-2.png'));

describe.skipIf(!haveChromium)('handoff between the web chat and the agent console, in a real browser', () => {
  let server: Server;
  let browser: Browser;
  let ts: TestServer | undefined;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startTestServer({ HANDOFF_BUSINESS_HOURS: 'always' });
    server = ts.server;
    await server.app.agentAuth.agents.add({ name: 'lihua', role: 'supervisor', password: 'correct-horse-42' });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ts?.destroy();
  });

  const bubbles = (page: Page, role: 'user' | 'bot') => page.locator(`[data-testid="pos-assist-message"][data-role="${role}"]`);
  const botSaid = (page: Page, text: string) => bubbles(page, 'bot').filter({ hasText: text });

  async function send(page: Page, text: string): Promise<void> {
    await page.getByTestId('pos-assist-input').fill(text);
    await page.getByTestId('pos-assist-input').press('Enter');
  }

  it('hands a merchant to an agent and back, with messages, images and a review decision both ways', async () => {
    // ── The agent logs in (notifications recorded: headless Chromium shows none) ──
    const agentContext = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'zh-CN' });
    await agentContext.grantPermissions(['notifications'], { origin: server.url });
    await agentContext.addInitScript(() => {
      const shown: string[] = [];
      (globalThis as unknown as { shownNotifications: string[] }).shownNotifications = shown;
      class RecordingNotification {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        onclick: unknown = null;
        constructor(title: string, options?: { body?: string }) {
          shown.push(`${title} ${options?.body ?? ''}`);
        }
        close(): void {}
      }
      Object.defineProperty(globalThis, 'Notification', { value: RecordingNotification, configurable: true });
    });
    const agent = await agentContext.newPage();
    await agent.goto(`${server.url}/agent`);
    await agent.getByTestId('login-name').fill('lihua');
    await agent.getByTestId('login-password').fill('correct-horse-42');
    await agent.getByTestId('login-submit').click();
    await expect.poll(() => agent.getByTestId('presence').isVisible(), { timeout: 10_000 }).toBe(true);

    // ── The merchant starts a request in the widget, then asks for a person ──
    const merchantContext = await browser.newContext({ viewport: { width: 420, height: 860 }, locale: 'zh-CN' });
    const merchant = await merchantContext.newPage();
    await merchant.goto(server.url);
    await merchant.getByTestId('pos-assist-launcher').click();
    await expect.poll(() => bubbles(merchant, 'bot').first().textContent(), { timeout: 15_000 }).toContain('POS Assist');
    await send(merchant, '昨天刷了1280元，参考号123456789012，想撤销');
    await expect.poll(() => botSaid(merchant, '商户编号').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await send(merchant, '898310048161234');
    await expect.poll(() => botSaid(merchant, '终端编号').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await send(merchant, '转人工客服');
    await expect.poll(() => botSaid(merchant, '正在为您转接人工客服').count(), { timeout: 15_000 }).toBe(1);

    // ── The agent is notified, claims, sees the package ──
    const waiting = agent.locator('[data-testid="queue-item"][data-status="waiting"]');
    await expect.poll(() => waiting.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => agent.evaluate(() => (globalThis as unknown as { shownNotifications: string[] }).shownNotifications.length), { timeout: 10_000 }).toBeGreaterThan(0);
    await waiting.first().click();
    await agent.getByTestId('claim').click();
    await expect.poll(() => botSaid(merchant, '已接入').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(async () => (await agent.getByTestId('package').textContent()) ?? '', { timeout: 10_000 }).toContain('898310048161234');
    expect(await agent.getByTestId('package-reason').textContent()).toBeTruthy();
    await agent.screenshot({ path: join(SHOTS, '1-agent-claimed-with-package.png') });

    // ── Messages both ways; the bot stays silent ──
    await agent.getByTestId('composer-input').fill('您好，我是客服李华，请问签购单还在吗？');
    await agent.getByTestId('composer-send').click();
    await expect.poll(() => botSaid(merchant, '我是客服李华').count(), { timeout: 15_000 }).toBe(1);
    const botMessagesBefore = await bubbles(merchant, 'bot').count();
    await send(merchant, '在的，我拍给您');
    await expect.poll(() => agent.locator('[data-testid="chat-event"]').filter({ hasText: '我拍给您' }).count(), { timeout: 15_000 }).toBe(1);
    await merchant.getByTestId('pos-assist-attach').setInputFiles({ name: 'slip.png', mimeType: 'image/png', buffer: SLIP });
    await merchant.getByTestId('pos-assist-send').click();
    await expect.poll(() => agent.locator('[data-testid="chat-event"] img').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // A chosen image is previewed, then sent with the send button.
    await agent.getByTestId('composer-file').setInputFiles({ name: 'example.png', mimeType: 'image/png', buffer: AGENT_PHOTO });
    await agent.getByTestId('composer-send').click();
    await expect.poll(() => merchant.locator('[data-testid="pos-assist-message"][data-role="bot"] img').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    // Nothing from the bot itself while the agent owns the conversation: only the agent's two messages.
    expect(await bubbles(merchant, 'bot').count()).toBe(botMessagesBefore + 1);
    await merchant.screenshot({ path: join(SHOTS, '2-merchant-talking-to-agent.png') });

    // ── A request of this merchant, approved from the console; the merchant sees the outcome ──
    const runtime = server.runtime()!;
    const [open] = await runtime.handoff.store.list(['active']);
    const filed = await runtime.requests.create({
      kind: 'cancel-transaction',
      merchantId: '898310048161234',
      slots: { reference_no: '999988887777', amount: 50000 },
      channelId: open!.channelId,
      conversationRef: open!.conversationRef,
      locale: 'zh-CN',
    });
    expect(filed.duplicate).toBe(false);
    await agent.getByTestId('requests-tab').click();
    await agent.locator('[data-testid="request-item"]').first().click();
    await agent.getByTestId('review-approve').click();
    const reason = agent.getByTestId('review-reason');
    if (await reason.isVisible().catch(() => false)) await reason.fill('材料齐全');
    await agent.getByTestId('review-submit').click();
    await expect.poll(() => botSaid(merchant, '审核通过').count(), { timeout: 15_000 }).toBe(1);
    await agent.screenshot({ path: join(SHOTS, '3-agent-reviewed-request.png') });

    // ── Hand back: the bot resumes the request where it stood, asks for a rating ──
    await agent.getByTestId('conversations-tab').click();
    await agent.locator('[data-testid="queue-item"][data-status="active"]').first().click();
    await agent.getByTestId('handback').click();
    await expect.poll(() => botSaid(merchant, '人工客服已结束').count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => botSaid(merchant, '打个分').count(), { timeout: 15_000 }).toBe(1);
    await send(merchant, '5');
    await expect.poll(() => botSaid(merchant, '谢谢您的评价').count(), { timeout: 15_000 }).toBe(1);
    await send(merchant, '12345678');
    await expect.poll(() => botSaid(merchant, '后4位').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await merchant.screenshot({ path: join(SHOTS, '4-merchant-back-with-the-bot.png') });
    const [ended] = await runtime.handoff.store.list(['ended']);
    expect(ended).toMatchObject({ endReason: 'handed_back', rating: 5 });

    await agentContext.close();
    await merchantContext.close();
  }, 120_000);
});
