/**
 * Loads and validates every flow file at start-up. A bad file stops the start: the error names the
 * file, the path inside it (`slots[3].prompt.en`) and the reason, all problems at once.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { AppError } from '../core/errors.js';
import { Flow } from './flow-schema.js';

export interface FlowProblem {
  file: string;
  path: string;
  reason: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(top level)';
}

/** Parses one flow file's text; returns the flow or the problems found in it. */
export function parseFlowFile(file: string, source: string): { flow?: Flow; problems: FlowProblem[] } {
  const doc = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return { problems: doc.errors.map((e) => ({ file, path: `line ${e.linePos?.[0]?.line ?? '?'}`, reason: e.message.split('\n')[0]! })) };
  }
  const parsed = Flow.safeParse(doc.toJS());
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => ({ file, path: formatPath(i.path), reason: i.message })) };
  }
  return { flow: parsed.data, problems: [] };
}

/** All flows of the folder, by id. Throws FLOW_FILE_INVALID listing every problem of every file. */
export function loadFlows(dir: string): Map<string, Flow> {
  const flows = new Map<string, Flow>();
  if (!existsSync(dir)) return flows;
  const problems: FlowProblem[] = [];
  const files = readdirSync(dir).filter((n) => ['.yaml', '.yml'].includes(extname(n).toLowerCase()) && !n.startsWith('.')).sort();
  for (const name of files) {
    const path = join(dir, name);
    const { flow, problems: found } = parseFlowFile(path, readFileSync(path, 'utf8'));
    problems.push(...found);
    if (!flow) continue;
    const other = flows.get(flow.id);
    if (other) problems.push({ file: path, path: 'id', reason: `flow id "${flow.id}" is already used by another file` });
    else flows.set(flow.id, flow);
  }
  if (problems.length > 0) {
    throw new AppError('FLOW_FILE_INVALID', problems.map((p) => `${p.file}: ${p.path}: ${p.reason}`).join('\n'), { details: { problems } });
  }
  return flows;
}
