/**
 * The supervisors' views of the agent console in Debian's Chromium (playwright-core) on the real server:
 * an agent sees neither the dashboard nor the audit tab; a supervisor opens the dashboard (the numbers of
 * what merchants just did, the question the guide could not answer, a CSV download), then the audit log,
 * sees the logins and a claim, and filters it; in the knowledge-upkeep block under the dashboard a
 * supervisor picks a missed question from the gaps, previews it, attaches it to a section as a paraphrase
 * and writes a curated answer, and the merchant's same question is then answered. An agent proposes a
 * reply of a conversation they resolved as a curated answer; the supervisor previews, edits and approves
 * it, marks a gap handled, sees the handled ones, and downloads the export. Screenshots go to
 * dist/test-output/handoff/.
 */
import { execFileSync } from 'node:child_process';
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

  it('an agent proposes a reply of a resolved conversation; the supervisor previews, edits and approves it, marks a gap handled and downloads the export', async () => {
    const INVOICE = '怎么给顾客开发票';
    const REPLY = '您好，发票请在商户服务平台「电子发票」里开具，顾客扫小票上的二维码也能自助开。还有别的问题随时找我。';
    const EDITED = '发票在商户服务平台「电子发票」里开具；顾客扫小票上的二维码也能自助开票。';
    const NO_ANSWER = t('zh-CN', 'noAnswer').split('\n')[0]!;
    const merchant = await Merchant.open(ts);
    await merchant.turn(INVOICE, NO_ANSWER);
    await merchant.turn('转人工', /客服|排队|前面/);

    // The agent claims, replies, resolves, then proposes the reply: the dialog has the merchant's question.
    const desk = await signIn('mei');
    const waiting = desk.locator('[data-testid="queue-item"][data-status="waiting"]');
    await expect.poll(() => waiting.count(), { timeout: 15_000 }).toBe(1);
    await waiting.first().click();
    await desk.getByTestId('claim').click();
    await expect.poll(() => desk.getByTestId('composer-input').isEnabled(), { timeout: 10_000 }).toBe(true);
    await desk.getByTestId('composer-input').fill(REPLY);
    await desk.getByTestId('composer-send').click();
    const reply = desk.locator('[data-testid="chat-event"][data-kind="message_out"]').filter({ hasText: '电子发票' });
    await expect.poll(() => reply.count(), { timeout: 10_000 }).toBe(1);
    await desk.getByTestId('resolve').click();
    await expect.poll(() => desk.getByTestId('chat-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('ended');
    await reply.getByTestId('propose').click();
    expect(await desk.getByTestId('propose-question').inputValue()).toBe(INVOICE);
    // An empty question is refused in the dialog, in the console's language.
    await desk.getByTestId('propose-question').fill(' ');
    await desk.getByTestId('propose-submit').click();
    await expect.poll(() => desk.getByTestId('propose-dialog').locator('.form-error').textContent(), { timeout: 5_000 }).toContain('请填写问题');
    await desk.getByTestId('propose-question').fill(INVOICE);
    await desk.getByTestId('propose-submit').click();
    await expect.poll(() => reply.getByTestId('propose-state').getAttribute('data-status'), { timeout: 10_000 }).toBe('pending');
    await desk.screenshot({ path: join(SHOTS, 'propose-reply.png') });
    await desk.context().close();

    // The supervisor finds it pending, previews it (not live yet), edits and approves it.
    const page = await signIn('lead');
    await page.getByTestId('dashboard-tab').click();
    const proposal = page.getByTestId('kb-proposal').filter({ hasText: 'mei' });
    await expect.poll(() => proposal.count(), { timeout: 10_000 }).toBe(1);
    expect(await proposal.getByTestId('kb-proposal-question').inputValue()).toBe(INVOICE);
    expect(await proposal.getByTestId('kb-proposal-answer').inputValue()).toBe(REPLY);
    await proposal.getByTestId('kb-proposal-answer').fill(EDITED);
    await proposal.getByTestId('kb-proposal-preview-btn').click();
    await expect.poll(() => page.getByTestId('kb-result').textContent(), { timeout: 10_000 }).toContain(EDITED);
    expect(await page.getByTestId('kb-result').textContent()).toContain('答不上');
    await page.getByTestId('kb').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'knowledge-proposal.png'), fullPage: true });
    await proposal.getByTestId('kb-approve').click();
    await expect.poll(() => page.getByTestId('kb-curated').textContent(), { timeout: 10_000 }).toContain(EDITED);
    await expect.poll(() => page.getByTestId('kb-result').textContent(), { timeout: 10_000 }).toContain('精选答复');
    expect(await page.getByTestId('kb-proposal').count()).toBe(0);

    // The fixed questions moved to the handled list, naming the edit; the weather is marked handled by hand.
    const handled = page.getByTestId('dash-gaps-handled');
    await expect.poll(() => handled.textContent(), { timeout: 10_000 }).toContain(INVOICE);
    expect(await handled.textContent()).toContain(MISSED);
    await page.locator('[data-testid="gap-handle"][title="明天上海会下雨吗"]').click();
    await expect.poll(() => page.locator('[data-testid="gap-reopen"][title="明天上海会下雨吗"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('[data-testid="gap-handle"][title="明天上海会下雨吗"]').count()).toBe(0);
    await handled.locator('summary').click();
    const handledText = (await handled.textContent()) ?? '';
    expect(handledText).toMatch(/精选答复 #\d+/);
    expect(handledText).toMatch(/问法 #\d+/);
    expect(handledText).toContain('未修改知识库');
    await handled.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'knowledge-gaps-handled.png'), fullPage: true });

    // The export, downloaded: what `pos-assist knowledge export` would write.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('kb-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^pos-assist-knowledge-\d{4}-\d{2}-\d{2}\.zip$/);
    const listing = execFileSync('python3', ['-c', 'import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps({n: z.read(n).decode("utf-8") for n in z.namelist()}))', (await download.path())!]).toString('utf8');
    const files = JSON.parse(listing) as Record<string, string>;
    expect(files['curated-answers.md']).toContain(EDITED);
    expect(files['void-refund-steps.md']).toContain(`- ${MISSED}`);
    await page.context().close();

    // A merchant asking the same gets the approved answer.
    const later = await Merchant.open(ts);
    expect((await later.turn('怎么给顾客开发票？', t('zh-CN', 'sourcesLabel'))).join('\n')).toContain(EDITED);
  }, 120_000);
});
