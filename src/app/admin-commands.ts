/**
 * The operator's bookkeeping commands, `agents …`, `usage` and `knowledge export`: they open the database and nothing else, so
 * they load without botbuilder, LangChain or the knowledge base (a second to start instead of two).
 */
import { AgentStore } from '../handoff/agents/agent-store.js';
import { LlmCallStore } from '../llm/llm-call-store.js';
import { openDatabase } from '../store/index.js';
import { AuditLog } from '../ops/audit-log.js';
import { KnowledgeEdits } from '../ops/knowledge-edits.js';
import { exportKnowledgeEdits } from '../ops/knowledge-export.js';
import type { Config } from './config.js';
import { AppError } from './errors.js';

export interface AgentsOptions {
  role: string | undefined;
  displayName?: string | undefined;
  passwordStdin: boolean;
  json: boolean;
}

/**
 * `agents add <name>` / `agents list` (arguments already checked by `cli.ts`). The password never comes
 * from the command line (it would stay in the shell history and in `ps`): a terminal prompt twice without
 * echo, or stdin with `--password-stdin`. A bad name, a short password or a name in use exit 1 with
 * `AGENT_INVALID` and the reason.
 */
export async function runAgents(config: Config, positionals: string[], options: AgentsOptions): Promise<number> {
  const [sub, name, shown] = positionals;
  let password: string | undefined;
  if (sub === 'add' || sub === 'reset-password') {
    try {
      password = options.passwordStdin ? await readPasswordFromStdin() : await promptNewPassword();
    } catch (err) {
      if (err instanceof PromptCancelled) {
        process.stderr.write('pos-assist: cancelled\n');
        return 130;
      }
      throw err;
    }
  }
  const store = await openDatabase({ filename: config.paths.database, url: config.databaseUrl });
  try {
    const agents = new AgentStore(store.db, config.handoff);
    if (sub === 'add') {
      const agent = await agents.add({ name: name!, role: options.role ?? 'agent', password: password!, displayName: options.displayName });
      const origin = config.publicUrl ?? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
      process.stdout.write(`Agent "${agent.name}" (${agent.role}, shown to merchants as "${agent.displayName}") added. Log in at ${origin}/agent\n`);
      return 0;
    }
    if (sub === 'disable' || sub === 'enable' || sub === 'reset-password' || sub === 'display-name') {
      const agent =
        sub === 'reset-password'
          ? await agents.resetPassword(name!, password!)
          : sub === 'display-name'
            ? await agents.setDisplayName(name!, shown!)
            : await agents.setDisabled(name!, sub === 'disable');
      if (!agent) {
        process.stderr.write(`pos-assist: AGENT_NOT_FOUND: no agent named "${name}" (see pos-assist agents list)\n`);
        return 1;
      }
      const done = {
        disable: 'disabled: it cannot log in, and its sessions (and open consoles, within 15 s) have ended',
        enable: 'enabled: it can log in again',
        'reset-password': 'has a new password; its sessions have ended',
        'display-name': `is shown to merchants as "${agent.displayName}"`,
      }[sub];
      process.stdout.write(`Agent "${agent.name}" ${done}.\n`);
      return 0;
    }
    const list = await agents.list();
    if (options.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`);
    } else if (list.length === 0) {
      process.stdout.write('No agents yet. Create one: pos-assist agents add <name> --role supervisor\n');
    } else {
      const rows = [
        ['id', 'name', 'shown as', 'role', 'presence', 'last active'],
        ...list.map((a) => [String(a.id), a.name, a.displayName, a.role, a.disabledAt ? 'disabled' : a.presence, a.lastActiveAt ?? '-']),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const row of rows) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

class PromptCancelled extends Error {}

/** All of stdin, less one final line break (`echo "$PW" | … --password-stdin`). One line only. */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (/[\r\n]/.test(text)) throw new AppError('AGENT_INVALID', 'the password on stdin must be a single line');
  return text;
}

/** Asks twice on the terminal, without echo; the two must match. */
async function promptNewPassword(): Promise<string> {
  const first = await readHidden('Password (at least 10 characters): ');
  const second = await readHidden('Password again: ');
  if (first !== second) throw new AppError('AGENT_INVALID', 'the two passwords differ');
  return first;
}

/** One line from the terminal in raw mode, nothing echoed. Ctrl+C or Ctrl+D on an empty line cancels. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) {
          finish();
          reject(new PromptCancelled());
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** `usage`: what the language model did lately — for operators watching cost and health. */
export async function runUsage(config: Config, hours: number, json: boolean): Promise<number> {
  const store = await openDatabase({ filename: config.paths.database, url: config.databaseUrl });
  try {
    const summary = await new LlmCallStore(store.db).summary(new Date(Date.now() - hours * 3_600_000));
    const model = config.llm.apiKey ? config.llm.model : null;
    if (json) {
      process.stdout.write(`${JSON.stringify({ hours, model, ...summary })}\n`);
      return 0;
    }
    const list = (o: Record<string, number | undefined>) => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || '-';
    process.stdout.write(
      [
        `Language model: ${model ?? 'not configured (offline answers)'}`,
        `Last ${hours} h: ${summary.calls} calls`,
        `  by outcome: ${list(summary.byOutcome)}`,
        `  by purpose: ${list(summary.byPurpose)}`,
        `  tokens: ${summary.inputTokens} in, ${summary.outputTokens} out`,
        `  latency of successful calls: p50 ${summary.p50LatencyMs ?? '-'} ms, p95 ${summary.p95LatencyMs ?? '-'} ms`,
      ].join('\n') + '\n',
    );
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * `knowledge export [--dry-run] [--json]`: the paraphrases and curated answers made in the console, written
 * into the knowledge folder (`### 问法` lists, `curated-answers.md`) to be reviewed and committed.
 */
export async function runKnowledgeExport(config: Config, dryRun: boolean, json: boolean): Promise<number> {
  const store = await openDatabase({ filename: config.paths.database, url: config.databaseUrl });
  try {
    const edits = new KnowledgeEdits(store.db, new AuditLog(store.db));
    const report = exportKnowledgeEdits(config.knowledgeDir, await edits.inForce(), { dryRun });
    if (json) {
      process.stdout.write(`${JSON.stringify({ dryRun, ...report })}\n`);
      return 0;
    }
    const lines = [dryRun ? 'Would write (dry run):' : `Written to ${config.knowledgeDir}:`];
    for (const f of report.files) lines.push(`  ${f.file}: ${f.added.length} question(s) added to 问法`);
    lines.push(`  curated-answers.md: ${report.curated} curated answer(s)`);
    for (const s of report.skipped) lines.push(`  skipped "${s.question}" (${s.file} › ${s.section}): ${s.reason}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
