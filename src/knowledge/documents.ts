/**
 * Knowledge files → chunks. A chunk is the unit of retrieval and citation: it always knows its file,
 * document title and heading path, so an answer can say where it comes from (title › section).
 *
 * Splitting: first by heading (`##`, `###`), then — for a long section — by length at Chinese-aware
 * sentence boundaries (。！？； and line breaks), so a chunk never ends mid-sentence.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import matter from 'gray-matter';
import { sentences } from './text.js';
import { AppError, isAppError } from '../core/errors.js';

export const INTRO_SECTION = '概述';
export const MAX_CHUNK_CHARS = 450;

export interface Chunk {
  /** Stable id: `<file>#<heading path>#<n>`. Same place in the same file → same id across runs. */
  id: string;
  file: string;
  title: string;
  /** Headings from the `##` down; empty for text before the first `##`. */
  headingPath: string[];
  /** The top-level (`##`) section the chunk belongs to — what citations and evaluation labels name. */
  section: string;
  text: string;
  keywords: string[];
  /** sha256 of everything that feeds the index; unchanged hash → the stored vector is reused. */
  hash: string;
  /** The language of `text`: a section's `### English` block is a chunk of its own, with the same `section`. */
  lang: ChunkLang;
  /**
   * The questions this section answers, in the chunk's language (`### 问法`), on the section's first chunk
   * only: matched question-to-question as well as folded into the passage's index text.
   */
  questions: string[];
  /** Front matter `weight` (default 1): how strongly the file competes for a question (text about the assistant itself ranks below content). */
  weight: number;
}

export type ChunkLang = 'zh' | 'en';

export interface FileProblem {
  file: string;
  reason: string;
}

export interface LoadResult {
  chunks: Chunk[];
  files: string[];
  problems: FileProblem[];
}

const SUPPORTED = new Set(['.md', '.markdown', '.txt']);

/** Reads every .md/.txt file of the folder (not recursive). A bad file is reported and skipped. */
export function loadKnowledge(dir: string): LoadResult {
  const chunks: Chunk[] = [];
  const files: string[] = [];
  const problems: FileProblem[] = [];
  const names = readdirSync(dir)
    .filter((n) => SUPPORTED.has(extname(n).toLowerCase()) && !n.startsWith('.'))
    .sort();
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
      const parsed = parseKnowledgeFile(name, readFileSync(path));
      chunks.push(...parsed);
      files.push(name);
    } catch (err) {
      problems.push({ file: path, reason: isAppError(err, 'KNOWLEDGE_FILE_INVALID') ? err.detail! : (err as Error).message });
    }
  }
  return { chunks, files, problems };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses one file's bytes into chunks.
 * @throws AppError `KNOWLEDGE_FILE_INVALID` with a specific reason (its `detail`) when the file is malformed.
 */
