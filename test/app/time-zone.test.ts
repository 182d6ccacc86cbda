/**
 * One time zone setting (issue 16, item 17): TIME_ZONE decides the day in a ticket number and the times
 * a merchant is shown, through real runtimes. Kiritimati (UTC+14) and Pago Pago (UTC−11) are 25 hours
 * apart, so their calendar days differ at every hour: the test can fail whenever it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMinute } from '../../src/core/time-zone.js';
import { ticketDay } from '../../src/requests/request-store.js';
import { terminalRequest } from '../requests/helpers.js';
import { startRuntime, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

async function filed(env: TestRuntime, user: string, referenceNo: string) {
  const result = await env.runtime.requests.create(terminalRequest(user, referenceNo));
  if (result.duplicate) throw new Error('a fresh database holds no duplicate');
  return result.request;
}

describe('TIME_ZONE', () => {
  let east: TestRuntime;
  let west: TestRuntime;
  beforeAll(async () => {
    east = await startRuntime({ TIME_ZONE: 'Pacific/Kiritimati' });
    west = await startRuntime({ HANDOFF_TIME_ZONE: 'Pacific/Pago_Pago' });
  });
  afterAll(async () => {
    await east?.cleanup();
    await west?.cleanup();
  });

  it('dates ticket numbers in the merchants’ time zone (HANDOFF_TIME_ZONE still read as its older name)', async () => {
    const before = new Date();
    const a = await filed(east, 'tz-east', '200000000001');
    const b = await filed(west, 'tz-west', '200000000002');
    // Read the days around the call: a midnight passing in between must not fail the test.
    const after = new Date();
    const days = (tz: string) => new Set([ticketDay(before, tz), ticketDay(after, tz)]);
    expect(days('Pacific/Kiritimati')).toContain(a.ticket.split('-')[1]);
    expect(days('Pacific/Pago_Pago')).toContain(b.ticket.split('-')[1]);
    expect(a.ticket.split('-')[1]).not.toBe(b.ticket.split('-')[1]);
  });

  it('shows a request’s times to the merchant in that time zone', async () => {
    const request = await filed(east, 'tz-status', '200000000003');
    const chat = terminalConversation(east.runtime, 'tz-status');
    await chat.say('查一下工单进度');
    await chat.say('123456789012345');
    const reply = (await chat.say(request.ticket)).map((a) => a.text ?? '').join('\n');
    expect(reply).toContain(request.ticket);
    expect(reply).toContain(formatMinute(request.createdAt, 'Pacific/Kiritimati'));
    expect(reply).not.toContain(formatMinute(request.createdAt, 'Pacific/Pago_Pago'));
  });
});
