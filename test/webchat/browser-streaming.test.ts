/**
 * A streamed reply in the web chat widget, in Debian's Chromium (playwright-core): the bot's turn sends
 * interim activities (the text so far) and then the final message, through the real web chat adapter of
 * a real server. The page shows ONE bot bubble whose text grows (an interim arriving out of order is
 * ignored), marked as growing and with the log aria-busy meanwhile, and which ends as the final text
 * with its suggested actions; after a reload the reply is there once. Screenshots go to
 * dist/test-output/webchat/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MessageFactory, type ConversationReference } from 'botbuilder';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../src/app/server.js';
import { BOT_ACCOUNT } from '../../src/channels/channel-adapter.js';
import { finalActivity, streamingActivity } from '../../src/channels/streaming.js';
import type { WebChatAdapter } from '../../src/channels/webchat/webchat-adapter.js';
import { haveChromium, launchChromium } from '../helpers/browser.js';
import { sleep, startTestServer, waitFor, type TestServer } from './helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHOTS = join(ROOT, 'dist', 'test-output', 'webchat');

const FINAL =
  '已经结算的交易不能再撤销，只能做**退货**：在 POS 上选择“退货”，输入原交易参考号和金额，退款会按原路退回持卡人的银行卡。来源：《撤销与退货的区别》';
const FINAL_TEXT = FINAL.replace(/\*\*/g, '');
/** Text to compare: a cut in the middle of `**bold**` shows the stars until the bold is closed. */
const plain = (text: string) => text.replace(/[*\s]/g, '');

describe.skipIf(!haveChromium)('a streamed reply in the web chat widget', () => {
  let server: Server;
  let browser: Browser;
  let ts: TestServer | undefined;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startTestServer({});
    server = ts.server;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ts?.destroy();
  });

  const bubbles = (page: Page) => page.locator('[data-testid="pos-assist-message"][data-role="bot"]');
  const lastText = (page: Page) => bubbles(page).last().locator('.text').textContent();

  async function session(page: Page): Promise<{ conversationId: string; userId: string }> {
    const raw = (await page.evaluate(`localStorage.getItem(${JSON.stringify(`pos-assist:${server.url}`)})`)) as string | null;
    if (!raw) throw new Error('no web chat session in localStorage');
    return JSON.parse(raw) as { conversationId: string; userId: string };
  }

  it('shows one bubble whose text grows and ends as the final message', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('pos-assist-launcher').click();
    await expect.poll(() => bubbles(page).first().textContent(), { timeout: 15_000 }).toContain('POS Assist');
    const before = await bubbles(page).count();
    const { conversationId, userId } = await session(page);
    const reference: Partial<ConversationReference> = {
      channelId: 'directline',
      serviceUrl: server.url,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: conversationId },
      bot: { ...BOT_ACCOUNT },
      user: { id: userId, name: userId },
    };
    const adapter = server.runtime()!.handoffDelivery.adapterFor('directline') as WebChatAdapter;
    const log = page.locator('[role="log"]');

    // What the page showed after each interim (checked after the turn: a failed check inside the turn
    // would only reach the bot's error handler).
    const seen: { text: string; count: number; streaming: boolean; busy: string | null }[] = [];
    const texts = Array.from({ length: 7 }, (_, i) => FINAL.slice(0, Math.ceil(((i + 1) * FINAL.length) / 8)));
    let afterStale = '';
    await adapter.continueConversation(reference, async (ctx) => {
      await ctx.sendActivity({ type: 'typing' });
      for (const [i, text] of texts.entries()) {
        await ctx.sendActivity(streamingActivity('browser-1', i + 1, text));
        await waitFor(async () => (plain((await lastText(page).catch(() => '')) ?? '').endsWith(plain(text)) ? true : undefined), `interim ${i + 1} on the page`, 5_000).catch(() => undefined);
        seen.push({
          text: (await lastText(page)) ?? '',
          count: await bubbles(page).count(),
          streaming: (await bubbles(page).last().getAttribute('data-streaming')) !== null,
          busy: await log.getAttribute('aria-busy'),
        });
        if (i === 3) await page.screenshot({ path: join(SHOTS, 'streaming-growing.png') });
        await sleep(80);
      }
      // An older interim arriving late changes nothing.
      await ctx.sendActivity(streamingActivity('browser-1', 2, texts[1]!));
      await sleep(300);
      afterStale = (await lastText(page)) ?? '';
      await ctx.sendActivity(finalActivity('browser-1', MessageFactory.suggestedActions(['问题已解决', '转人工客服'], FINAL)));
    });

    // One bubble the whole time, growing with each interim, marked as growing, the log busy.
    expect(seen).toHaveLength(texts.length);
    for (const [i, s] of seen.entries()) {
      expect(s.count).toBe(before + 1);
      expect(s.streaming).toBe(true);
      expect(s.busy).toBe('true');
      expect(plain(s.text)).toBe(plain(texts[i]!));
      if (i > 0) expect(s.text.length).toBeGreaterThan(seen[i - 1]!.text.length);
    }
    expect(afterStale).toBe(seen.at(-1)!.text);
    // The final message takes its place: still one bubble, the complete (rendered) text, buttons below.
    await expect.poll(() => lastText(page), { timeout: 10_000 }).toBe(FINAL_TEXT);
    expect(await bubbles(page).count()).toBe(before + 1);
    expect(await bubbles(page).last().getAttribute('data-streaming')).toBeNull();
    expect(await bubbles(page).last().locator('strong').textContent()).toBe('退货');
    expect(await bubbles(page).last().getAttribute('data-activity-id')).toMatch(new RegExp(`^${conversationId}\\|\\d+$`));
    expect(await log.getAttribute('aria-busy')).toBeNull();
    expect(await page.getByTestId('pos-assist-suggested').allTextContents()).toEqual(['问题已解决', '转人工客服']);
    expect(await page.locator('.typing').isHidden()).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'streaming-final.png') });

    // After a reload the reply is there once (the interims were never stored).
    await page.reload();
    if (!(await page.getByTestId('pos-assist-panel').isVisible())) await page.getByTestId('pos-assist-launcher').click();
    await expect.poll(() => bubbles(page).filter({ hasText: '原路退回' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await bubbles(page).count()).toBe(before + 1);
    await context.close();
  }, 120_000);
});
