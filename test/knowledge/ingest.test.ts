import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { isAppError } from '../../src/app/errors.js';
import { loadKnowledge } from '../../src/knowledge/documents.js';
import { INDEX_FORMAT, indexIsStale, ingest, loadIndex, readManifest, type IngestReport } from '../../src/knowledge/ingest.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import { LocalHashEmbeddings } from '../../src/knowledge/local-embeddings.js';
import { KNOWLEDGE_DIR, copyKnowledge, makeTempDir, removeDir } from './helpers.js';

/** The real knowledge base: what a full build must contain. */
const REAL = loadKnowledge(KNOWLEDGE_DIR);
const TOTAL = REAL.chunks.length;
const chunkCount = (file: string): number => REAL.chunks.filter((c) => c.file === file).length;

/** A knowledge copy + built index, made once; each test works on its own copy of it. */
let template: string;
let templateReport: IngestReport;

beforeAll(async () => {
  template = makeTempDir();
  const kd = copyKnowledge(template);
  templateReport = await ingest({ knowledgeDir: kd, indexDir: path.join(template, 'data', 'index') });
});
afterAll(() => removeDir(template));

interface Workspace {
  root: string;
  kd: string;
  idx: string;
  file: (name: string) => string;
  edit: (name: string, from: string, to: string) => void;
}

const workspaces: string[] = [];
/** A private copy of the knowledge folder — with the template's index when `built`. */
function workspace(built = true): Workspace {
  const root = makeTempDir();
  workspaces.push(root);
  if (built) fs.cpSync(template, root, { recursive: true });
  else copyKnowledge(root);
  const kd = path.join(root, 'knowledge');
  const file = (name: string) => path.join(kd, name);
  return {
    root,
    kd,
    idx: path.join(root, 'data', 'index'),
    file,
    edit: (name, from, to) => {
      const before = fs.readFileSync(file(name), 'utf8');
      expect(before).toContain(from);
      fs.writeFileSync(file(name), before.replace(from, to));
    },
  };
}

let embedSpy: MockInstance<LocalHashEmbeddings['embedDocuments']>;
/** Every text handed to the embedding since the test started. */
const embeddedTexts = (): string[] => embedSpy.mock.calls.flatMap(([texts]) => texts);

beforeEach(() => {
  embedSpy = vi.spyOn(LocalHashEmbeddings.prototype, 'embedDocuments');
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of workspaces.splice(0)) removeDir(d);
});

const run = (w: Workspace, rebuild?: boolean) => ingest({ knowledgeDir: w.kd, indexDir: w.idx, rebuild });
const open = (w: Workspace, extra: { maxSources?: number; autoIngest?: boolean } = {}) =>
  KnowledgeBase.open({ knowledgeDir: w.kd, indexDir: w.idx, minConfidence: 0.35, maxSources: extra.maxSources ?? 2, autoIngest: extra.autoIngest });

async function expectAppError(promise: Promise<unknown>, code: Parameters<typeof isAppError>[1]): Promise<Error> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(Error);
  expect(isAppError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  return err as Error;
}

describe('ingest: full build', () => {
  it('the first run is a full rebuild that adds and embeds every chunk', async () => {
    const w = workspace(false);
    const report = await run(w);
    expect(report).toMatchObject({
      added: TOTAL,
      updated: 0,
      unchanged: 0,
      removed: 0,
      embedded: TOTAL,
      total: TOTAL,
      files: REAL.files.length,
      fullRebuild: true,
      reason: 'no index yet',
      problems: [],
    });
    expect(TOTAL).toBeGreaterThan(90);
    expect(embeddedTexts()).toHaveLength(TOTAL);
    for (const f of ['manifest.json', 'bm25.json', 'vectors/hnswlib.index', 'vectors/args.json', 'vectors/docstore.json']) {
      expect(fs.existsSync(path.join(w.idx, f)), f).toBe(true);
    }
    // The staging and retired folders of the swap are gone.
    expect(fs.readdirSync(path.dirname(w.idx))).toEqual(['index']);
    const manifest = readManifest(w.idx)!;
    expect(manifest.format).toBe(INDEX_FORMAT);
    expect(manifest.chunks.map((c) => c.id)).toEqual(REAL.chunks.map((c) => c.id));
    expect(manifest.embedding.documentCount).toBe(TOTAL);
    const index = await loadIndex(w.kd, w.idx);
    expect(index.vectors.size).toBe(TOTAL);
    expect(index.bm25.size).toBe(TOTAL);
    expect(index.vectors.ids().sort()).toEqual(REAL.chunks.map((c) => c.id).sort());
  });

  it('the template build agrees with a fresh one', () => {
    expect(templateReport.fullRebuild).toBe(true);
    expect(templateReport.total).toBe(TOTAL);
  });
});

