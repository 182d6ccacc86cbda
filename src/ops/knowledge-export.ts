/**
 * Knowledge edits back to files (`pos-assist knowledge export`): the console's paraphrases go into their
 * sections' `### 问法` lists in the knowledge/*.md files, and the curated answers into one file of their
 * own, `curated-answers.md` (a `##` section per answer, its question under `### 问法`), so that both can
 * be reviewed and committed like any edit of the guide. Exporting twice changes nothing the second time:
 * a question a section lists already is not added again.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CuratedAnswer } from '../knowledge/knowledge-base.js';
import type { Paraphrase } from './knowledge-edits.js';
import { questionKey } from './knowledge-edits.js';

/** The file the curated answers are written to, in the knowledge folder. */
export const CURATED_ANSWERS_FILE = 'curated-answers.md';
/** Front matter that marks the file as written by the export (it is rewritten whole, or removed when empty). */
const GENERATED = 'generated: pos-assist knowledge export';

export interface ExportReport {
  /** The files whose `### 问法` lists got questions, and which. */
  files: { file: string; added: string[] }[];
  /** How many curated answers `curated-answers.md` holds now (0: the file was removed or not written). */
  curated: number;
  /** Paraphrases that could not be written: the file or its `##` heading is not there. */
  skipped: { question: string; file: string; section: string; reason: string }[];
}

