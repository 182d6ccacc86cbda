import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INTRO_SECTION,
  MAX_CHUNK_CHARS,
  loadKnowledge,
  parseKnowledgeFile,
  type Chunk,
} from '../../src/knowledge/documents.js';
import { useTempDirs } from './helpers.js';

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const parse = (name: string, source: string): Chunk[] => parseKnowledgeFile(name, utf8(source));
const byId = (chunks: Chunk[]): Map<string, Chunk> => new Map(chunks.map((c) => [c.id, c]));

const DOC = `---
title: 撤销与退货
keywords: [void, refund, 退款]
---
这份文档说明撤销和退货的区别。

## 消费撤销
当天未结算的交易做消费撤销。

### 撤销步骤
在主菜单选择撤销。输入主管密码。

#### 密码提示
主管密码由商户输入。

## 退货
已结算的交易只能做退货。

### 退货条件
需要原交易参考号。
`;

describe('parseKnowledgeFile: front matter and headings', () => {
  const chunks = parse('void.md', DOC);

  it('takes title and keywords from the front matter onto every chunk', () => {
    expect(chunks.length).toBeGreaterThan(0);
    for (const c of chunks) {
      expect(c.title).toBe('撤销与退货');
      expect(c.keywords).toEqual(['void', 'refund', '退款']);
      expect(c.file).toBe('void.md');
    }
  });

  it('weighs one section below the rest with section_weights (text about the assistant inside a content file)', () => {
    const doc = '---\ntitle: 结算\nsection_weights: { 您说的是哪种: 0.7 }\n---\n\n## 批结算是什么\n批结算是汇总。\n\n## 您说的是哪种\n助手会先问清。\n';
    const weights = Object.fromEntries(parse('s.md', doc).map((c) => [c.section, c.weight]));
    expect(weights).toEqual({ 批结算是什么: 1, 您说的是哪种: 0.7 });
    expect(() => parse('s.md', doc.replace('0.7', '2'))).toThrow(/section_weights/);
  });

  it('makes one chunk per heading with the heading path from the ## down, and section = the ## heading', () => {
    expect(chunks.map((c) => [c.headingPath, c.section, c.text])).toEqual([
      [[], INTRO_SECTION, '这份文档说明撤销和退货的区别。'],
      [['消费撤销'], '消费撤销', '当天未结算的交易做消费撤销。'],
      [['消费撤销', '撤销步骤'], '消费撤销', '在主菜单选择撤销。输入主管密码。'],
      [['消费撤销', '撤销步骤', '密码提示'], '消费撤销', '主管密码由商户输入。'],
      [['退货'], '退货', '已结算的交易只能做退货。'],
      [['退货', '退货条件'], '退货', '需要原交易参考号。'],
    ]);
  });

  it('puts text before the first ## into section 概述 with an empty heading path', () => {
    const intro = chunks.find((c) => c.text.includes('这份文档'))!;
    expect(INTRO_SECTION).toBe('概述');
    expect(intro.section).toBe('概述');
    expect(intro.headingPath).toEqual([]);
    expect(intro.id).toBe('void.md#概述#0');
  });

  it('builds ids as <file>#<heading path>#<n>', () => {
    expect(chunks.map((c) => c.id)).toEqual([
      'void.md#概述#0',
      'void.md#消费撤销#0',
      'void.md#消费撤销 / 撤销步骤#0',
      'void.md#消费撤销 / 撤销步骤 / 密码提示#0',
      'void.md#退货#0',
      'void.md#退货 / 退货条件#0',
    ]);
  });

  it('takes the title from a # heading when the front matter has none', () => {
    const c = parse('h1.md', '# 签购单说明\n\n## 凭证号\n凭证号是6位数字。\n');
    expect(c).toHaveLength(1);
    expect(c[0]!.title).toBe('签购单说明');
    expect(c[0]!.section).toBe('凭证号');
    expect(c[0]!.text).not.toContain('签购单说明');
  });

  // BUG (reported): the fallback title comes from the first `# ` line of the body even when that line sits inside a
  // code fence (a shell comment), while the heading splitter correctly ignores fenced lines.
  it('does not take a "# " line inside a code fence as the document title', () => {
    expect(() => parse('nofm.md', '```bash\n# 注释\n```\n## 章节\n正文。\n')).toThrow(/missing title/);
  });

  it('names a malformed file with the catalogue code KNOWLEDGE_FILE_INVALID and the reason as its detail', () => {
    let thrown: unknown;
    try {
      parse('empty.md', '  \n');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'KNOWLEDGE_FILE_INVALID', detail: 'the file is empty' });
  });

  it('treats "## " inside a ``` code fence as text, not as a heading', () => {
    const c = parse('fence.md', '---\ntitle: 代码\n---\n## 示例\n下面是配置：\n```\n## 不是标题\nkey: value\n```\n配置结束。\n');
    expect(c).toHaveLength(1);
    expect(c[0]!.section).toBe('示例');
    expect(c[0]!.text).toContain('## 不是标题');
    expect(c[0]!.text).toContain('配置结束。');
  });

  it('ignores a CRLF/BOM difference: the same file with Windows line endings gives the same chunks', () => {
    const windows = parse('void.md', `\uFEFF${DOC.replace(/\n/g, '\r\n')}`);
    expect(windows.map((c) => [c.id, c.text, c.hash])).toEqual(chunks.map((c) => [c.id, c.text, c.hash]));
  });
});

