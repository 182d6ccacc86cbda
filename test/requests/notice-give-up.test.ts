/**
 * A decision notice that cannot be delivered is retried a bounded number of times, then given up and
 * shown to operators — it never holds back newer notices. A real runtime (SQLite, the terminal channel)
 * whose channel fails for one merchant's notices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NOTICE_ATTEMPTS } from '../../src/app/runtime.js';
import { TerminalAdapter } from '../../src/channels/terminal/terminal-adapter.js';
import { startRuntime, type TestRuntime } from '../helpers/runtime.js';
import { terminalRequest } from './helpers.js';
import { agent, api, dbOf, startHandoffServer } from '../handoff/helpers.js';
import type { TestServer } from '../webchat/helpers.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await startRuntime();
});
afterAll(async () => {
  await t?.cleanup();
});

async function decided(user: string, referenceNo: string) {
  const created = await t.runtime.requests.create(terminalRequest(user, referenceNo));
  if (created.duplicate) throw new Error('a duplicate request');
  await t.runtime.requests.transition(created.request.id, 'approved', { actor: 'backoffice' });
  return created.request;
}

describe('undeliverable decision notices', () => {
  it(`are given up after ${MAX_NOTICE_ATTEMPTS} failed attempts, listed for operators, and newer notices still go out`, async () => {
    const blocked = await decided('gone', '910000000001');
    const told: string[] = [];
    /**
     * A channel that cannot deliver to one conversation (the merchant blocked the bot, the chat is gone):
     * the failure happens inside the turn, where the turn's error handler would otherwise swallow it.
     */
    class PartlyDown extends TerminalAdapter {
      protected override async deliver(activity: Parameters<TerminalAdapter['deliver']>[0]) {
        if (activity.conversation?.id === 'terminal:gone') throw new Error('the chat is gone');
        return super.deliver(activity);
      }
    }
    t.runtime.attach(new PartlyDown({ transcripts: t.runtime.transcripts, userId: 'any', onActivity: (a) => void told.push(a.text ?? '') }));
    for (let i = 1; i < MAX_NOTICE_ATTEMPTS; i++) await t.runtime.sendPendingNotifications();
    expect((await t.runtime.requests.pendingNotifications()).map((p) => p.request.ticket)).toEqual([blocked.ticket]);
    expect(await t.runtime.requests.failedNotifications()).toEqual([]);

    await t.runtime.sendPendingNotifications(); // the last attempt
    expect(await t.runtime.requests.pendingNotifications()).toEqual([]);
    expect(await t.runtime.requests.failedNotifications()).toEqual([{ ticket: blocked.ticket, eventId: expect.any(Number), to: 'approved', failedAt: expect.any(Date) }]);

    // A newer decision is told at once: nothing ahead of it any more.
    const later = await decided('here', '910000000002');
    expect(await t.runtime.sendPendingNotifications()).toBe(1);
    expect(told.join('\n')).toContain(later.ticket);

    // What the console shows agents: which requests, and which change, the merchant never heard of.
    expect([...(await t.runtime.requests.withFailedNotice([blocked.id, later.id]))]).toEqual([blocked.id]);
    const history = (await t.runtime.requests.details(blocked.id))!.history;
    expect(history.map((e) => [e.to, e.notifyFailedAt !== null])).toEqual([
      ['submitted', false],
      ['approved', true],
    ]);
  });
});

describe('in the agent console', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startHandoffServer();
  });
  afterAll(async () => {
    await ts?.destroy();
  });

  it('a request whose decision could not be told is marked in the list and in its history', async () => {
    const runtime = ts.server.runtime()!;
    const created = await runtime.requests.create(terminalRequest('console-gone', '910000000003'));
    if (created.duplicate) throw new Error('a duplicate request');
    const fine = await runtime.requests.create(terminalRequest('console-here', '910000000004'));
    if (fine.duplicate) throw new Error('a duplicate request');
    const event = await runtime.requests.transition(created.request.id, 'rejected', { actor: 'backoffice', reason: '超过退货期限' });
    // Given up as runtime.sendPendingNotifications does after the last attempt (tested above).
    await dbOf(ts).updateTable('request_events').set({ notify_failed_at: new Date().toISOString() }).where('id', '=', event.id).execute();

    const supervisor = await agent(ts, 'sup', 'supervisor');
    const list = await api(ts, supervisor, 'GET', '/agent/api/requests');
    const flags = Object.fromEntries(list.body.requests.map((r: { ticket: string; noticeFailed: boolean }) => [r.ticket, r.noticeFailed]));
    expect(flags).toEqual({ [created.request.ticket]: true, [fine.request.ticket]: false });
    const details = await api(ts, supervisor, 'GET', `/agent/api/requests/${created.request.id}`);
    expect(details.body.request.noticeFailed).toBe(true);
    expect(details.body.history.map((h: { to: string; noticeFailed: boolean }) => [h.to, h.noticeFailed])).toEqual([
      ['submitted', false],
      ['rejected', true],
    ]);
  });
});