describe('ingest: incremental', () => {
  it('a second run with no change adds, updates and removes nothing and embeds 0 texts', async () => {
    const w = workspace();
    const before = readManifest(w.idx)!;
    const report = await run(w);
    expect(report).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: TOTAL, embedded: 0, total: TOTAL, fullRebuild: false, reason: 'incremental' });
    expect(embeddedTexts()).toHaveLength(0);
    // The frozen idf table is carried over untouched.
    expect(readManifest(w.idx)!.embedding).toEqual(before.embedding);
  });

  it('editing one section re-embeds exactly that section, and search finds the new sentence', async () => {
    const w = workspace();
    const inserted = '退货时收银员必须请值班经理在退货登记簿上签名。';
    w.edit('void-vs-refund.md', '退货功能需要收单机构为商户开通，', `${inserted}退货功能需要收单机构为商户开通，`);
    const report = await run(w);
    expect(report).toMatchObject({ added: 0, updated: 1, removed: 0, unchanged: TOTAL - 1, embedded: 1, fullRebuild: false });
    const texts = embeddedTexts();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain(inserted);
    expect(texts[0]).toContain('退货的条件');

    const kb = await open(w);
    expect(kb.ingestReport).toBeUndefined();
    for (const mode of ['hybrid', 'vector', 'bm25'] as const) {
      const r = await kb.search('退货登记簿要谁签名', { mode });
      expect(r.hits[0]!.chunk.id, mode).toBe('void-vs-refund.md#退货的条件#0');
      expect(r.hits[0]!.chunk.text).toContain(inserted);
    }
    const answer = await kb.ask('退货登记簿要谁签名');
    expect(answer.answered).toBe(true);
    expect(answer.text).toContain('值班经理');
  });

  it('adding a file with two sections adds 2 chunks and embeds only them', async () => {
    const w = workspace();
    fs.writeFileSync(
      w.file('gift-cards.md'),
      '---\ntitle: 礼品卡\nkeywords: [gift card, 礼品卡]\n---\n## 礼品卡怎么激活\n礼品卡在收银台刷卡后由店长输入激活码激活。\n\n## 礼品卡余额查询\n礼品卡余额可以在终端的查询菜单里查看。\n',
    );
    const report = await run(w);
    expect(report).toMatchObject({ added: 2, updated: 0, removed: 0, unchanged: TOTAL, embedded: 2, total: TOTAL + 2, files: REAL.files.length + 1 });
    expect(embeddedTexts()).toHaveLength(2);
    const kb = await open(w);
    const r = await kb.search('礼品卡怎么激活');
    expect(r.hits[0]!.chunk.id).toBe('gift-cards.md#礼品卡怎么激活#0');
  });

  it('deleting a file removes its chunks from the manifest, the vectors and the results', async () => {
    const w = workspace();
    const gone = 'pre-authorization.md';
    const n = chunkCount(gone);
    expect(n).toBeGreaterThan(3);
    const kbBefore = await open(w);
    const q = '预授权完成撤销怎么做';
    expect((await kbBefore.search(q)).hits[0]!.chunk.file).toBe(gone);

    fs.rmSync(w.file(gone));
    const report = await run(w);
    expect(report).toMatchObject({ added: 0, updated: 0, removed: n, unchanged: TOTAL - n, embedded: 0, total: TOTAL - n, fullRebuild: false });
    expect(embeddedTexts()).toHaveLength(0);

    const index = await loadIndex(w.kd, w.idx);
    expect(index.manifest.chunks.some((c) => c.file === gone)).toBe(false);
    expect(index.vectors.size).toBe(TOTAL - n);
    expect(index.vectors.ids().some((id) => id.startsWith(`${gone}#`))).toBe(false);
    const kb = await open(w);
    for (const mode of ['hybrid', 'vector', 'bm25'] as const) {
      const r = await kb.search(q, { k: 50, mode });
      expect(r.hits.length, mode).toBeGreaterThan(0);
      expect(r.hits.some((h) => h.chunk.file === gone), mode).toBe(false);
    }
    // Not even the raw vector store returns a deleted document.
    const raw = await index.vectors.similaritySearchWithScore(q, index.vectors.size);
    expect(raw).toHaveLength(TOTAL - n);
    expect(raw.some(([d]) => String(d.id).startsWith(gone))).toBe(false);
  });

  it('deleting text from a section makes it unfindable', async () => {
    const w = workspace();
    const q = '返回码97终端未登记';
    const kb0 = await open(w);
    expect((await kb0.search(q)).hits[0]!.chunk.section).toBe('返回码97：终端未登记');
    const source = fs.readFileSync(w.file('response-codes.md'), 'utf8');
    const of97 = loadKnowledge(path.dirname(w.file('response-codes.md'))).chunks.filter((c) => c.section === '返回码97：终端未登记').length;
    const start = source.indexOf('## 返回码97');
    const end = source.indexOf('\n## ', start + 3) + 1;
    fs.writeFileSync(w.file('response-codes.md'), source.slice(0, start) + source.slice(end));
    const report = await run(w);
    // The section's Chinese text and its English text, every chunk of both.
    expect(of97).toBeGreaterThanOrEqual(2);
    expect(report).toMatchObject({ removed: of97, updated: 0, added: 0, embedded: 0 });
    const kb = await open(w);
    const r = await kb.search(q, { k: 50 });
    expect(r.hits.some((h) => h.chunk.section.includes('97') || h.chunk.text.includes('返回码97'))).toBe(false);
  });

  it('a malformed file is reported in problems with its path; the others stay indexed; no throw', async () => {
    const w = workspace();
    fs.writeFileSync(w.file('broken.md'), '---\ntitle: [坏的\n---\n## 章节\n正文。\n');
    fs.writeFileSync(w.file('nul.txt'), Buffer.from('标题\n正文\u0000', 'utf8'));
    const report = await run(w);
    expect(report.problems).toEqual([
      { file: w.file('broken.md'), reason: expect.stringMatching(/^front matter is not valid YAML/) },
      { file: w.file('nul.txt'), reason: 'binary content (NUL bytes)' },
    ]);
    expect(report).toMatchObject({ total: TOTAL, unchanged: TOTAL, added: 0, embedded: 0, files: REAL.files.length });
    const kb = await open(w);
    expect(kb.ingestReport).toBeUndefined();
    expect(kb.chunkCount).toBe(TOTAL);
    expect((await kb.search('撤销报25怎么办')).hits[0]!.chunk.file).toBe('response-codes.md');
  });

  it('changes to more than 30% of the chunks re-fit the idf table (full rebuild)', async () => {
    const w = workspace();
    const files = [...REAL.files];
    let removed = 0;
    for (const f of files) {
      if (removed / TOTAL > 0.35) break;
      fs.rmSync(w.file(f));
      removed += chunkCount(f);
    }
    const report = await run(w);
    expect(report.fullRebuild).toBe(true);
    expect(report.reason).toBe(`${removed} of ${TOTAL - removed} chunks changed`);
    expect(report.embedded).toBe(TOTAL - removed);
    expect(embeddedTexts()).toHaveLength(TOTAL - removed);
    expect(readManifest(w.idx)!.embedding.documentCount).toBe(TOTAL - removed);
  });
});

