/**
 * What merchants asked that the guide did not answer well, for the daily review: the questions the bot
 * could not answer (`knowledge_misses`) and the answers merchants marked 👎 (`answer_feedback`), grouped
 * by similarity — the cosine of term-frequency vectors over the guide's tokens (jieba words, character
 * bigrams) and the question's characters, each question joining the group of the first newer question
 * within `GROUP_SIMILARITY` — with counts, a few examples and, for 👎, the sections the answers cited.
 * The groups are the worklist for improving the guide; they change nothing by themselves.
 */
import type { Kysely } from 'kysely';
import { QuestionIndex } from '../knowledge/question-index.js';
import { tokenize } from '../knowledge/text.js';
import type { Database } from '../store/schema.js';
import type { GapGroupView } from '../handoff/console-api.js';

/** Two questions this close (cosine of their TF-IDF vectors) are one gap. */
export const GROUP_SIMILARITY = 0.5;
const EXAMPLES = 3;

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

/** Questions asked from `since` until before `until`, newest `limit` of each kind. */
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
      return {
        count: list.length,
        misses: list.filter((a) => a.kind === 'miss').length,
        down: list.filter((a) => a.kind === 'down').length,
        examples: [...new Set(list.map((a) => a.question))].slice(0, EXAMPLES),
        sections: [...sections.values()].sort((a, b) => b.count - a.count),
        latestAt: list[0]!.at,
      };
    })
    .sort((a, b) => b.count - a.count || b.latestAt.localeCompare(a.latestAt));
}