describe('parseKnowledgeFile: stable ids and content hashes', () => {
  it('gives identical ids and hashes for two parses of the same bytes', () => {
    const a = parse('void.md', DOC);
    const b = parse('void.md', DOC);
    expect(b.map((c) => c.id)).toEqual(a.map((c) => c.id));
    expect(b.map((c) => c.hash)).toEqual(a.map((c) => c.hash));
    expect(new Set(a.map((c) => c.hash)).size).toBe(a.length);
    for (const c of a) expect(c.hash).toMatch(/^[0-9a-f]{32}$/);
  });

  it('changes only the edited section\'s hash when one section\'s text changes', () => {
    const before = byId(parse('void.md', DOC));
    const after = byId(parse('void.md', DOC.replace('已结算的交易只能做退货。', '已结算的交易只能做退货，不能撤销。')));
    expect([...after.keys()]).toEqual([...before.keys()]);
    const changed = [...after.values()].filter((c) => c.hash !== before.get(c.id)!.hash).map((c) => c.id);
    expect(changed).toEqual(['void.md#退货#0']);
  });

  it('changes every hash when the title or keywords change (they are part of what is indexed)', () => {
    const before = parse('void.md', DOC);
    const retitled = parse('void.md', DOC.replace('title: 撤销与退货', 'title: 撤销和退货'));
    const rekeyed = parse('void.md', DOC.replace('keywords: [void, refund, 退款]', 'keywords: [void, refund]'));
    before.forEach((c, i) => {
      expect(retitled[i]!.id).toBe(c.id);
      expect(retitled[i]!.hash).not.toBe(c.hash);
      expect(rekeyed[i]!.hash).not.toBe(c.hash);
    });
  });

  // BUG (reported): chunk ids are `<file>#<heading path>#<n>`, so two `##` sections with the same heading in one
  // file (or intro text plus a `## 概述` section) get the SAME id. Ingestion keys the vector store and the
  // manifest by id, so the first section silently disappears from the vector index and every re-ingest reports
  // it as "updated" (see ingest.test.ts).
  it('gives every chunk of a file a distinct id even when two sections share a heading', () => {
    const c = parse('dup.md', '---\ntitle: 重复\n---\n## 注意事项\n第一段说明。\n## 其他\n中间。\n## 注意事项\n第二段说明。\n');
    expect(c).toHaveLength(3);
    expect(new Set(c.map((x) => x.id)).size).toBe(3);
  });
});

