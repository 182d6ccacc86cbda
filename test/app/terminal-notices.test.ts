/**
 * `chat --user bob` tells bob of the decisions made while he was away — and never alice's: the notices
 * sent when a terminal chat opens are those of its own conversation (a real runtime, real SQLite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { terminalRequest } from '../requests/helpers.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await startRuntime();
});
afterAll(async () => {
  await t?.cleanup();
});

/** A request filed from the terminal chat of `user`, decided since. */
async function decidedFor(user: string, referenceNo: string) {
  const created = await t.runtime.requests.create(terminalRequest(user, referenceNo));
  if (created.duplicate) throw new Error('a duplicate request');
  await t.runtime.requests.transition(created.request.id, 'approved', { actor: 'backoffice' });
  return created.request;
}

describe('decision notices in the terminal chat', () => {
  it('are sent only to the conversation they belong to', async () => {
    const alices = await decidedFor('alice', '900000000001');
    const bobs = await decidedFor('bob', '900000000002');
    const bob = terminalConversation(t.runtime, 'bob');
    await bob.start();
    const sent = await t.runtime.sendPendingNotifications({ conversationId: bob.adapter.conversationId });
    expect(sent).toBe(1);
    const texts = bob.received.map((a) => a.text ?? '').join('\n');
    expect(texts).toContain(bobs.ticket);
    expect(texts).not.toContain(alices.ticket);
    // Alice's notice waits for her.
    const pending = await t.runtime.requests.pendingNotifications(100, { channelIds: ['terminal'] });
    expect(pending.map((p) => p.request.ticket)).toEqual([alices.ticket]);
  });
});
