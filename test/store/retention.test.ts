/**
 * Retention (issue 16, item 14): everything that holds a merchant's words or files is deleted past the
 * retention period — not only the transcript — and stored files nothing refers to are removed. Real
 * SQLite files and a real files folder; rows are written with their timestamps set directly.
 */
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { purgeExpired } from '../../src/store/retention.js';
import type { Database } from '../../src/store/schema.js';
import { startRuntime } from '../helpers/runtime.js';
import { useTempDatabases } from './helpers.js';
import { describeEachDialect } from '../helpers/dialects.js';

const NOW = new Date('2026-06-30T00:00:00.000Z');
const CUTOFF = new Date('2026-01-01T00:00:00.000Z');
const OLD = '2025-12-01T00:00:00.000Z';
const NEW = '2026-06-01T00:00:00.000Z';
const file = (c: string, ext = 'jpg') => `${c.repeat(64)}.${ext}`;

async function fill(db: Kysely<Database>, when: string, tag: string, photo: string): Promise<void> {
  const activity = JSON.stringify({ type: 'message', text: `${tag} 我要退款`, attachments: [{ contentUrl: `file:///data/files/${photo}` }] });
  await db.insertInto('transcript').values({ channel_id: 'webchat', conversation_id: `c-${tag}`, activity_id: null, direction: 'in', type: 'message', from_id: 'u', from_role: 'user', text: `${tag} 我要退款`, activity_json: activity, created_at: when }).execute();
  await db.insertInto('dl_conversations').values({ id: `dl-${tag}`, user_id: 'u', next_seq: 1, started: 1, created_at: when }).execute();
  await db.insertInto('dl_activities').values({ conversation_id: `dl-${tag}`, seq: 0, activity_id: `a-${tag}`, client_activity_id: null, from_role: 'user', activity_json: activity, processed_at: when, created_at: when }).execute();
  await db.insertInto('dl_files').values({ conversation_id: `dl-${tag}`, file: photo, content_type: 'image/jpeg', size: 3, created_at: when }).execute();
  await db.insertInto('knowledge_misses').values({ channel_id: 'webchat', conversation_id: `c-${tag}`, user_id: 'u', question: `${tag} 外卡能刷吗`, confidence: 0.1, locale: 'zh-CN', created_at: when }).execute();
  const feedback = await db
    .insertInto('answer_feedback')
    .values({ channel_id: 'webchat', conversation_id: `c-${tag}`, user_id: 'u', rating: 'down', question: `${tag} 退货要几天`, answered_by: 'extractive', confidence: 0.5, locale: 'zh-CN', answered_at: when, created_at: when })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('answer_feedback_sources').values({ feedback_id: feedback.id, position: 0, file: `${tag}.md`, title: '退货', section: '时效' }).execute();
  await db.insertInto('bot_state').values({ key: `webchat/conversations/c-${tag}`, data: JSON.stringify({ heldFiles: [{ file: photo }] }), etag: '1', updated_at: when }).execute();
  for (const status of ['ended', 'ticket', 'waiting'] as const) {
    await db
      .insertInto('handoffs')
      .values({
        id: `h-${tag}-${status}`,
        channel_id: 'webchat',
        conversation_id: `c-${tag}`,
        conversation_ref_json: '{}',
        user_id: 'u',
        locale: 'zh-CN',
        status,
        reason: 'human_request',
        detail: null,
        package_json: JSON.stringify({ summary: `${tag} 商户要退款`, attachments: status === 'waiting' ? [] : [{ file: photo }] }),
        agent_id: null,
        callback_phone: '13800138000',
        message: `${tag} 请回电`,
        end_reason: null,
        rating: null,
        created_at: when,
        claimed_at: null,
        ended_at: status === 'ended' ? when : null,
      })
      .execute();
    await db.insertInto('handoff_events').values({ handoff_id: `h-${tag}-${status}`, kind: 'message_in', actor: 'merchant', text: `${tag} 你好`, created_at: when }).execute();
  }
}

