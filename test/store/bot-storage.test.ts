import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import { SqlStorage } from '../../src/store/index.js';
import { useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  async function openStorage(filename?: string) {
    const store = await temp.open(filename);
    return { store, storage: new SqlStorage(store.db) };
  }

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (err: unknown) => err,
    );
  }

  describe('SqlStorage (botbuilder Storage contract)', () => {
    it('read returns only the keys found, each with an eTag', async () => {
      const { storage } = await openStorage();
      await storage.write({ a: { n: 1 }, b: { n: 2 } });
      const items = await storage.read(['a', 'missing', 'b']);
      expect(Object.keys(items).sort()).toEqual(['a', 'b']);
      expect(items.a).toMatchObject({ n: 1 });
      expect(items.b).toMatchObject({ n: 2 });
      expect(typeof items.a.eTag).toBe('string');
      expect(items.a.eTag.length).toBeGreaterThan(0);
      expect(await storage.read([])).toEqual({});
      expect(await storage.read(['missing'])).toEqual({});
    });

    it('assigns a new eTag on every write and stores the JSON without it', async () => {
      const { store, storage } = await openStorage();
      await storage.write({ k: { v: 1 } });
      const first = (await storage.read(['k'])).k;
      await storage.write({ k: { ...first, v: 2 } });
      const second = (await storage.read(['k'])).k;
      await storage.write({ k: { v: 3, eTag: '*' } });
      const third = (await storage.read(['k'])).k;
      expect(new Set([first.eTag, second.eTag, third.eTag]).size).toBe(3);
      expect(third).toEqual({ v: 3, eTag: third.eTag });

      const row = await store.db.selectFrom('bot_state').selectAll().where('key', '=', 'k').executeTakeFirstOrThrow();
      expect(JSON.parse(row.data)).toEqual({ v: 3 });
      expect(row.etag).toBe(third.eTag);
      expect(Number.isNaN(Date.parse(row.updated_at))).toBe(false);
    });

    it('rejects a write carrying a stale eTag and leaves the data unchanged', async () => {
      const { storage } = await openStorage();
      await storage.write({ k: { v: 1 } });
      const stale = (await storage.read(['k'])).k;
      await storage.write({ k: { ...stale, v: 2 } });
      const current = (await storage.read(['k'])).k;

      const err = await rejection(storage.write({ k: { ...stale, v: 99 } }));
      expect(isAppError(err, 'STORAGE_ETAG_CONFLICT')).toBe(true);
      expect(await storage.read(['k'])).toEqual({ k: { v: 2, eTag: current.eTag } });

      const bogus = await rejection(storage.write({ k: { v: 100, eTag: 'not-the-etag' } }));
      expect(isAppError(bogus, 'STORAGE_ETAG_CONFLICT')).toBe(true);
      expect((await storage.read(['k'])).k.v).toBe(2);
    });

    it("overwrites when the eTag is '*', empty or missing", async () => {
      const { storage } = await openStorage();
      await storage.write({ k: { v: 1 } });
      await storage.write({ k: { v: 2 } }); // missing eTag although the key exists
      expect((await storage.read(['k'])).k.v).toBe(2);
      await storage.write({ k: { v: 3, eTag: '*' } });
      expect((await storage.read(['k'])).k.v).toBe(3);
      await storage.write({ k: { v: 4, eTag: '' } });
      expect((await storage.read(['k'])).k.v).toBe(4);
    });

    it('saves a new key whatever eTag it carries (as MemoryStorage does)', async () => {
      const { storage } = await openStorage();
      await storage.write({ fresh: { v: 1, eTag: 'some-old-etag' } });
      const item = (await storage.read(['fresh'])).fresh;
      expect(item.v).toBe(1);
      expect(item.eTag).not.toBe('some-old-etag');
    });

    it('lets exactly one of two concurrent writes with the same eTag succeed', async () => {
      const { storage } = await openStorage();
      await storage.write({ k: { v: 0 } });
      const { eTag } = (await storage.read(['k'])).k;

      const results = await Promise.allSettled([
        storage.write({ k: { v: 'A', eTag } }),
        storage.write({ k: { v: 'B', eTag } }),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expect(isAppError(failed[0]!.reason, 'STORAGE_ETAG_CONFLICT')).toBe(true);
      const winner = results[0]!.status === 'fulfilled' ? 'A' : 'B';
      expect((await storage.read(['k'])).k.v).toBe(winner);
    });

    it('lets exactly one of many writers on two connections to the same file succeed', async () => {
      const filename = temp.file('shared.db');
      const one = await openStorage(filename);
      const two = await openStorage(filename);
      await one.storage.write({ k: { v: 0 } });
      const { eTag } = (await two.storage.read(['k'])).k;

      const writers = Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? one : two).storage.write({ k: { v: i, eTag } }),
      );
      const results = await Promise.allSettled(writers);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(isAppError(r.reason, 'STORAGE_ETAG_CONFLICT')).toBe(true);
      }
    });

    it('writes several keys all-or-nothing', async () => {
      const { storage } = await openStorage();
      await storage.write({ a: { v: 1 }, b: { v: 1 } });
      const before = await storage.read(['a', 'b']);
      const err = await rejection(
        storage.write({ a: { v: 2, eTag: before.a.eTag }, b: { v: 2, eTag: 'stale' }, c: { v: 2 } }),
      );
      expect(isAppError(err, 'STORAGE_ETAG_CONFLICT')).toBe(true);
      expect(await storage.read(['a', 'b', 'c'])).toEqual(before);
    });

    it('delete removes keys and ignores missing ones', async () => {
      const { storage } = await openStorage();
      await storage.write({ a: { v: 1 }, b: { v: 2 } });
      await storage.delete(['a', 'never-written']);
      await storage.delete(['a']);
      await storage.delete([]);
      expect(Object.keys(await storage.read(['a', 'b']))).toEqual(['b']);
    });

    it('rejects empty keys', async () => {
      const { storage } = await openStorage();
      for (const op of [storage.read(['']), storage.write({ '': { v: 1 } }), storage.delete(['ok', ''])]) {
        expect(isAppError(await rejection(op), 'STORAGE_INVALID_KEY')).toBe(true);
      }
    });

    it('returns copies, never shared objects', async () => {
      const { storage } = await openStorage();
      const original = { nested: { list: [1, 2] }, v: 1 };
      await storage.write({ k: original });
      original.nested.list.push(3); // mutating the written object does not change what was stored
      expect(original).not.toHaveProperty('eTag'); // and the caller's object is not modified

      const first = (await storage.read(['k'])).k;
      expect(first.nested.list).toEqual([1, 2]);
      first.nested.list.push(4);
      first.v = 42;
      const second = (await storage.read(['k'])).k;
      expect(second).not.toBe(first);
      expect(second.nested.list).toEqual([1, 2]);
      expect(second.v).toBe(1);
    });

    it('keeps the data across close and reopen of the file', async () => {
      const filename = temp.file('persist.db');
      const first = await openStorage(filename);
      await first.storage.write({ 'conv/1': { dialog: { step: 3 }, text: '你好' } });
      const { eTag } = (await first.storage.read(['conv/1']))['conv/1'];
      await first.store.close();

      const second = await openStorage(filename);
      expect(await second.storage.read(['conv/1'])).toEqual({ 'conv/1': { dialog: { step: 3 }, text: '你好', eTag } });
      // The eTag read before the restart is still the valid one.
      await second.storage.write({ 'conv/1': { dialog: { step: 4 }, eTag } });
      expect((await second.storage.read(['conv/1']))['conv/1'].dialog.step).toBe(4);
    });
  });

  describe('SqlStorage with botbuilder state', () => {
    it('ConversationState saves and loads through it, across a reopen', async () => {
      const { ConversationState, TestAdapter, TurnContext } = await import('botbuilder');
      const filename = temp.file('bot.db');
      const activity = {
        type: 'message',
        channelId: 'test',
        conversation: { id: 'conv-1' },
        from: { id: 'user-1', role: 'user' },
        recipient: { id: 'bot' },
        text: 'hi',
      };

      const turn = async (storage: SqlStorage): Promise<number> => {
        const state = new ConversationState(storage);
        const counter = state.createProperty<number>('count');
        const context = new TurnContext(new TestAdapter(), activity as never);
        const count = (await counter.get(context, 0)) + 1;
        await counter.set(context, count);
        await state.saveChanges(context);
        return count;
      };

      const first = await openStorage(filename);
      expect(await turn(first.storage)).toBe(1);
      expect(await turn(first.storage)).toBe(2);
      await first.store.close();
      const second = await openStorage(filename);
      expect(await turn(second.storage)).toBe(3);
      expect(await second.storage.read(['test/conversations/conv-1/'])).toMatchObject({
        'test/conversations/conv-1/': { count: 3 },
      });
    });
  });
});
