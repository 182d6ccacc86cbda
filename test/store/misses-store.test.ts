import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import { KnowledgeMissStore } from '../../src/store/index.js';
import { fakeClock, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  describe('KnowledgeMissStore', () => {
    it('records misses and lists them newest first, with limit and since', async () => {
      const clock = fakeClock('2025-02-01T09:00:00.000Z');
      const filename = temp.file('misses.db');
      const store = await temp.open(filename);
      const misses = new KnowledgeMissStore(store.db, { now: clock.now });

      const first = await misses.record({
        channelId: 'telegram',
        conversationId: 'chat-1',
        userId: 'u-1',
        question: 'How do I print a settlement report?',
        confidence: 0.21,
        locale: 'en',
      });
      expect(first).toMatchObject({ userId: 'u-1', confidence: 0.21, createdAt: new Date('2025-02-01T09:00:00.000Z') });
      clock.advance(60_000);
      await misses.record({ channelId: 'wechat', conversationId: 'wx-9', question: '小票打印不出来怎么办', confidence: 0.4, locale: 'zh-CN' });
      clock.advance(60_000);
      await misses.record({ channelId: 'directline', conversationId: 'dl-3', question: 'Refund limit?', confidence: 0, locale: 'en' });

      const all = await misses.list();
      expect(all.map((m) => m.question)).toEqual(['Refund limit?', '小票打印不出来怎么办', 'How do I print a settlement report?']);
      expect(all[1]).toEqual({
        id: expect.any(Number),
        channelId: 'wechat',
        conversationId: 'wx-9',
        userId: null,
        question: '小票打印不出来怎么办',
        confidence: 0.4,
        locale: 'zh-CN',
        createdAt: new Date('2025-02-01T09:01:00.000Z'),
      });
      expect(all[2]).toEqual(first);

      expect((await misses.list({ limit: 1 })).map((m) => m.conversationId)).toEqual(['dl-3']);
      expect((await misses.list({ since: new Date('2025-02-01T09:01:00.000Z') })).map((m) => m.conversationId)).toEqual([
        'dl-3',
        'wx-9',
      ]);

      // Persisted in the file.
      await store.close();
      const reopened = await temp.open(filename);
      expect(await new KnowledgeMissStore(reopened.db).list()).toEqual(all);
    });

    it('rejects incomplete records', async () => {
      const store = await temp.open();
      const misses = new KnowledgeMissStore(store.db);
      const base = { channelId: 'c', conversationId: 'k', question: 'q', confidence: 0.1, locale: 'en' };
      for (const bad of [{ ...base, question: '  ' }, { ...base, confidence: Number.NaN }, { ...base, channelId: '' }]) {
        const err = await misses.record(bad).then(() => undefined, (e: unknown) => e);
        expect(isAppError(err, 'STORAGE_INVALID_ITEM')).toBe(true);
      }
      expect(await misses.list()).toEqual([]);
    });
  });
});