describe('ingest: rebuilds', () => {
  it('rebuild: true re-fits and re-embeds everything', async () => {
    const w = workspace();
    const report = await run(w, true);
    expect(report).toMatchObject({ fullRebuild: true, reason: 'rebuild requested', embedded: TOTAL, unchanged: TOTAL, added: 0, total: TOTAL });
    expect(embeddedTexts()).toHaveLength(TOTAL);
  });

  it('a glossary change (synonyms or terms) forces a full rebuild', async () => {
    const w = workspace();
    fs.appendFileSync(w.file('glossary.yaml'), '  - [小票打印机, 打印机, printer]\n');
    const report = await run(w);
    expect(report).toMatchObject({ fullRebuild: true, reason: 'glossary changed', embedded: TOTAL, unchanged: TOTAL });
    expect(embeddedTexts()).toHaveLength(TOTAL);
    expect(indexIsStale(w.kd, w.idx)).toBe(false);
  });

  it('a glossary edit that changes neither terms nor synonyms (a comment) is incremental', async () => {
    const w = workspace();
    fs.appendFileSync(w.file('glossary.yaml'), '# just a comment\n');
    expect(indexIsStale(w.kd, w.idx)).toBe(true);
    const report = await run(w);
    expect(report).toMatchObject({ fullRebuild: false, embedded: 0, unchanged: TOTAL });
    expect(embeddedTexts()).toHaveLength(0);
  });

  it('an unreadable vector index is rebuilt by the next ingest', async () => {
    const w = workspace();
    fs.writeFileSync(path.join(w.idx, 'vectors', 'hnswlib.index'), 'garbage');
    const report = await run(w);
    expect(report.fullRebuild).toBe(true);
    expect(report.reason).toMatch(/^index unreadable/);
    expect(report.embedded).toBe(TOTAL);
    const index = await loadIndex(w.kd, w.idx);
    expect(index.vectors.size).toBe(TOTAL);
  });

  it('refuses a knowledge folder that is missing or has no usable file', async () => {
    const root = makeTempDir();
    workspaces.push(root);
    await expectAppError(ingest({ knowledgeDir: path.join(root, 'nope'), indexDir: path.join(root, 'index') }), 'KNOWLEDGE_FILE_INVALID');
    fs.mkdirSync(path.join(root, 'k'));
    fs.writeFileSync(path.join(root, 'k', 'empty.md'), '');
    const err = await expectAppError(ingest({ knowledgeDir: path.join(root, 'k'), indexDir: path.join(root, 'index') }), 'KNOWLEDGE_FILE_INVALID');
    expect(err.message).toContain('no usable knowledge file');
    expect(fs.existsSync(path.join(root, 'index'))).toBe(false);
  });
});

