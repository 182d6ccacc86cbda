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
}

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
      problems.push({ file: path, reason: (err as Error).message });
    }
  }
  return { chunks, files, problems };
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parses one file's bytes into chunks; throws with a specific reason when the file is malformed. */
export function parseKnowledgeFile(name: string, bytes: Uint8Array): Chunk[] {
  let source: string;
  try {
    source = decoder.decode(bytes);
  } catch {
    throw new Error('not valid UTF-8 text');
  }
  if (source.includes('\u0000')) throw new Error('binary content (NUL bytes)');
  source = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!source.trim()) throw new Error('the file is empty');

  const isMarkdown = extname(name).toLowerCase() !== '.txt';
  let body = source;
  let title: string | undefined;
  let keywords: string[] = [];
  if (isMarkdown) {
    let fm: matter.GrayMatterFile<string>;
    try {
      // gray-matter caches by content; a fresh options object disables that so edits are always seen.
      fm = matter(source, {});
    } catch (err) {
      throw new Error(`front matter is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    body = fm.content;
    const data = fm.data as Record<string, unknown>;
    if (data.title !== undefined && typeof data.title !== 'string') throw new Error('front matter "title" must be text');
    title = typeof data.title === 'string' ? data.title.trim() : undefined;
    if (data.keywords !== undefined) {
      if (!Array.isArray(data.keywords) || data.keywords.some((k) => typeof k !== 'string' && typeof k !== 'number')) {
        throw new Error('front matter "keywords" must be a list of words');
      }
      keywords = data.keywords.map(String);
    }
    if (!title) title = firstH1(body);
    if (!title) throw new Error('missing title: add "title:" to the front matter');
  } else {
    const firstLine = body.split('\n').find((l) => l.trim());
    title = firstLine?.trim() || basename(name, extname(name));
    body = body.slice(body.indexOf(firstLine ?? '') + (firstLine?.length ?? 0));
  }

  const sections = isMarkdown ? splitByHeadings(body) : [{ headingPath: [] as string[], text: body.trim() }];
  const chunks: Chunk[] = [];
  const seenKeys = new Map<string, number>();
  for (const s of sections) {
    if (!s.text) continue;
    const pieces = splitByLength(s.text, MAX_CHUNK_CHARS);
    // A heading used twice in one file (or an intro beside a "## 概述") still gets ids of its own.
    const baseKey = s.headingPath.join(' / ') || INTRO_SECTION;
    const occurrence = (seenKeys.get(baseKey) ?? 0) + 1;
    seenKeys.set(baseKey, occurrence);
    const headingKey = occurrence === 1 ? baseKey : `${baseKey} (${occurrence})`;
    pieces.forEach((text, n) => {
      const hash = createHash('sha256')
        .update(JSON.stringify([title, s.headingPath, keywords, text]))
        .digest('hex')
        .slice(0, 32);
      chunks.push({
        id: `${name}#${headingKey}#${n}`,
        file: name,
        title: title!,
        headingPath: s.headingPath,
        section: s.headingPath[0] ?? INTRO_SECTION,
        text,
        keywords,
        hash,
      });
    });
  }
  if (chunks.length === 0) throw new Error('no text to index (only headings or front matter)');
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

interface Section {
  headingPath: string[];
  text: string;
}

function splitByHeadings(body: string): Section[] {
  const sections: Section[] = [];
  let path: string[] = [];
  let lines: string[] = [];
  let inFence = false;
  const flush = () => {
    sections.push({ headingPath: path, text: lines.join('\n').trim() });
    lines = [];
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
    flush();
    const heading = m[2]!.trim();
    // `##` starts a section; deeper levels nest under it (a `####` under `##` is treated as `###`).
    path = level === 2 ? [heading] : [...path.slice(0, Math.min(level - 2, path.length)), heading];
  }
  flush();
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
