import path from 'node:path';
import { it } from 'vitest';
import { evaluate, loadEvalFixtures, missingFacts } from '../../src/knowledge/evaluate.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { FIXTURES_DIR, KNOWLEDGE_DIR, makeTempDir } from '../knowledge/helpers.js';

it('explore', async () => {
  const dataDir = makeTempDir();
  const kb = await KnowledgeBase.open({ knowledgeDir: KNOWLEDGE_DIR, indexDir: path.join(dataDir, 'index'), minConfidence: 0.25, maxSources: 2 });
  const chunks = (kb as any).retriever.allChunks() as { file: string; section: string; lang: string; questions: string[] }[];
  const questionOf = (key: string, lang: string) => chunks.find((c) => `${c.file}#${c.section}` === key && c.lang === lang && c.questions.length)?.questions[0];
  for (const split of ['dev', 'test']) {
    const fx = loadEvalFixtures(path.join(FIXTURES_DIR, 'eval', `${split}.json`));
    const ok = (a: any, facts: string[][]) => a.answered && missingFacts(a.text, facts).length === 0;
    const rules: Record<string, (o: any, r: any) => boolean> = {
      'm0': (o, r) => r.retrieval.confidence > o.retrieval.confidence,
      'm0.1': (o, r) => r.retrieval.confidence > o.retrieval.confidence + 0.1,
      'm0.2': (o, r) => r.retrieval.confidence > o.retrieval.confidence + 0.2,
      'agree': (o, r) => r.retrieval.confidence > o.retrieval.confidence && (!o.answered || o.retrieval.hits.some((h: any) => `${h.chunk.file}#${h.chunk.section}` === `${r.sources[0]?.file}#${r.sources[0]?.section}`)),
      'always': () => true,
    };
    const score: Record<string, { oracle: number; wrong: number; oracleHi: number; wrongHi: number }> = {};
    let base = 0, n = 0, hi = 0;
    for (const { q, expect, facts } of fx.questions) {
      const o = await kb.ask(q);
      n++; if (ok(o, facts)) base++;
      const lang = o.retrieval.analysis.lang;
      const oracleQ = questionOf(expect[0]!, lang);
      const secs = [...new Set(o.retrieval.hits.map((h) => `${h.chunk.file}#${h.chunk.section}`))].filter((s) => !expect.includes(s));
      const wrongQ = secs.map((s) => questionOf(s, lang)).find(Boolean);
      const isHi = o.retrieval.confidence >= 0.7;
      if (isHi) hi++;
      const ra = oracleQ ? await kb.ask(oracleQ) : o;
      const rw = wrongQ ? await kb.ask(wrongQ) : o;
      for (const [name, rule] of Object.entries(rules)) {
        const s = (score[name] ??= { oracle: 0, wrong: 0, oracleHi: 0, wrongHi: 0 });
        const a1 = rule(o, ra) ? ra : o;
        const a2 = rule(o, rw) ? rw : o;
        if (ok(a1, facts)) s.oracle++;
        if (ok(a2, facts)) s.wrong++;
        // skip rewrite when original >= 0.7
        if (ok(isHi ? o : a1, facts)) s.oracleHi++;
        if (ok(isHi ? o : a2, facts)) s.wrongHi++;
      }
    }
    console.log(split, 'offline', base, '/', n, 'hi-confidence', hi);
    for (const [k, v] of Object.entries(score)) console.log(`  ${k}: oracle ${v.oracle} wrong ${v.wrong} | skip>=0.7: oracle ${v.oracleHi} wrong ${v.wrongHi}`);
  }
}, 600_000);