describe('parseKnowledgeFile: splitting a long section', () => {
  const sentencesOf = (n: number): string[] => {
    const ends = ['。', '！', '？', '；'];
    return Array.from({ length: n }, (_, i) => `第${i + 1}条说明：商户在终端上办理业务时需要核对签购单上的信息${ends[i % ends.length]}`);
  };

  it(`splits a section longer than MAX_CHUNK_CHARS (${MAX_CHUNK_CHARS}) into pieces that end at sentence boundaries and lose nothing`, () => {
    const sents = sentencesOf(40);
    const body = sents.join('');
    expect(body.length).toBeGreaterThan(2 * MAX_CHUNK_CHARS);
    const chunks = parse('long.md', `---\ntitle: 长文\n---\n## 很长的章节\n${body}\n\n## 短章节\n很短。\n`);
    const pieces = chunks.filter((c) => c.section === '很长的章节');
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    pieces.forEach((p, n) => {
      expect(p.id).toBe(`long.md#很长的章节#${n}`);
      expect(p.headingPath).toEqual(['很长的章节']);
      expect(p.text.length).toBeLessThanOrEqual(MAX_CHUNK_CHARS);
      expect(p.text).toMatch(/[。！？；]$/);
    });
    const joined = pieces.map((p) => p.text).join('');
    for (const s of sents) expect(joined).toContain(s);
    // Nothing duplicated either: the pieces add up to the section.
    expect(joined).toBe(body);
    expect(new Set(pieces.map((p) => p.hash)).size).toBe(pieces.length);
    // The short section is untouched.
    expect(chunks.find((c) => c.section === '短章节')!.text).toBe('很短。');
  });

  it('keeps a section of exactly MAX_CHUNK_CHARS characters in one chunk', () => {
    const text = `${'好'.repeat(MAX_CHUNK_CHARS - 1)}。`;
    const chunks = parse('edge.md', `---\ntitle: 边界\n---\n## 边界\n${text}\n`);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe(text);
  });

  // BUG (reported): when a long section is split, splitByLength glues consecutive lines together with '' —
  // a line without a terminator merges with the next one into a sentence that is not in the source
  // ("没有句号的一行" + "下一句。" → "没有句号的一行下一句。"), and the line introducing a list is glued onto the
  // paragraph before it. The extractive answer composer then quotes these merged "sentences".
  it('keeps every source line of a long section as a line of some piece', () => {
    const filler = '这是一句用来把章节撑长的说明文字，内容本身没有特别含义。'.repeat(15);
    const tail = ['处理步骤：', '- 第一步先核对；', '- 第二步再撤销。', '刷错的交易不要用现金退。', '没有句号的一行', '下一句。'];
    const chunks = parse('lines.md', `---\ntitle: 行\n---\n## 长\n${filler}\n${tail.join('\n')}\n`);
    expect(chunks.length).toBeGreaterThan(1);
    const lines = new Set(chunks.flatMap((c) => c.text.split('\n')));
    for (const l of tail) expect(lines).toContain(l);
  });
});

describe('parseKnowledgeFile: .txt files', () => {
  it('uses the first non-empty line as the title and the rest as one 概述 chunk', () => {
    const c = parse('notes.txt', '\n\n营业时间说明\n门店每天九点营业。\n周末照常营业。\n');
    expect(c).toHaveLength(1);
    expect(c[0]!.title).toBe('营业时间说明');
    expect(c[0]!.section).toBe(INTRO_SECTION);
    expect(c[0]!.headingPath).toEqual([]);
    expect(c[0]!.text).toBe('门店每天九点营业。\n周末照常营业。');
    expect(c[0]!.id).toBe('notes.txt#概述#0');
  });

  it('does not treat "## " lines of a .txt file as headings', () => {
    const c = parse('plain.txt', '标题\n## 这只是文字\n正文。\n');
    expect(c).toHaveLength(1);
    expect(c[0]!.text).toContain('## 这只是文字');
  });
});