describeEachDialect((dialect) => {
  describe('purgeExpired', () => {
    const temp = useTempDatabases(dialect);

    it('deletes every kind of merchant data older than the cutoff and keeps what is newer', async () => {
      const { db } = await temp.open();
      await fill(db, OLD, 'old', file('a'));
      await fill(db, NEW, 'new', file('b'));

      const result = await purgeExpired(db, { cutoff: CUTOFF, now: NOW });
      expect(result).toMatchObject({ transcript: 1, dlActivities: 1, dlConversations: 1, misses: 1, feedback: 1, handoffs: 2, botState: 1, files: 0 });

      const texts = async (table: keyof Database, column: string) =>
        (await db.selectFrom(table).select(column as never).execute()).map((r) => String(Object.values(r as object)[0]));
      for (const [table, column] of [
        ['transcript', 'text'],
        ['dl_activities', 'activity_json'],
        ['knowledge_misses', 'question'],
        ['answer_feedback', 'question'],
        ['answer_feedback_sources', 'file'],
        ['handoff_events', 'text'],
        ['handoffs', 'message'],
        ['bot_state', 'key'],
        ['dl_files', 'file'],
      ] as const) {
        const left = await texts(table, column);
        // Old rows gone, new rows kept (a waiting handoff is someone still in the queue: never deleted).
        expect(left.some((t) => t.includes('new') || t.includes('b'.repeat(64))), `${table} keeps new rows`).toBe(true);
        expect(left.filter((t) => t.includes('old') || t.includes('a'.repeat(64))), `${table} drops old rows`).toEqual(
          table === 'handoffs' ? ['old 请回电'] : table === 'handoff_events' ? ['old 你好'] : [],
        );
      }
      expect((await db.selectFrom('handoffs').select('id').where('id', 'like', 'h-old-%').execute()).map((r) => r.id)).toEqual(['h-old-waiting']);
      // A second run finds nothing more.
      expect(Object.values(await purgeExpired(db, { cutoff: CUTOFF, now: NOW })).every((n) => n === 0)).toBe(true);
    });

    it('removes stored files nothing refers to, once past a grace period, and expired console sessions', async () => {
      const { db } = await temp.open();
      const dir = join(temp.dir(), 'files');
      mkdirSync(dir);
      await fill(db, OLD, 'old', file('a'));
      await fill(db, NEW, 'new', file('b'));
      await db
        .insertInto('requests')
        .values({ id: 'r1', ticket: 'CX-20251201-0001', kind: 'cancel-transaction', merchant_id: '898000000000001', dedupe_key: null, status: 'submitted', slots_json: '{}', attachments_json: JSON.stringify([{ file: file('c', 'png') }]), channel_id: 'webchat', conversation_ref_json: null, user_id: 'u', locale: 'zh-CN', created_at: OLD, updated_at: OLD })
        .execute();
      const old = new Date(NOW.getTime() - 3 * 86_400_000);
      const write = (name: string, mtime: Date) => {
        writeFileSync(join(dir, name), 'abc');
        utimesSync(join(dir, name), mtime, mtime);
      };
      write(file('a'), old); // referenced only by rows that are now purged
      write(file('b'), old); // referenced by kept rows
      write(file('c', 'png'), old); // referenced by a request (a record kept past retention)
      write(file('d', 'pdf'), old); // never referenced
      write(file('e'), new Date(NOW.getTime() - 60_000)); // unreferenced but just uploaded
      writeFileSync(join(dir, 'README.txt'), 'not a stored file');

      const agent = await db.insertInto('agents').values({ name: 'lihua', role: 'agent', password_hash: 'x', locked_until: null, last_active_at: null, created_at: OLD }).returning('id').executeTakeFirstOrThrow();
      for (const [id, expires] of [['expired', '2026-06-29T00:00:00.000Z'], ['live', '2026-07-01T00:00:00.000Z']]) {
        await db.insertInto('agent_sessions').values({ id: id!, agent_id: agent.id, csrf_token: 't', created_at: OLD, expires_at: expires!, last_seen_at: OLD }).execute();
      }

      for (const [hash, expires] of [['old-code', '2026-06-28T00:00:00.000Z'], ['fresh-code', '2026-06-29T23:55:00.000Z']]) {
        await db.insertInto('binding_codes').values({ code_hash: hash!, merchant_id: '898000000000001', expires_at: expires!, used_at: null, used_by: null, created_at: OLD }).execute();
      }

      const result = await purgeExpired(db, { cutoff: CUTOFF, now: NOW, filesDir: dir });
      expect(result).toMatchObject({ files: 2, sessions: 1, bindingCodes: 1 });
      expect((await db.selectFrom('binding_codes').select('code_hash').execute()).map((r) => r.code_hash)).toEqual(['fresh-code']);
      expect([file('a'), file('b'), file('c', 'png'), file('d', 'pdf'), file('e'), 'README.txt'].map((n) => existsSync(join(dir, n)))).toEqual([false, true, true, false, true, true]);
      expect((await db.selectFrom('agent_sessions').select('id').execute()).map((r) => r.id)).toEqual(['live']);
      // Requests are the acquirer's records: kept.
      expect(await db.selectFrom('requests').select('id').execute()).toHaveLength(1);
    });

    it('runs when a runtime starts, with TRANSCRIPT_RETENTION_DAYS', async () => {
      const dataDir = temp.dir();
      // On PostgreSQL through DATABASE_URL, as a deployment sets it: config → runtime → store.
      const { url } = await temp.options(temp.file());
      const database: Record<string, string> = url ? { DATABASE_URL: url } : {};
      const first = await startRuntime({ DATA_DIR: dataDir, ...database });
      expect(first.runtime.store.dialect).toBe(dialect);
      const ninetyDaysAgo = new Date(Date.now() - 90 * 86_400_000).toISOString();
      await fill(first.runtime.store.db, ninetyDaysAgo, 'old', file('f'));
      await first.runtime.close();

      const kept = await startRuntime({ DATA_DIR: dataDir, TRANSCRIPT_RETENTION_DAYS: '180', ...database });
      expect(await kept.runtime.store.db.selectFrom('knowledge_misses').select('question').execute()).toHaveLength(1);
      await kept.runtime.close();

      const purged = await startRuntime({ DATA_DIR: dataDir, TRANSCRIPT_RETENTION_DAYS: '30', ...database });
      const db = purged.runtime.store.db;
      expect(await db.selectFrom('knowledge_misses').select('question').execute()).toHaveLength(0);
      expect(await db.selectFrom('dl_activities').select('seq').execute()).toHaveLength(0);
      expect(await db.selectFrom('bot_state').select('key').where('key', 'like', '%c-old%').execute()).toHaveLength(0);
      await purged.runtime.close();
    });
  });
});
