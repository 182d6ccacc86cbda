// `npm run bench:ask` — a benchmark, not a test: how long one answer takes offline, exactly as `pos-assist
// ask` computes it (the knowledge base's answer path, no model), once the index is loaded. Every labelled
// question of both splits is asked BENCH_ROUNDS times (default 5) after a warm-up; prints p50/p95/p99/max
// per answer and the load time. The goal is p95 ≤ 20 ms on the project's 2-core machine.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnowledgeBase } from '../../dist/knowledge/knowledge-base.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const questions = ['dev.json', 'test.json'].flatMap((f) => {
  const data = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/eval', f), 'utf8'));
  return [...data.questions.map((q) => q.q), ...data.offTopic.map((q) => q.q)];
});

const dir = mkdtempSync(join(tmpdir(), 'pos-assist-bench-'));
try {
  let started = performance.now();
  const kb = await KnowledgeBase.open({ knowledgeDir: join(ROOT, 'knowledge'), indexDir: join(dir, 'index'), minConfidence: 0.28, maxSources: 2 });
  const build = performance.now() - started;
  started = performance.now();
  const again = await KnowledgeBase.open({ knowledgeDir: join(ROOT, 'knowledge'), indexDir: join(dir, 'index'), minConfidence: 0.28, maxSources: 2 });
  const open = performance.now() - started;
  for (const q of questions) await again.ask(q);
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of questions) {
      const t = performance.now();
      await kb.ask(q);
      times.push(performance.now() - t);
    }
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(2);
  console.log(`ask (offline, ${questions.length} questions × ${ROUNDS}): p50 ${at(50)} ms, p95 ${at(95)} ms, p99 ${at(99)} ms, max ${times.at(-1).toFixed(2)} ms`);
  console.log(`index build ${build.toFixed(0)} ms, open an existing index ${open.toFixed(0)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
