/**
 * A process opens the same index many times (a refresh with nothing changed, a runtime per channel, a
 * server per test over a copy of one index): `loadIndex` keeps what it loaded by the bytes of the files
 * it read, and retrievers over one loaded index share what they derive from it. These tests hold the
 * promise that makes that safe: any change on disk is a fresh load, and nothing one knowledge base does
 * (its paraphrases) leaks into another.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/core/errors.js';
import { ingest, loadIndex } from '../../src/knowledge/ingest.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { Retriever } from '../../src/knowledge/retriever.js';
import { seedIndex } from '../helpers/prebuilt-index.js';
import { copyKnowledge, rejection, useTempDirs } from './helpers.js';

const tempDir = useTempDirs();

/** A knowledge folder of its own and an index of it: the run's prebuilt index of the same files, else built here. */
async function workspace(): Promise<{ kd: string; idx: string; root: string }> {
  const root = tempDir();
  const kd = copyKnowledge(root);
  const idx = path.join(root, 'index');
  if (!seedIndex(root)) await ingest({ knowledgeDir: kd, indexDir: idx });
  return { kd, idx, root };
}

describe('loaded indexes kept by content', () => {
  it('the same files give the same loaded index, also copied to another folder', async () => {
    const w = await workspace();
    const first = await loadIndex(w.kd, w.idx);
    expect(await loadIndex(w.kd, w.idx)).toBe(first);
    const copy = path.join(tempDir(), 'index');
    fs.cpSync(w.idx, copy, { recursive: true });
    expect(await loadIndex(w.kd, copy)).toBe(first);
  });

  it('a changed index file, glossary or out-of-scope list is loaded afresh', async () => {
    const w = await workspace();
    const first = await loadIndex(w.kd, w.idx);
    fs.appendFileSync(path.join(w.kd, 'out-of-scope.yaml'), '\n# an operator’s comment\n');
    const afterOutOfScope = await loadIndex(w.kd, w.idx);
    expect(afterOutOfScope).not.toBe(first);
    const manifest = path.join(w.idx, 'manifest.json');
    fs.writeFileSync(manifest, `${fs.readFileSync(manifest, 'utf8')}\n`);
    expect(await loadIndex(w.kd, w.idx)).not.toBe(afterOutOfScope);
  });

  it('a corrupt file after a load is still reported, not served from memory', async () => {
    const w = await workspace();
    await loadIndex(w.kd, w.idx);
    fs.writeFileSync(path.join(w.idx, 'bm25.json'), '{not json');
    const err = await rejection(loadIndex(w.kd, w.idx));
    expect(isAppError(err, 'KNOWLEDGE_INDEX_CORRUPT')).toBe(true);
    fs.rmSync(path.join(w.idx, 'vectors', 'docstore.json'));
    expect(isAppError(await rejection(loadIndex(w.kd, w.idx)), 'KNOWLEDGE_INDEX_CORRUPT')).toBe(true);
  });

  it('an edited section is found after the re-ingest that opening runs', async () => {
    const w = await workspace();
    const before = await KnowledgeBase.open({ knowledgeDir: w.kd, indexDir: w.idx, minConfidence: 0.35, maxSources: 2 });
    const file = path.join(w.kd, 'void-vs-refund.md');
    const inserted = '蓝鲸测试句：撤销申请需要店长签字确认。';
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('退货功能需要收单机构为商户开通，', `${inserted}退货功能需要收单机构为商户开通，`));
    const after = await KnowledgeBase.open({ knowledgeDir: w.kd, indexDir: w.idx, minConfidence: 0.35, maxSources: 2 });
    expect(after.ingestReport?.updated).toBeGreaterThan(0);
    expect((await after.ask('撤销申请需要店长签字吗')).text).toContain('蓝鲸测试句');
    expect((await before.ask('撤销申请需要店长签字吗')).text).not.toContain('蓝鲸测试句');
  });
});

describe('retrievers over one loaded index', () => {
  it('search alike, and one’s extra questions stay its own', async () => {
    const w = await workspace();
    const index = await loadIndex(w.kd, w.idx);
    const a = new Retriever(index);
    const b = new Retriever(index);
    const question = '蓝鲸店的收银机能不能打印两联';
    const plain = await b.search(question);
    expect((await a.search(question)).hits.map((h) => h.chunk.id)).toEqual(plain.hits.map((h) => h.chunk.id));
    const chunk = index.manifest.chunks.find((c) => c.file === 'sales-slip.md' && c.lang === 'zh')!;
    expect(a.setExtraQuestions([{ file: chunk.file, section: chunk.section, question }])).toEqual([]);
    expect((await a.search(question)).hits[0]!.chunk.id).toBe(chunk.id);
    expect((await b.search(question)).hits.map((h) => h.chunk.id)).toEqual(plain.hits.map((h) => h.chunk.id));
    expect((await new Retriever(index).search(question)).hits.map((h) => h.chunk.id)).toEqual(plain.hits.map((h) => h.chunk.id));
  });
});
