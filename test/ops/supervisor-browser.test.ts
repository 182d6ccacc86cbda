/**
 * The supervisors' views of the agent console in Debian's Chromium (playwright-core) on the real server:
 * an agent sees neither the dashboard nor the audit tab; a supervisor opens the dashboard (the numbers of
 * what merchants just did, the question the guide could not answer, a CSV download), then the audit log,
 * sees the logins and a claim, and filters it; in the knowledge-upkeep block under the dashboard a
 * supervisor picks a missed question from the gaps, previews it, attaches it to a section as a paraphrase
 * and writes a curated answer, and the merchant's same question is then answered. Screenshots go to
 * dist/test-output/handoff/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium } from '../helpers/browser.js';
import { t } from '../../src/i18n/messages.js';
import { addAgent, agent, api, Merchant, onlyHandoff, PASSWORD, startHandoffServer } from '../handoff/helpers.js';
import type { TestServer } from '../webchat/helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SHOTS = join(ROOT, 'dist', 'test-output', 'handoff');
const MISSED = '收银员按错了键把人家的单子打出来了咋弄回去';

describe.skipIf(!haveChromium)('the supervisor views of the agent console, in a real browser', () => {
  let browser: Browser;
  let ts: TestServer;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ts = await startHandoffServer();
    await addAgent(ts, 'lead', 'supervisor');
    await addAgent(ts, 'mei');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await ts?.destroy();
  });

  async function signIn(name: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${ts.url}/agent`);
    await page.getByTestId('login-name').fill(name);
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('presence').isVisible(), { timeout: 10_000 }).toBe(true);
    return page;
  }

  it('an agent has no dashboard or audit tab', async () => {
    const page = await signIn('mei');
    expect(await page.getByTestId('requests-tab').isVisible()).toBe(true);
    expect(await page.getByTestId('dashboard-tab').isVisible()).toBe(false);
    expect(await page.getByTestId('audit-tab').isVisible()).toBe(false);
    await page.context().close();
  });

  it('a supervisor reads the audit log and filters it', async () => {
    // Something to see besides logins: an agent claims a merchant's conversation.
    const claimer = await agent(ts, 'kai');
    const merchant = await Merchant.open(ts);
    await merchant.turn('转人工', /客服|排队|前面/);
    const handoff = await onlyHandoff(ts, merchant.conversationId);
    expect((await api(ts, claimer, 'POST', `/agent/api/handoffs/${handoff.id}/claim`)).status).toBe(200);

    // And a question answered with a 👍.
    const asker = await Merchant.open(ts);
    await asker.turn('明天上海会下雨吗', '没有找到');
    await asker.turn('退货多久能到账', '来源');
    await asker.turn('👍', '感谢');

    const page = await signIn('lead');
    await page.getByTestId('dashboard-tab').click();
    const daily = page.getByTestId('dash-daily');
    await expect.poll(() => daily.locator('tbody tr').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('dash-conversations').textContent()).toContain('2');
    expect(await page.getByTestId('dash-deflection').textContent()).toContain('50%');
    expect(await page.getByTestId('dash-handoff-rate').textContent()).toContain('50%');
    expect(await page.getByTestId('dash-reasons').textContent()).toContain('商户要求人工');
    expect(await page.getByTestId('dash-sections').locator('tbody tr').count()).toBeGreaterThan(0);
    // The question the guide could not answer, in the gaps below.
    await expect.poll(() => page.getByTestId('dash-gaps').textContent(), { timeout: 10_000 }).toContain('明天上海会下雨吗');
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dash-csv-daily').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toContain('day,channel,conversations');
    expect(csv).toMatch(/\r\ntotal,all,2,1,1,0\.5,1,0\.5,/);

    await page.getByTestId('audit-tab').click();
    const rows = page.getByTestId('audit-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(4);
    expect(await page.locator('[data-testid="audit-row"][data-action="handoff.claim"]').textContent()).toContain('kai');
    expect(await page.locator('[data-testid="audit-row"][data-action="handoff.claim"]').textContent()).toContain(handoff.id);
    await page.screenshot({ path: join(SHOTS, 'audit-log.png') });

    await page.getByTestId('audit-action').selectOption('agent.login');
    await page.getByTestId('audit-apply').click();
    await expect.poll(async () => [...new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action'))))], { timeout: 10_000 }).toEqual(['agent.login']);
    await page.getByTestId('audit-actor').fill('lead');
    await page.getByTestId('audit-apply').click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    await page.context().close();
  }, 90_000);

  it('a supervisor attaches a missed question to a section and writes a curated answer; the merchant is then answered', async () => {
    const merchant = await Merchant.open(ts);
    await merchant.turn(MISSED, t('zh-CN', 'noAnswer').split('\n')[0]!);

    const page = await signIn('lead');
    await page.getByTestId('dashboard-tab').click();
    await expect.poll(() => page.getByTestId('dash-gaps').textContent(), { timeout: 10_000 }).toContain(MISSED);

    // From the gap to the form: the preview says the bot cannot answer it.
    await page.locator(`[data-testid="kb-pick"][title="${MISSED}"]`).click();
    expect(await page.getByTestId('kb-question').inputValue()).toBe(MISSED);
    await expect.poll(() => page.getByTestId('kb-result').textContent(), { timeout: 10_000 }).toContain('答不上');

    await page.getByTestId('kb-section').selectOption('void-refund-steps.md\n消费撤销操作步骤');
    await page.getByTestId('kb-add-paraphrase').click();
    await expect.poll(() => page.getByTestId('kb-paraphrases').textContent(), { timeout: 10_000 }).toContain(MISSED);
    await expect.poll(() => page.getByTestId('kb-result').textContent(), { timeout: 10_000 }).toContain('主管密码');

    // A curated answer for another question, previewed as given verbatim.
    await page.getByTestId('kb-question').fill('外卡能刷吗');
    await page.getByTestId('kb-answer').fill('可以刷。Visa、Mastercard 等境外卡按终端提示插卡或挥卡即可。');
    await page.getByTestId('kb-add-curated').click();
    await expect.poll(() => page.getByTestId('kb-curated').textContent(), { timeout: 10_000 }).toContain('境外卡');
    await expect.poll(() => page.getByTestId('kb-result').textContent(), { timeout: 10_000 }).toContain('精选答复');
    await page.getByTestId('kb').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'knowledge-upkeep.png'), fullPage: true });

    // The merchant asks again: answered from the section, no restart.
    const answered = (await merchant.turn(MISSED, t('zh-CN', 'sourcesLabel'))).join('\n');
    expect(answered).toContain('主管密码');
    await page.context().close();
  }, 90_000);
});
