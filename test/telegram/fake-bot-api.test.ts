/**
 * The fake Bot API's getUpdates keeps Telegram's rules, which the crash and restart tests rely on: an
 * update stays pending until a later call's offset confirms it, and a long poll the bot closed takes
 * nothing with it. Real HTTP on 127.0.0.1.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeBotApi } from './fake-bot-api.js';
import { person, textUpdate } from './helpers.js';

const fakes: FakeBotApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function start(): Promise<FakeBotApi> {
  const fake = await FakeBotApi.start();
  fakes.push(fake);
  return fake;
}

async function getUpdates(fake: FakeBotApi, params: Record<string, unknown>, signal?: AbortSignal): Promise<number[]> {
  const res = await fetch(`${fake.apiRoot}/bot${fake.token}/getUpdates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
    ...(signal ? { signal } : {}),
  });
  const body = (await res.json()) as { ok: boolean; result: { update_id: number }[] };
  expect(body.ok).toBe(true);
  return body.result.map((u) => u.update_id);
}

describe('fake Bot API: getUpdates', () => {
  it('an update handed out comes again until a later offset confirms it', async () => {
    const fake = await start();
    const { update_id: id } = fake.pushUpdate(textUpdate(person(3001), 'hello'));
    expect(await getUpdates(fake, { offset: 1 })).toEqual([id]);
    expect(await getUpdates(fake, { offset: 1 })).toEqual([id]);
    expect(await getUpdates(fake, { offset: id + 1 })).toEqual([]);
    expect(await getUpdates(fake, { offset: 1 })).toEqual([]);
  });

  it('a forced redelivery is pending until a call made after it was handed out confirms it', async () => {
    const fake = await start();
    const update = fake.pushUpdate(textUpdate(person(3002), 'hello'));
    expect(await getUpdates(fake, { offset: 1 })).toEqual([update.update_id]);
    expect(await getUpdates(fake, { offset: update.update_id + 1 })).toEqual([]);

    fake.pushUpdate(update, { force: true });
    expect(await getUpdates(fake, { offset: update.update_id + 1 })).toEqual([update.update_id]);
    expect(await getUpdates(fake, { offset: update.update_id + 1 })).toEqual([]);
  });

  it('a long poll the bot aborted takes no update with it: the next poll gets it', async () => {
    const fake = await start();
    const update = fake.pushUpdate(textUpdate(person(3003), 'hello'));
    expect(await getUpdates(fake, { offset: 1 })).toEqual([update.update_id]);

    // The stopped bot's last long poll, already confirming the update; then the bot is gone.
    const abort = new AbortController();
    const dead = getUpdates(fake, { offset: update.update_id + 1, timeout: 30 }, abort.signal).catch((err: unknown) => err);
    await fake.waitFor((c) => c.method === 'getUpdates' && c.params.timeout === 30);
    abort.abort();
    expect(await dead).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(fake.polling).toBe(false));

    // Telegram delivers it again: the next bot's poll gets it.
    fake.pushUpdate(update, { force: true });
    expect(await getUpdates(fake, { offset: 1, timeout: 30 })).toEqual([update.update_id]);
  });
});