export function parseKnowledgeFile(name: string, bytes: Uint8Array): Chunk[] {
  let source: string;
  try {
    source = decoder.decode(bytes);
  } catch {
    throw new AppError('KNOWLEDGE_FILE_INVALID', 'not valid UTF-8 text');
  }
  if (source.includes('\u0000')) throw new AppError('KNOWLEDGE_FILE_INVALID', 'binary content (NUL bytes)');
  source = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!source.trim()) throw new AppError('KNOWLEDGE_FILE_INVALID', 'the file is empty');

  const isMarkdown = extname(name).toLowerCase() !== '.txt';
  let body = source;
  let title: string | undefined;
  let titleEn: string | undefined;
  let weight = 1;
  /** A section about the assistant itself inside a content file ranks below content, like a whole such file. */
  let sectionWeights = new Map<string, number>();
  let keywords: string[] = [];
  if (isMarkdown) {
    let fm: matter.GrayMatterFile<string>;
    try {
      // gray-matter caches by content; a fresh options object disables that so edits are always seen.
      fm = matter(source, {});
    } catch (err) {
      throw new AppError('KNOWLEDGE_FILE_INVALID', `front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    body = fm.content;
    const data = fm.data as Record<string, unknown>;
    if (data.title !== undefined && typeof data.title !== 'string') throw new AppError('KNOWLEDGE_FILE_INVALID', 'front matter "title" must be text');
    title = typeof data.title === 'string' ? data.title.trim() : undefined;
    if (data.keywords !== undefined) {
      if (!Array.isArray(data.keywords) || data.keywords.some((k) => typeof k !== 'string' && typeof k !== 'number')) {
        throw new AppError('KNOWLEDGE_FILE_INVALID', 'front matter "keywords" must be a list of words');
      }
      keywords = data.keywords.map(String);
    }
    if (data.title_en !== undefined && typeof data.title_en !== 'string') throw new AppError('KNOWLEDGE_FILE_INVALID', 'front matter "title_en" must be text');
    titleEn = typeof data.title_en === 'string' ? data.title_en.trim() || undefined : undefined;
    if (data.weight !== undefined) {
      if (typeof data.weight !== 'number' || !(data.weight > 0 && data.weight <= 1)) throw new AppError('KNOWLEDGE_FILE_INVALID', 'front matter "weight" must be a number above 0 and at most 1');
      weight = data.weight;
    }
    if (data.section_weights !== undefined) {
      const sw = data.section_weights;
      const valid = typeof sw === 'object' && sw !== null && !Array.isArray(sw) && Object.values(sw).every((w) => typeof w === 'number' && w > 0 && w <= 1);
      if (!valid) throw new AppError('KNOWLEDGE_FILE_INVALID', 'front matter "section_weights" must map section headings to numbers above 0 and at most 1');
      sectionWeights = new Map(Object.entries(sw as Record<string, number>));
    }
    if (!title) title = firstH1(body);
    if (!title) throw new AppError('KNOWLEDGE_FILE_INVALID', 'missing title: add "title:" to the front matter');
  } else {
    const firstLine = body.split('\n').find((l) => l.trim());
    title = firstLine?.trim() || basename(name, extname(name));
    body = body.slice(body.indexOf(firstLine ?? '') + (firstLine?.length ?? 0));
  }

  const sections = isMarkdown ? splitByHeadings(body) : [{ headingPath: [] as string[], text: body.trim(), questions: [] }];
  const chunks: Chunk[] = [];
  const seenKeys = new Map<string, number>();
  const add = (idBase: string, lang: ChunkLang, docTitle: string, headingPath: string[], section: string, text: string, questions: string[]) => {
    const w = sectionWeights.get(section) ?? weight;
    splitByLength(text, MAX_CHUNK_CHARS).forEach((piece, n) => {
      const qs = n === 0 ? questions : [];
      const hash = createHash('sha256')
        .update(JSON.stringify([docTitle, headingPath, keywords, piece, qs, w]))
        .digest('hex')
        .slice(0, 32);
      chunks.push({ id: `${idBase}#${n}`, file: name, title: docTitle, headingPath, section, text: piece, keywords, hash, lang, questions: qs, weight: w });
    });
  };
  for (const s of sections) {
    if (!s.text && !s.english) continue;
    // A heading used twice in one file (or an intro beside a "## 概述") still gets ids of its own.
    const baseKey = s.headingPath.join(' / ') || INTRO_SECTION;
    const occurrence = (seenKeys.get(baseKey) ?? 0) + 1;
    seenKeys.set(baseKey, occurrence);
    const headingKey = occurrence === 1 ? baseKey : `${baseKey} (${occurrence})`;
    const section = s.headingPath[0] ?? INTRO_SECTION;
    // English questions belong to the English text, the others to the Chinese one.
    const enQuestions = s.questions.filter((q) => !CJK_CHAR.test(q));
    const zhQuestions = s.english ? s.questions.filter((q) => CJK_CHAR.test(q)) : s.questions;
    if (s.text) add(`${name}#${headingKey}`, 'zh', title!, s.headingPath, section, s.text, zhQuestions);
    if (s.english) {
      if (!s.english.text) throw new AppError('KNOWLEDGE_FILE_INVALID', `section "${section}": its English block is empty`);
      add(`${name}#${headingKey}#en`, 'en', titleEn ?? title!, [s.english.heading || section], section, s.english.text, enQuestions);
    }
  }
  if (chunks.length === 0) throw new AppError('KNOWLEDGE_FILE_INVALID', 'no text to index (only headings or front matter)');
  return chunks;
}

