/**
 * The inbound journal of the platform channels on a real SQLite file: stored once per (channel, platform
 * id), never with a clear card number, replayed in arrival order until processed (a bounded number of
 * times, for a bounded time), and forgotten a day after arrival.
 */
import { describe, expect, it } from 'vitest';
import { InboundJournal } from '../../src/channels/inbound-journal.js';
import { fakeClock, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);
  const CARD = '6222021234567890128';

  describe('InboundJournal', () => {
    it('records an event once per channel and platform id; a redelivery writes nothing', async () => {
      const store = await temp.open();
      const journal = new InboundJournal(store.db);
      const id = await journal.record('telegram', '7001', '900', { activity: { text: '你好' } });
      expect(id).toBeTypeOf('number');
      expect(await journal.record('telegram', '7001', '900', { activity: { text: '另一个' } })).toBeUndefined();
      expect(await journal.record('wechat', 'wx-a', '900', { activity: { text: '你好' } })).toBeTypeOf('number');
      const rows = await store.db.selectFrom('channel_inbound').selectAll().orderBy('id').execute();
      expect(rows.map((r) => [r.channel, r.platform_id, JSON.parse(r.payload_json).activity.text])).toEqual([
        ['telegram', '900', '你好'],
        ['wechat', '900', '你好'],
      ]);
    });

    it('never stores a clear card number, and keeps identifiers (file ids) as they are', async () => {
      const store = await temp.open();
      const journal = new InboundJournal(store.db);
      await journal.record('telegram', '7001', '901', { activity: { text: `卡号 ${CARD} 退货` }, files: [{ fileId: 'AgACAgUAAxkBAAI6222021234567890128', name: `${CARD}.jpg` }] });
      const row = await store.db.selectFrom('channel_inbound').select('payload_json').executeTakeFirstOrThrow();
      expect(row.payload_json).not.toContain(`卡号 ${CARD}`);
      expect(row.payload_json).toContain('622202*********0128');
      const payload = JSON.parse(row.payload_json);
      expect(payload.files[0].fileId).toBe('AgACAgUAAxkBAAI6222021234567890128');
      expect(payload.files[0].name).not.toContain(CARD);
    });

    it('lists unprocessed events of a channel in arrival order, each replay counted, until processed or given up', async () => {
      const store = await temp.open();
      const journal = new InboundJournal(store.db, { maxAttempts: 2 });
      const a = (await journal.record('telegram', 'chat-1', '1', { n: 1 }))!;
      await journal.record('telegram', 'chat-2', '2', { n: 2 });
      await journal.record('wechat', 'wx', 'w1', { n: 0 });
      await journal.record('telegram', 'chat-1', '3', { n: 3 });
      await journal.markProcessed(a);
      const first = await journal.pending<{ n: number }>('telegram');
      expect(first.map((e) => [e.chatKey, e.platformId, e.payload.n, e.attempts])).toEqual([
        ['chat-2', '2', 2, 1],
        ['chat-1', '3', 3, 1],
      ]);
      await journal.markProcessed(first[0]!.id);
      expect((await journal.pending('telegram')).map((e) => [e.platformId, e.attempts])).toEqual([['3', 2]]);
      // A third start: the event that failed twice is not run again.
      expect(await journal.pending('telegram')).toEqual([]);
      expect((await journal.pending('wechat')).map((e) => e.platformId)).toEqual(['w1']);
    });

    it('forgets events a day after they arrived (processed or not), and replays none older', async () => {
      const store = await temp.open();
      const clock = fakeClock('2025-06-01T08:00:00.000Z');
      const journal = new InboundJournal(store.db, { now: clock.now });
      const old = (await journal.record('telegram', 'c', '10', {}))!;
      await journal.record('telegram', 'c', '11', {});
      await journal.markProcessed(old);
      clock.advance(12 * 3_600_000);
      await journal.record('telegram', 'c', '12', {});
      clock.advance(13 * 3_600_000);
      // Within the day a redelivery of 12 is recognised; 10 and 11 arrived 25 hours ago.
      expect((await journal.pending('telegram')).map((e) => e.platformId)).toEqual(['12']);
      expect(await journal.purge()).toBe(2);
      expect(await journal.record('telegram', 'c', '12', {})).toBeUndefined();
      expect((await store.db.selectFrom('channel_inbound').select('platform_id').execute()).map((r) => r.platform_id)).toEqual(['12']);
    });

    it('purges at most once an hour as turns finish', async () => {
      const store = await temp.open();
      const clock = fakeClock('2025-06-01T08:00:00.000Z');
      const journal = new InboundJournal(store.db, { now: clock.now });
      const first = (await journal.record('telegram', 'c', '1', {}))!;
      await journal.markProcessed(first); // purges (nothing old yet)
      clock.advance(25 * 3_600_000);
      const second = (await journal.record('telegram', 'c', '2', {}))!;
      await journal.markProcessed(second); // a day later: the first is deleted
      expect((await store.db.selectFrom('channel_inbound').select('platform_id').execute()).map((r) => r.platform_id)).toEqual(['2']);
    });
  });
});