const HEADING = /^(#{1,6})\s+(.+?)\s*#*\s*$/;
const QUESTIONS_HEADING = /^(问法|常见问法|questions)$/i;
const ENGLISH_HEADING = /^english\s*(?:[:：].*)?$/i;
const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/;

/** One line for a list: line breaks in a question become spaces. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The markdown with `questions` added to the `### 问法` list of its `## section` (the list is created,
 * before the section's English block, when the section has none). Returns undefined when the file has no
 * such `##` heading; `added` leaves out the questions the list has already.
 */
export function addQuestions(markdown: string, section: string, questions: string[]): { text: string; added: string[] } | undefined {
  const lines = markdown.split('\n');
  let inFence = false;
  const headings: { at: number; level: number; text: string }[] = [];
  lines.forEach((line, at) => {
    if (/^(```|~~~)/.test(line.trim())) inFence = !inFence;
    const m = inFence ? null : HEADING.exec(line);
    if (m) headings.push({ at, level: m[1]!.length, text: m[2]!.trim() });
  });
  const start = headings.find((h) => h.level === 2 && h.text === section);
  if (!start) return undefined;
  const after = headings.filter((h) => h.at > start.at);
  const end = after.find((h) => h.level <= 2)?.at ?? lines.length;
  const inside = after.filter((h) => h.at < end);
  const list = inside.find((h) => h.level >= 3 && QUESTIONS_HEADING.test(h.text));
  const listed = new Set<string>();
  if (list) {
    const listEnd = inside.find((h) => h.at > list.at)?.at ?? end;
    for (const l of lines.slice(list.at + 1, listEnd)) listed.add(questionKey(l.replace(/^\s*([-*+]|\d+[.、)])\s+/, '')));
  }
  const added: string[] = [];
  for (const q of questions.map(oneLine)) {
    const key = questionKey(q);
    if (!key || listed.has(key)) continue;
    listed.add(key);
    added.push(q);
  }
  if (added.length === 0) return { text: markdown, added };
  const items = added.map((q) => `- ${q}`);
  if (list) {
    const listEnd = inside.find((h) => h.at > list.at)?.at ?? end;
    let at = listEnd;
    while (at > list.at + 1 && lines[at - 1]!.trim() === '') at--;
    lines.splice(at, 0, ...items);
  } else {
    let at = inside.find((h) => h.level >= 3 && ENGLISH_HEADING.test(h.text))?.at ?? end;
    while (at > start.at + 1 && lines[at - 1]!.trim() === '') at--;
    lines.splice(at, 0, '', '### 问法', ...items, ...(at < lines.length && lines[at]!.trim() !== '' ? [''] : []));
  }
  return { text: lines.join('\n'), added };
}

/** `curated-answers.md`: one `##` section per curated answer, its question listed under `### 问法`. */
export function curatedMarkdown(curated: readonly CuratedAnswer[]): string {
  const parts = [`---\ntitle: 精选答复\ntitle_en: Curated answers\n${GENERATED}\n---\n`];
  for (const c of curated) {
    const question = oneLine(c.question);
    const heading = `## ${question}`;
    // Who wrote it and when stay in knowledge_edits and in git: the file holds what merchants read.
    if (CJK.test(c.answer)) parts.push(`${heading}\n${c.answer.trim()}\n\n### 问法\n- ${question}\n`);
    // An English answer is the section's English block (documents.ts reads a section's own text as Chinese).
    else parts.push(`${heading}\n\n### 问法\n- ${question}\n\n### English: ${question}\n${c.answer.trim()}\n`);
  }
  return parts.join('\n');
}

/** What an export writes: the report, each file's new text (paths relative to the knowledge folder), the files it removes. */
export interface ExportPlan {
  report: ExportReport;
  writes: { file: string; text: string }[];
  removes: string[];
}

/**
 * What exporting the edits into `knowledgeDir` would write, without writing: the CLI writes it, the
 * console's download packs it (the same plan, so both give the same files).
 */
export function planKnowledgeExport(knowledgeDir: string, edits: { paraphrases: readonly Paraphrase[]; curated: readonly CuratedAnswer[] }): ExportPlan {
  const report: ExportReport = { files: [], curated: 0, skipped: [] };
  const writes: ExportPlan['writes'] = [];
  const removes: string[] = [];
  const byFile = new Map<string, Paraphrase[]>();
  for (const p of edits.paraphrases) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
  for (const [file, paraphrases] of byFile) {
    const path = join(knowledgeDir, file);
    if (file.includes('/') || file.includes('\\') || !existsSync(path)) {
      for (const p of paraphrases) report.skipped.push({ question: p.question, file, section: p.section, reason: 'no such file' });
      continue;
    }
    let text = readFileSync(path, 'utf8');
    const added: string[] = [];
    const bySection = new Map<string, string[]>();
    for (const p of paraphrases) bySection.set(p.section, [...(bySection.get(p.section) ?? []), p.question]);
    for (const [section, questions] of bySection) {
      const result = addQuestions(text, section, questions);
      if (!result) {
        for (const question of questions) report.skipped.push({ question, file, section, reason: 'no "## " heading of that name' });
        continue;
      }
      text = result.text;
      added.push(...result.added);
    }
    if (added.length === 0) continue;
    report.files.push({ file, added });
    writes.push({ file, text });
  }
  const curatedPath = join(knowledgeDir, CURATED_ANSWERS_FILE);
  report.curated = edits.curated.length;
  if (edits.curated.length > 0) writes.push({ file: CURATED_ANSWERS_FILE, text: curatedMarkdown(edits.curated) });
  else if (existsSync(curatedPath) && readFileSync(curatedPath, 'utf8').includes(GENERATED)) removes.push(CURATED_ANSWERS_FILE);
  return { report, writes, removes };
}

/** Writes the edits into `knowledgeDir` (or only reports what it would do, with `dryRun`). */
export function exportKnowledgeEdits(
  knowledgeDir: string,
  edits: { paraphrases: readonly Paraphrase[]; curated: readonly CuratedAnswer[] },
  options: { dryRun?: boolean } = {},
): ExportReport {
  const plan = planKnowledgeExport(knowledgeDir, edits);
  if (!options.dryRun) {
    for (const w of plan.writes) writeFileSync(join(knowledgeDir, w.file), w.text);
    for (const file of plan.removes) rmSync(join(knowledgeDir, file));
  }
  return plan.report;
}