/** The first `# ` heading outside code fences. */
function firstH1(body: string): string | undefined {
  let inFence = false;
  for (const line of body.split('\n')) {
    if (/^(```|~~~)/.test(line.trim())) inFence = !inFence;
    const m = inFence ? null : /^#\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) return m[1]!.trim();
  }
  return undefined;
}

const CJK_CHAR = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

interface Section {
  headingPath: string[];
  text: string;
  /** `### 问法` (or `### Questions`): one question per list item. */
  questions: string[];
  /** `### English: <heading>`: the section in English. */
  english?: { heading: string; text: string };
}

/** The two sub-headings with a meaning of their own under a `##` section. */
const QUESTIONS_HEADING = /^(问法|常见问法|questions)$/i;
const ENGLISH_HEADING = /^english\s*(?:[:：]\s*(.*))?$/i;

function splitByHeadings(body: string): Section[] {
  const sections: Section[] = [];
  let path: string[] = [];
  let lines: string[] = [];
  let inFence = false;
  // Where the lines go: the section's text, its questions, or its English block.
  let target: 'text' | 'questions' | 'english' = 'text';
  let current: Section | undefined;
  let englishHeading = '';
  const flushTarget = () => {
    const text = lines.join('\n').trim();
    lines = [];
    if (target === 'text') {
      current = { headingPath: path, text, questions: [] };
      sections.push(current);
    } else if (target === 'questions') {
      for (const l of text.split('\n')) {
        const q = l.replace(/^\s*([-*+]|\d+[.、)])\s+/, '').trim();
        if (q) current!.questions.push(q);
      }
    } else {
      current!.english = { heading: englishHeading, text };
    }
  };
  for (const line of body.split('\n')) {
    if (/^(```|~~~)/.test(line.trim())) inFence = !inFence;
    const m = inFence ? null : /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) {
      lines.push(line);
      continue;
    }
    const level = m[1]!.length;
    if (level === 1) continue; // the document title, already known
    const heading = m[2]!.trim();
    const english = ENGLISH_HEADING.exec(heading);
    if (level >= 3 && path.length > 0 && (QUESTIONS_HEADING.test(heading) || english)) {
      flushTarget();
      target = english ? 'english' : 'questions';
      englishHeading = english?.[1]?.trim() ?? '';
      continue;
    }
    // Anything under the English block stays in it (an English sub-heading is its text's business).
    if (target === 'english' && level >= 3) {
      lines.push(line);
      continue;
    }
    flushTarget();
    target = 'text';
    // `##` starts a section; deeper levels nest under it (a `####` under `##` is treated as `###`).
    path = level === 2 ? [heading] : [...path.slice(0, Math.min(level - 2, path.length)), heading];
  }
  flushTarget();
  return sections;
}

/**
 * Packs sentences into pieces of at most `max` characters; a single longer sentence stays whole. Line
 * breaks of the source are kept (a list stays a list, a paragraph after it stays a paragraph).
 */
export function splitByLength(text: string, max: number): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    const units = sentences(line);
    units.forEach((unit, i) => {
      const joiner = !current ? '' : i === 0 ? '\n' : /[a-z0-9,.]$/i.test(current) ? ' ' : '';
      if (current && current.length + joiner.length + unit.length > max) {
        pieces.push(current);
        current = unit;
      } else {
        current += joiner + unit;
      }
    });
  }
  if (current) pieces.push(current);
  return pieces;
}
