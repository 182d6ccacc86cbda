/**
 * The knowledge folder's YAML files (glossary, lexicon, out-of-scope questions) are read one way: absent
 * is allowed (the file is optional), unreadable YAML or a wrong shape is KNOWLEDGE_FILE_INVALID naming the
 * file and the path inside it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { z } from 'zod';
import { AppError } from '../core/errors.js';

export function readYamlFile<S extends z.ZodType>(file: string, schema: S): z.output<S> | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('KNOWLEDGE_FILE_INVALID', `${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('KNOWLEDGE_FILE_INVALID', `${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
