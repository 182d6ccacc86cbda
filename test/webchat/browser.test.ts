/**
 * The web chat as a merchant uses it: Debian's Chromium (playwright-core) opens the demo page served by
 * the real server, asks a question, gets the cited answer, reloads and still sees the history once,
 * sends an image, is safe against HTML in messages, and fits a 360 px phone screen; 👍/👎 under an
 * answer is stored and counted in /metrics, and 👎 offers a rephrase or a person.
 * Screenshots go to dist/test-output/webchat/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../src/app/server.js';
import { haveChromium, launchChromium } from '../helpers/browser.js';
import { startTestServer, type TestServer } from './helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHOTS = join(ROOT, 'dist', 'test-output', 'webchat');
const METRICS_TOKEN = 'browser-metrics-token-0123456789';

// 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe.skipIf(!haveChromium)('web chat in a real browser', () => {
  let server: Server;
  let browser: Browser;
  let ts: TestServer | undefined;
  const dialogs: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startTestServer({ METRICS_TOKEN });
    server = ts.server;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ts?.destroy();
  });

  const bubbles = (page: Page, role: 'user' | 'bot') => page.locator(`[data-testid="pos-assist-message"][data-role="${role}"]`);

  async function open(page: Page): Promise<void> {
    const panel = page.getByTestId('pos-assist-panel');
    if (!(await panel.isVisible().catch(() => false))) await page.getByTestId('pos-assist-launcher').click();
    await expect.poll(() => panel.isVisible(), { timeout: 10_000 }).toBe(true);
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByTestId('pos-assist-input').fill(text);
    await page.getByTestId('pos-assist-input').press('Enter');
  }

  it('asks a question, gets the cited answer, keeps the history across a reload, sends an image', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(server.url);
    await open(page);
    // The greeting arrives over the stream.
    await expect.poll(() => bubbles(page, 'bot').first().textContent(), { timeout: 15_000 }).toContain('POS Assist');

    await send(page, 'POS机已经结算了还能撤销交易吗');
    const answer = bubbles(page, 'bot').filter({ hasText: '只能做退货' });
    await expect.poll(() => answer.count(), { timeout: 15_000 }).toBe(1);
    expect(await answer.first().textContent()).toContain('来源：《撤销与退货的区别》');
    await page.screenshot({ path: join(SHOTS, 'desktop-answer.png') });

    // Reload: the same conversation, each message exactly once.
    await page.reload();
    await open(page);
    await expect.poll(() => bubbles(page, 'bot').filter({ hasText: '只能做退货' }).count(), { timeout: 15_000 }).toBe(1);
    expect(await bubbles(page, 'user').filter({ hasText: 'POS机已经结算了还能撤销交易吗' }).count()).toBe(1);

    // An image: the merchant's bubble shows it, the bot answers.
    const botBefore = await bubbles(page, 'bot').count();
    await page.getByTestId('pos-assist-attach').setInputFiles({ name: 'slip.png', mimeType: 'image/png', buffer: PNG });
    await page.getByTestId('pos-assist-send').click();
    await expect.poll(() => bubbles(page, 'user').locator('img').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await expect.poll(() => bubbles(page, 'bot').count(), { timeout: 15_000 }).toBeGreaterThan(botBefore);

    // HTML in a message is shown as text, never run.
    await send(page, '<img src=x onerror="alert(1)">');
    await expect.poll(() => bubbles(page, 'user').filter({ hasText: '<img src=x onerror="alert(1)">' }).count(), { timeout: 10_000 }).toBe(1);
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'desktop-after-reload.png') });
    await context.close();
  }, 120_000);

  it('fits a 360 px phone screen and is usable with the keyboard', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(server.url);
    expect(await (page.evaluate('document.documentElement.scrollWidth') as Promise<number>)).toBeLessThanOrEqual(360);
    const launcher = page.getByTestId('pos-assist-launcher');
    expect(await launcher.getAttribute('aria-label')).toBeTruthy();
    await launcher.focus();
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('pos-assist-panel');
    await expect.poll(() => panel.isVisible(), { timeout: 10_000 }).toBe(true);
    const box = await panel.boundingBox();
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360.5);
    expect(await (page.evaluate('document.documentElement.scrollWidth') as Promise<number>)).toBeLessThanOrEqual(360);
    await expect.poll(() => bubbles(page, 'bot').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await send(page, '退货报25是什么意思');
    await expect.poll(() => bubbles(page, 'bot').filter({ hasText: '返回码25' }).count(), { timeout: 15_000 }).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'phone-360.png') });
    // Escape closes the panel and gives the focus back to the launcher.
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.isVisible(), { timeout: 5_000 }).toBe(false);
    await context.close();
  }, 120_000);

  async function feedbackCount(rating: 'up' | 'down'): Promise<number> {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const line = (await res.text()).split('\n').find((l) => l.startsWith('pos_assist_answer_feedback_total{') && l.includes('channel="directline"') && l.includes(`rating="${rating}"`));
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  const buttons = (page: Page) => page.getByTestId('pos-assist-suggested');

  it('shows 👍/👎 under an answer; 👍 is thanked and stored, 👎 offers a rephrase or a person', async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 860 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByTestId('pos-assist-launcher').click();
    await expect.poll(() => bubbles(page, 'bot').count(), { timeout: 15_000 }).toBeGreaterThan(0);

    await send(page, '退货多久能到账');
    await expect.poll(() => bubbles(page, 'bot').filter({ hasText: '来源：' }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => buttons(page).allTextContents(), { timeout: 10_000 }).toEqual(expect.arrayContaining(['👍 有帮助', '👎 没帮助']));
    await page.screenshot({ path: join(SHOTS, 'feedback-buttons.png') });

    const before = await feedbackCount('up');
    await buttons(page).filter({ hasText: '👍 有帮助' }).click();
    await expect.poll(() => bubbles(page, 'bot').filter({ hasText: '感谢您的反馈' }).count(), { timeout: 15_000 }).toBe(1);
    const db = server.runtime()!.store.db;
    const up = await db.selectFrom('answer_feedback').selectAll().where('channel_id', '=', 'directline').execute();
    expect(up).toMatchObject([{ rating: 'up', question: '退货多久能到账', answered_by: 'extractive' }]);
    const sections = await db.selectFrom('answer_feedback_sources').selectAll().where('feedback_id', '=', up[0]!.id).execute();
    expect(sections.length).toBeGreaterThan(0);
    expect(await feedbackCount('up')).toBe(before + 1);

    await send(page, '怎么申请暂停结算');
    await expect.poll(() => buttons(page).allTextContents(), { timeout: 15_000 }).toContain('👎 没帮助');
    await buttons(page).filter({ hasText: '👎 没帮助' }).click();
    await expect.poll(() => bubbles(page, 'bot').filter({ hasText: '没能帮到您' }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => buttons(page).allTextContents(), { timeout: 10_000 }).toEqual(['换个说法再问', '转人工客服']);
    await page.screenshot({ path: join(SHOTS, 'feedback-down.png') });
    expect(await feedbackCount('down')).toBe(1);
    await buttons(page).filter({ hasText: '换个说法再问' }).click();
    await expect.poll(() => bubbles(page, 'bot').filter({ hasText: '请换个说法再问一次' }).count(), { timeout: 15_000 }).toBe(1);
    await context.close();
  });
});
