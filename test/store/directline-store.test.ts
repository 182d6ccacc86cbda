/**
 * The Direct Line log on both dialects: watermarks without gaps, client retries mapped to the stored
 * activity, pending turns, file quotas — and on PostgreSQL, two instances appending to one conversation.
 */
import { expect, it } from 'vitest';
import { DirectLineStore } from '../../src/channels/webchat/directline-store.js';
import { describeEachDialect, describePostgres } from '../helpers/dialects.js';
import { fakeClock, useTempDatabases } from './helpers.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  it('numbers activities 1, 2, 3… per conversation, maps a retried client id to the stored one, lists after a watermark', async () => {
    const { db } = await temp.open();
    const clock = fakeClock();
    const store = new DirectLineStore(db, clock.now);
    await store.createConversation('c1', 'u1');
    await store.createConversation('c2', 'u2');
    const a = await store.append('c1', { type: 'message', text: 'one' }, { clientActivityId: 'x1', fromRole: 'user', processed: false });
    const b = await store.append('c1', { type: 'message', text: 'two' }, { fromRole: 'bot', processed: true });
    const other = await store.append('c2', { type: 'message', text: 'elsewhere' }, { fromRole: 'user', processed: true });
    const retry = await store.append('c1', { type: 'message', text: 'one again' }, { clientActivityId: 'x1', fromRole: 'user', processed: false });
    expect([a, b, other, retry]).toEqual([
      { seq: 1, id: 'c1|0000001', duplicate: false },
      { seq: 2, id: 'c1|0000002', duplicate: false },
      { seq: 1, id: 'c2|0000001', duplicate: false },
      { seq: 1, id: 'c1|0000001', duplicate: true },
    ]);
    expect(await store.findByClientId('c1', 'x1')).toBe('c1|0000001');
    expect((await store.listAfter('c1', undefined)).map((s) => [s.seq, s.activity.text])).toEqual([[1, 'one'], [2, 'two']]);
    expect((await store.listAfter('c1', 1)).map((s) => s.activity.id)).toEqual(['c1|0000002']);

    expect((await store.pending()).map((p) => [p.conversationId, p.seq])).toEqual([['c1', 1]]);
    expect(await store.isPending('c1', 1)).toBe(true);
    await store.markProcessed('c1', 1);
    expect(await store.pending()).toEqual([]);

    expect(await store.markStarted('c1')).toBe(true);
    expect(await store.markStarted('c1')).toBe(false);
    expect(await store.getConversation('c1')).toEqual({ id: 'c1', userId: 'u1', started: true });
  });

  it('sums a conversation’s files, each file once', async () => {
    const { db } = await temp.open();
    const store = new DirectLineStore(db);
    await store.createConversation('c1', 'u1');
    expect(await store.fileBytes('c1')).toBe(0);
    await store.addFile('c1', 'a.png', 'image/png', 1000);
    await store.addFile('c1', 'b.pdf', 'application/pdf', 2500);
    await store.addFile('c1', 'a.png', 'image/png', 1000);
    expect(await store.fileBytes('c1')).toBe(3500);
    expect(await store.getFile('c1', 'b.pdf')).toEqual({ contentType: 'application/pdf', size: 2500 });
  });
});

describePostgres('Direct Line log shared by two instances', () => {
  const temp = useTempDatabases('postgres');

  it('gives concurrent appends from both gapless watermarks, and the same retry on both one activity', async () => {
    const name = temp.file('shared');
    const [a, b] = [new DirectLineStore((await temp.open(name)).db), new DirectLineStore((await temp.open(name)).db)];
    await a.createConversation('c1', 'u1');
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append('c1', { type: 'message', text: `m${i}` }, { fromRole: 'user', processed: true })),
    );
    expect(results.map((r) => r.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    for (let round = 0; round < 10; round++) {
      const same = await Promise.all([a, b].map((s) => s.append('c1', { type: 'message', text: 'retry' }, { clientActivityId: `r${round}`, fromRole: 'user', processed: false })));
      expect(same[0]!.id).toBe(same[1]!.id);
      expect(same.filter((r) => r.duplicate)).toHaveLength(1);
    }
    const all = await a.listAfter('c1', undefined);
    expect(all.map((s) => s.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });
});
