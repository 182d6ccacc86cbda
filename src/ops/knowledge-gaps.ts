/**
 * What merchants asked that the guide did not answer well, for the daily review: the questions the bot
 * could not answer (`knowledge_misses`) and the answers merchants marked 👎 (`answer_feedback`), grouped
 * by similarity — the cosine of term-frequency vectors over the guide's tokens (jieba words, character
 * bigrams) and the question's characters, each question joining the group of the first newer question
 * within `GROUP_SIMILARITY` — with counts, a few examples and, for 👎, the sections the answers cited.
 * The groups are the worklist for improving the guide; they change nothing by themselves.
 *
 * A question fixed (a paraphrase or curated answer saved for it) or judged not worth fixing is marked
 * handled (`knowledge_gap_marks`, versioned like knowledge_edits: a question's newest mark is its state,
 * naming the edit that fixed it when there is one). A group whose every question was marked handled after
 * it was asked leaves the open list for the handled one; asked again after the mark, it is open again —
 * the fix did not hold.
 */
import type { Kysely } from 'kysely';
import { QuestionIndex } from '../knowledge/question-index.js';
import { tokenize } from '../knowledge/text.js';
import type { Database } from '../store/schema.js';
import type { GapGroupView } from '../handoff/console-api.js';
import { questionKey, type GapMarksTable, type GapMarkTables } from './knowledge-edits.js';

/** Two questions this close (cosine of their TF-IDF vectors) are one gap. */
export const GROUP_SIMILARITY = 0.5;
const EXAMPLES = 3;
/** The most wordings a group lists for marking it handled (the rest stay open, and show again). */
export const GROUP_QUESTIONS_MAX = 100;

type GapMark = Omit<GapMarksTable, 'id'> & { id: number };

/** Each question key's newest mark, for the keys given. */
async function latestMarks(db: Kysely<Database>, keys: string[]): Promise<Map<string, GapMark>> {
  const latest = new Map<string, GapMark>();
  const marks = db.withTables<GapMarkTables>();
  // Chunked: SQLite caps the parameters of one statement.
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await marks.selectFrom('knowledge_gap_marks').selectAll().where('question_key', 'in', keys.slice(i, i + 500)).orderBy('id', 'asc').execute();
    for (const r of rows) latest.set(r.question_key, r);
  }
  return latest;
}

/** One group: counts, the newest distinct wordings, the sections 👎'd answers cited (most often first). */
export type GapGroup = GapGroupView;

/** Particles every question has: no sign of what it is about. */
const PARTICLES = new Set([...'吗呢吧啊的了么呀']);

/** The guide's tokens (words, bigrams) plus the question's Chinese characters: short questions worded apart still meet. */
function gapTokens(question: string): string[] {
  const chars = (question.match(/[\u4e00-\u9fff]/g) ?? []).filter((c) => !PARTICLES.has(c)).map((c) => `¹${c}`);
  return [...tokenize(question), ...chars];
}

interface Asked {
  question: string;
  at: string;
  kind: 'miss' | 'down';
  sections: { file: string; title: string; section: string }[];
}

/**
 * Questions asked from `since` until before `until`, newest `limit` of each kind, grouped; each group says
 * whether it is handled (every question marked after it was last asked) and by whom and which edit.
 */
export async function knowledgeGaps(db: Kysely<Database>, options: { since: Date; until: Date; limit?: number }): Promise<GapGroup[]> {
  const since = options.since.toISOString();
  const until = options.until.toISOString();
  const limit = options.limit ?? 500;
  const misses = await db.selectFrom('knowledge_misses').select(['question', 'created_at']).where('created_at', '>=', since).where('created_at', '<', until).orderBy('id', 'desc').limit(limit).execute();
  const downs = await db.selectFrom('answer_feedback').select(['id', 'question', 'created_at']).where('rating', '=', 'down').where('created_at', '>=', since).where('created_at', '<', until).orderBy('id', 'desc').limit(limit).execute();
  const cited = downs.length
    ? await db.selectFrom('answer_feedback_sources').select(['feedback_id', 'file', 'title', 'section']).where('feedback_id', 'in', downs.map((d) => d.id)).execute()
    : [];
  const asked: Asked[] = [
    ...misses.map((m) => ({ question: m.question, at: m.created_at, kind: 'miss' as const, sections: [] })),
    ...downs.map((d) => ({ question: d.question, at: d.created_at, kind: 'down' as const, sections: cited.filter((c) => c.feedback_id === d.id) })),
  ].sort((a, b) => b.at.localeCompare(a.at));

  const tokens = asked.map((a) => gapTokens(a.question));
  // Plain term frequencies: a corpus of a few dozen questions gives no idf worth trusting.
  const index = new QuestionIndex(
    tokens.map((t, key) => ({ key, tokens: t })),
    () => 1,
  );
  /** The group (index of its first question) of each question. */
  const groupOf: number[] = [];
  tokens.forEach((t, i) => {
    let group = i;
    const sims = index.similarities(index.vector(t));
    for (let j = 0; j < i; j++) {
      if ((sims.get(j) ?? 0) >= GROUP_SIMILARITY) {
        group = groupOf[j]!;
        break;
      }
    }
    groupOf.push(group);
  });

  const marks = await latestMarks(db, [...new Set(asked.map((a) => questionKey(a.question)))]);
  const markOf = (a: Asked) => {
    const mark = marks.get(questionKey(a.question));
    return mark?.status === 'handled' && mark.created_at >= a.at ? mark : undefined;
  };
  const editIds = [...new Set([...marks.values()].map((m) => m.edit_id).filter((id): id is number => id !== null))];
  const edits = new Map(
    (editIds.length ? await db.selectFrom('knowledge_edits').select(['id', 'kind']).where('id', 'in', editIds).execute() : []).map((e) => [e.id, e.kind]),
  );

  const groups = new Map<number, Asked[]>();
  asked.forEach((a, i) => {
    const list = groups.get(groupOf[i]!) ?? [];
    list.push(a);
    groups.set(groupOf[i]!, list);
  });
  return [...groups.values()]
    .map((list) => {
      const sections = new Map<string, GapGroup['sections'][number]>();
      for (const s of list.flatMap((a) => a.sections)) {
        const key = `${s.file}\n${s.section}`;
        const seen = sections.get(key);
        if (seen) seen.count += 1;
        else sections.set(key, { file: s.file, title: s.title, section: s.section, count: 1 });
      }
      const handledBy = list.map(markOf);
      const newest = handledBy.every((m) => m !== undefined) ? handledBy.reduce((a, b) => (b!.id > a!.id ? b : a)) : undefined;
      return {
        count: list.length,
        misses: list.filter((a) => a.kind === 'miss').length,
        down: list.filter((a) => a.kind === 'down').length,
        examples: [...new Set(list.map((a) => a.question))].slice(0, EXAMPLES),
        sections: [...sections.values()].sort((a, b) => b.count - a.count),
        latestAt: list[0]!.at,
        questions: [...new Set(list.map((a) => a.question))].slice(0, GROUP_QUESTIONS_MAX),
        handled: newest
          ? { by: newest.actor_name, at: newest.created_at, edit: newest.edit_id !== null && edits.has(newest.edit_id) ? { id: newest.edit_id, kind: edits.get(newest.edit_id)! } : null }
          : null,
      };
    })
    .sort((a, b) => b.count - a.count || b.latestAt.localeCompare(a.latestAt));
}