describe('indexIsStale', () => {
  it('is false right after ingest and true after any change to the sources or a missing index', async () => {
    const w = workspace(false);
    expect(indexIsStale(w.kd, w.idx)).toBe(true); // nothing built yet
    await run(w);
    expect(indexIsStale(w.kd, w.idx)).toBe(false);

    const changes: [string, () => void][] = [
      ['one character of a section', () => w.edit('sales-slip.md', '6位', '六位')],
      ['a new file', () => fs.writeFileSync(w.file('new.txt'), '新文件\n内容。\n')],
      ['a deleted file', () => fs.rmSync(w.file('new.txt'))],
      ['a bad file', () => fs.writeFileSync(w.file('bad.md'), '')],
      ['the glossary', () => fs.appendFileSync(w.file('glossary.yaml'), '\n')],
      ['a renamed file', () => fs.renameSync(w.file('manual-refund.md'), w.file('manual-refund-2.md'))],
    ];
    for (const [what, change] of changes) {
      change();
      expect(indexIsStale(w.kd, w.idx), what).toBe(true);
      await run(w);
      expect(indexIsStale(w.kd, w.idx), `after re-ingest: ${what}`).toBe(false);
    }
    // Files that are not knowledge do not make it stale.
    fs.writeFileSync(w.file('notes.pdf'), 'x');
    fs.writeFileSync(w.file('.hidden.md'), 'x');
    expect(indexIsStale(w.kd, w.idx)).toBe(false);
    // A missing vector file does.
    fs.rmSync(path.join(w.idx, 'vectors', 'hnswlib.index'));
    expect(indexIsStale(w.kd, w.idx)).toBe(true);
  });
});

