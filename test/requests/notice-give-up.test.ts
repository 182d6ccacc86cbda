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
    /** A channel that cannot reach one conversation (the merchant blocked the bot, the chat is gone). */
    class PartlyDown extends TerminalAdapter {
      override async continueConversation(...args: Parameters<TerminalAdapter['continueConversation']>): Promise<void> {
        if (args[0].conversation?.id === 'terminal:gone') throw new Error('the chat is gone');
        return super.continueConversation(...args);
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
  });
});