describe('loadKnowledge: bad files are skipped and reported', () => {
  const tempDir = useTempDirs();

  const GOOD_A = '---\ntitle: 好文件甲\n---\n## 甲章节\n甲的正文。\n';
  const GOOD_B = '好文件乙\n乙的正文。\n';

  function writeFolder(): string {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a-good.md'), GOOD_A);
    fs.writeFileSync(path.join(dir, 'b-good.txt'), GOOD_B);
    fs.writeFileSync(path.join(dir, 'bad-yaml.md'), '---\ntitle: [没有闭合\n---\n## 章节\n正文。\n');
    fs.writeFileSync(path.join(dir, 'no-title.md'), '---\nkeywords: [a, b]\n---\n## 章节\n正文。\n');
    fs.writeFileSync(path.join(dir, 'bad-utf8.md'), Buffer.concat([utf8('---\ntitle: 乱码\n---\n## 章节\n'), Buffer.from([0xc3, 0x28, 0xff, 0xfe])]));
    fs.writeFileSync(path.join(dir, 'binary.md'), Buffer.concat([utf8('---\ntitle: 二进制\n---\n## 章节\n正文'), Buffer.from([0, 1, 2, 0])]));
    fs.writeFileSync(path.join(dir, 'empty.md'), '');
    fs.writeFileSync(path.join(dir, 'blank.txt'), '  \n\n\t\n');
    // Not knowledge files at all: ignored, not reported.
    fs.writeFileSync(path.join(dir, 'glossary.yaml'), 'terms: []\n');
    fs.writeFileSync(path.join(dir, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]));
    fs.writeFileSync(path.join(dir, '.hidden.md'), '');
    fs.mkdirSync(path.join(dir, 'sub.md'));
    return dir;
  }

  it('loads the good files and reports each bad one with its path and a specific reason', () => {
    const dir = writeFolder();
    const { chunks, files, problems } = loadKnowledge(dir);

    expect(files).toEqual(['a-good.md', 'b-good.txt']);
    expect(chunks.map((c) => [c.file, c.title, c.text])).toEqual([
      ['a-good.md', '好文件甲', '甲的正文。'],
      ['b-good.txt', '好文件乙', '乙的正文。'],
    ]);

    const reasons = Object.fromEntries(problems.map((p) => [p.file, p.reason]));
    expect(Object.keys(reasons).sort()).toEqual(
      ['bad-utf8.md', 'bad-yaml.md', 'binary.md', 'blank.txt', 'empty.md', 'no-title.md'].map((n) => path.join(dir, n)).sort(),
    );
    expect(reasons[path.join(dir, 'bad-yaml.md')]).toMatch(/^front matter is not valid YAML/);
    expect(reasons[path.join(dir, 'no-title.md')]).toMatch(/^missing title/);
    expect(reasons[path.join(dir, 'bad-utf8.md')]).toBe('not valid UTF-8 text');
    expect(reasons[path.join(dir, 'binary.md')]).toBe('binary content (NUL bytes)');
    expect(reasons[path.join(dir, 'empty.md')]).toBe('the file is empty');
    expect(reasons[path.join(dir, 'blank.txt')]).toBe('the file is empty');
  });

  it('reports a title that is not text, keywords that are not a list, and a file with only front matter', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'num-title.md'), '---\ntitle: 2024\n---\n## A\n正文。\n');
    fs.writeFileSync(path.join(dir, 'kw.md'), '---\ntitle: T\nkeywords: 撤销\n---\n## A\n正文。\n');
    fs.writeFileSync(path.join(dir, 'only-fm.md'), '---\ntitle: T\n---\n## 只有标题\n');
    fs.writeFileSync(path.join(dir, 'ok.md'), GOOD_A);
    const { files, problems } = loadKnowledge(dir);
    expect(files).toEqual(['ok.md']);
    const reasons = Object.fromEntries(problems.map((p) => [path.basename(p.file), p.reason]));
    expect(reasons['num-title.md']).toBe('front matter "title" must be text');
    expect(reasons['kw.md']).toBe('front matter "keywords" must be a list of words');
    expect(reasons['only-fm.md']).toMatch(/^no text to index/);
  });

  it('sees an edit of a file whose earlier content was already parsed (no stale front-matter cache)', () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.md');
    fs.writeFileSync(file, GOOD_A);
    expect(loadKnowledge(dir).chunks[0]!.title).toBe('好文件甲');
    fs.writeFileSync(file, GOOD_A.replace('好文件甲', '改过的标题'));
    expect(loadKnowledge(dir).chunks[0]!.title).toBe('改过的标题');
  });
});