describe('KnowledgeBase.open / refresh', () => {
  it('ingests automatically on an empty data dir, and a second open does not', async () => {
    const w = workspace(false);
    expect(fs.existsSync(path.dirname(w.idx))).toBe(false);
    const first = await open(w);
    expect(first.ingestReport).toBeDefined();
    expect(first.ingestReport).toMatchObject({ fullRebuild: true, total: TOTAL, embedded: TOTAL });
    expect(first.chunkCount).toBe(TOTAL);
    const calls = embedSpy.mock.calls.length;

    const second = await open(w);
    expect(second.ingestReport).toBeUndefined();
    expect(second.chunkCount).toBe(TOTAL);
    expect(embedSpy.mock.calls.length).toBe(calls);
    const r = await second.search('撤销报25怎么办');
    expect(r.hits[0]!.chunk.file).toBe('response-codes.md');
  });

  it('re-ingests incrementally on open when the files changed', async () => {
    const w = workspace();
    w.edit('sales-slip.md', '6位', '六位');
    const kb = await open(w);
    expect(kb.ingestReport).toMatchObject({ fullRebuild: false, updated: 1, embedded: 1 });
    expect(embeddedTexts()).toHaveLength(1);
  });

  it('with autoIngest: false an empty data dir is KNOWLEDGE_INDEX_MISSING', async () => {
    const w = workspace(false);
    await expectAppError(open(w, { autoIngest: false }), 'KNOWLEDGE_INDEX_MISSING');
    expect(embedSpy).not.toHaveBeenCalled();
  });

  it('refresh() picks up an edit and swaps the new index in', async () => {
    const w = workspace();
    const kb = await open(w);
    expect(await kb.refresh()).toBeUndefined();
    const inserted = '礼品卡不能用来做预授权交易。';
    w.edit('pre-authorization.md', '## 预授权是什么\n', `## 预授权是什么\n${inserted}`);
    const report = await kb.refresh();
    expect(report).toMatchObject({ updated: 1, embedded: 1 });
    const r = await kb.search('礼品卡能不能做预授权');
    expect(r.hits[0]!.chunk.text).toContain(inserted);
    expect(await kb.refresh()).toBeUndefined();
  });

  it('open re-ingests over a garbage manifest instead of failing', async () => {
    const w = workspace();
    fs.writeFileSync(path.join(w.idx, 'manifest.json'), '{ not json');
    const kb = await open(w);
    expect(kb.ingestReport).toMatchObject({ fullRebuild: true, reason: 'no index yet', total: TOTAL });
  });
});

describe('loadIndex errors', () => {
  it('KNOWLEDGE_INDEX_MISSING when there is no index at all', async () => {
    const w = workspace(false);
    await expectAppError(loadIndex(w.kd, w.idx), 'KNOWLEDGE_INDEX_MISSING');
  });

  it('KNOWLEDGE_INDEX_MISSING for a garbage manifest.json or one of another format', async () => {
    const w = workspace();
    const manifestFile = path.join(w.idx, 'manifest.json');
    const good = fs.readFileSync(manifestFile, 'utf8');
    fs.writeFileSync(manifestFile, 'garbage{{');
    await expectAppError(loadIndex(w.kd, w.idx), 'KNOWLEDGE_INDEX_MISSING');
    fs.writeFileSync(manifestFile, JSON.stringify({ ...JSON.parse(good), format: INDEX_FORMAT - 1 }));
    await expectAppError(loadIndex(w.kd, w.idx), 'KNOWLEDGE_INDEX_MISSING');
    fs.writeFileSync(manifestFile, good);
    await expect(loadIndex(w.kd, w.idx)).resolves.toBeDefined();
  });

  it('KNOWLEDGE_INDEX_CORRUPT when a vector file or bm25.json is missing or unreadable', async () => {
    const w = workspace();
    const backup = path.join(w.root, 'backup');
    fs.cpSync(w.idx, backup, { recursive: true });
    const restore = () => {
      fs.rmSync(w.idx, { recursive: true, force: true });
      fs.cpSync(backup, w.idx, { recursive: true });
    };
    const damages: [string, () => void, RegExp][] = [
      ['missing hnswlib.index', () => fs.rmSync(path.join(w.idx, 'vectors', 'hnswlib.index')), /missing hnswlib\.index/],
      ['missing docstore.json', () => fs.rmSync(path.join(w.idx, 'vectors', 'docstore.json')), /missing docstore\.json/],
      ['missing vectors folder', () => fs.rmSync(path.join(w.idx, 'vectors'), { recursive: true }), /missing/],
      ['missing bm25.json', () => fs.rmSync(path.join(w.idx, 'bm25.json')), /bm25\.json/],
      ['garbage bm25.json', () => fs.writeFileSync(path.join(w.idx, 'bm25.json'), '[[['), /JSON/],
      ['garbage hnswlib.index', () => fs.writeFileSync(path.join(w.idx, 'vectors', 'hnswlib.index'), 'garbage'), /corrupt/i],
    ];
    for (const [what, damage, message] of damages) {
      damage();
      const err = await expectAppError(loadIndex(w.kd, w.idx), 'KNOWLEDGE_INDEX_CORRUPT');
      expect(err.message, what).toMatch(message);
      restore();
    }
    await expect(loadIndex(w.kd, w.idx)).resolves.toBeDefined();
  });
});
