import type { Activity } from 'botbuilder';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import { SqlTranscriptStore } from '../../src/store/index.js';
import { fakeClock, useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect((dialect) => {
  const temp = useTempDatabases(dialect);

  function activity(conversationId: string, n: number, role: 'user' | 'bot' = 'user', channelId = 'directline'): Activity {
    return {
      type: 'message',
      id: `${conversationId}-${n}`,
      channelId,
      conversation: { id: conversationId },
      from: { id: role === 'bot' ? 'pos-assist' : 'merchant-1', role },
      recipient: { id: role === 'bot' ? 'merchant-1' : 'pos-assist' },
      text: `message ${n}`,
      timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, n)),
    } as Activity;
  }

  async function openTranscripts(options: { pageSize?: number; now?: () => Date; filename?: string } = {}) {
    const store = await temp.open(options.filename);
    const { filename: _f, ...rest } = options;
    return { store, transcripts: new SqlTranscriptStore(store.db, rest) };
  }

  describe('SqlTranscriptStore', () => {
    it('returns activities oldest first, with their fields intact', async () => {
      const { transcripts } = await openTranscripts();
      for (let n = 0; n < 5; n++) await transcripts.logActivity(activity('c1', n, n % 2 ? 'bot' : 'user'));
      await transcripts.logActivity(activity('other', 0));

      const page = await transcripts.getTranscriptActivities('directline', 'c1');
      expect(page.items.map((a) => a.id)).toEqual(['c1-0', 'c1-1', 'c1-2', 'c1-3', 'c1-4']);
      expect(page.continuationToken).toBe('');
      expect(page.items[0]).toEqual(activity('c1', 0));
      expect(page.items[0]!.timestamp).toBeInstanceOf(Date);
    });

    it('pages with continuation tokens across more than one page', async () => {
      const { transcripts } = await openTranscripts();
      for (let n = 0; n < 250; n++) await transcripts.logActivity(activity('long', n));

      const seen: string[] = [];
      const sizes: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await transcripts.getTranscriptActivities('directline', 'long', token);
        sizes.push(page.items.length);
        seen.push(...page.items.map((a) => a.id!));
        token = page.continuationToken;
        if (++pages > 10) throw new Error('paging does not terminate');
      } while (token);

      expect(sizes).toEqual([100, 100, 50]);
      expect(seen).toEqual(Array.from({ length: 250 }, (_, n) => `long-${n}`));
    });

    it('ends with an empty token when the last page is exactly full', async () => {
      const { transcripts } = await openTranscripts({ pageSize: 3 });
      for (let n = 0; n < 6; n++) await transcripts.logActivity(activity('c', n));
      const first = await transcripts.getTranscriptActivities('directline', 'c');
      expect(first.items).toHaveLength(3);
      expect(first.continuationToken).not.toBe('');
      const second = await transcripts.getTranscriptActivities('directline', 'c', first.continuationToken);
      expect(second.items.map((a) => a.id)).toEqual(['c-3', 'c-4', 'c-5']);
      expect(second.continuationToken).toBe('');
    });

    it('filters by startDate (logging time)', async () => {
      const clock = fakeClock('2025-03-01T10:00:00.000Z');
      const { transcripts } = await openTranscripts({ now: clock.now });
      for (let n = 0; n < 4; n++) {
        await transcripts.logActivity(activity('c', n));
        clock.advance(60_000);
      }
      const page = await transcripts.getTranscriptActivities('directline', 'c', undefined, new Date('2025-03-01T10:02:00.000Z'));
      expect(page.items.map((a) => a.id)).toEqual(['c-2', 'c-3']);
    });

    it('infers the direction from from.role unless given', async () => {
      const { store, transcripts } = await openTranscripts();
      await transcripts.logActivity(activity('c', 0, 'user'));
      await transcripts.logActivity(activity('c', 1, 'bot'));
      await transcripts.logActivity({ ...activity('c', 2), from: undefined } as unknown as Activity);
      await transcripts.logActivity(activity('c', 3, 'bot'), 'in');
      await transcripts.logActivity(activity('c', 4, 'user'), 'out');

      const rows = await store.db.selectFrom('transcript').selectAll().orderBy('id').execute();
      expect(rows.map((r) => r.direction)).toEqual(['in', 'out', 'in', 'in', 'out']);
      expect(rows[1]).toMatchObject({
        channel_id: 'directline',
        conversation_id: 'c',
        activity_id: 'c-1',
        type: 'message',
        from_id: 'pos-assist',
        from_role: 'bot',
        text: 'message 1',
      });
      expect(rows[2]).toMatchObject({ from_id: null, from_role: null });
    });

    it('rejects activities without channel or conversation', async () => {
      const { transcripts } = await openTranscripts();
      const noConversation = { ...activity('c', 0), conversation: undefined } as unknown as Activity;
      const noChannel = { ...activity('c', 0), channelId: '' } as Activity;
      for (const bad of [noConversation, noChannel]) {
        const err = await transcripts.logActivity(bad).then(() => undefined, (e: unknown) => e);
        expect(isAppError(err, 'TRANSCRIPT_INVALID_ACTIVITY')).toBe(true);
      }
    });

    it('lists transcripts of a channel with their creation date, paged', async () => {
      const clock = fakeClock('2025-05-01T08:00:00.000Z');
      const { transcripts } = await openTranscripts({ pageSize: 2, now: clock.now });
      for (const id of ['conv-a', 'conv-b', 'conv-a', 'conv-c', 'conv-b']) {
        await transcripts.logActivity(activity(id, 0));
        clock.advance(1000);
      }
      await transcripts.logActivity(activity('tg-1', 0, 'user', 'telegram'));

      const first = await transcripts.listTranscripts('directline');
      expect(first.items).toEqual([
        { channelId: 'directline', id: 'conv-a', created: new Date('2025-05-01T08:00:00.000Z') },
        { channelId: 'directline', id: 'conv-b', created: new Date('2025-05-01T08:00:01.000Z') },
      ]);
      expect(first.continuationToken).not.toBe('');
      const second = await transcripts.listTranscripts('directline', first.continuationToken);
      expect(second.items).toEqual([
        { channelId: 'directline', id: 'conv-c', created: new Date('2025-05-01T08:00:03.000Z') },
      ]);
      expect(second.continuationToken).toBe('');
      expect((await transcripts.listTranscripts('telegram')).items.map((t) => t.id)).toEqual(['tg-1']);
      expect((await transcripts.listTranscripts('wechat')).items).toEqual([]);
    });

    it('deletes one transcript only', async () => {
      const { transcripts } = await openTranscripts();
      await transcripts.logActivity(activity('keep', 0));
      await transcripts.logActivity(activity('drop', 0));
      await transcripts.logActivity(activity('drop', 1));
      await transcripts.logActivity(activity('drop', 0, 'user', 'telegram')); // same id, other channel

      await transcripts.deleteTranscript('directline', 'drop');
      await transcripts.deleteTranscript('directline', 'never-existed');

      expect((await transcripts.getTranscriptActivities('directline', 'drop')).items).toEqual([]);
      expect((await transcripts.getTranscriptActivities('directline', 'keep')).items).toHaveLength(1);
      expect((await transcripts.getTranscriptActivities('telegram', 'drop')).items).toHaveLength(1);
      expect((await transcripts.listTranscripts('directline')).items.map((t) => t.id)).toEqual(['keep']);
    });

    it('deleteOlderThan removes what was logged before the date and returns the count', async () => {
      const clock = fakeClock('2025-01-01T00:00:00.000Z');
      const { transcripts } = await openTranscripts({ now: clock.now });
      await transcripts.logActivity(activity('old', 0));
      await transcripts.logActivity(activity('mixed', 0));
      clock.set('2025-06-01T00:00:00.000Z');
      await transcripts.logActivity(activity('mixed', 1));
      await transcripts.logActivity(activity('new', 0));

      expect(await transcripts.deleteOlderThan(new Date('2025-03-01T00:00:00.000Z'))).toBe(2);
      expect(await transcripts.deleteOlderThan(new Date('2025-03-01T00:00:00.000Z'))).toBe(0);
      expect((await transcripts.getTranscriptActivities('directline', 'old')).items).toEqual([]);
      expect((await transcripts.getTranscriptActivities('directline', 'mixed')).items.map((a) => a.id)).toEqual(['mixed-1']);
      expect((await transcripts.listTranscripts('directline')).items.map((t) => t.id)).toEqual(['mixed', 'new']);
    });

    it('keeps transcripts across close and reopen of the file', async () => {
      const filename = temp.file('transcripts.db');
      const first = await openTranscripts({ filename });
      await first.transcripts.logActivity(activity('c', 0));
      await first.transcripts.logActivity(activity('c', 1, 'bot'));
      await first.store.close();

      const second = await openTranscripts({ filename });
      await second.transcripts.logActivity(activity('c', 2));
      const page = await second.transcripts.getTranscriptActivities('directline', 'c');
      expect(page.items.map((a) => a.id)).toEqual(['c-0', 'c-1', 'c-2']);
    });

    it('rejects a malformed continuation token', async () => {
      const { transcripts } = await openTranscripts();
      const err = await transcripts.getTranscriptActivities('directline', 'c', 'abc').then(() => undefined, (e: unknown) => e);
      expect(isAppError(err, 'STORAGE_INVALID_KEY')).toBe(true);
    });
  });
});
