/**
 * Scripted conversations: every `scripts/*.yaml` is played through the real CLI (`pos-assist chat
 * --jsonl`, a child process over a fresh data directory) and the bot's activities are compared, in
 * order, with what the script expects. Adding a conversation test means adding a YAML file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { tempDir } from '../helpers/runtime.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist', 'app', 'cli.js');
const SCRIPTS = join(ROOT, 'test', 'conversations', 'scripts');

const Expectation = z.object({
  type: z.string().default('message'),
  equals: z.string().optional(),
  contains: z.array(z.string()).default([]),
  notContains: z.array(z.string()).default([]),
  suggestedActions: z.union([z.array(z.string()), z.number().int()]).optional(),
});
const Script = z.object({
  name: z.string(),
  user: z.string().optional(),
  turns: z.array(z.object({ user: z.string().optional(), bot: z.array(Expectation) })).min(1),
});

interface Line {
  type: string;
  text: string;
  suggestedActions?: string[];
  error?: string;
}

const dataDir = tempDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('scripted conversations through `pos-assist chat --jsonl`', () => {
  it('has the CLI built (npm test builds it first)', () => {
    expect(existsSync(CLI), `${CLI} missing: run "npm run build"`).toBe(true);
  });

  for (const file of readdirSync(SCRIPTS).filter((f) => f.endsWith('.yaml')).sort()) {
    const script = Script.parse(parse(readFileSync(join(SCRIPTS, file), 'utf8')));
    it(`${file}: ${script.name}`, () => {
      const input = script.turns.flatMap((t) => (t.user === undefined ? [] : [t.user])).join('\n') + '\n';
      const run = spawnSync(process.execPath, [CLI, 'chat', '--jsonl', '--user', script.user ?? file.replace(/\W/g, '-')], {
        input,
        env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
      const expected = script.turns.flatMap((t) => t.bot);
      expect(lines.map((l) => l.text ?? l.error).join('\n---\n')).toBeTruthy();
      expect(lines, `bot said:\n${run.stdout}`).toHaveLength(expected.length);
      expected.forEach((want, i) => {
        const got = lines[i]!;
        const said = got.text ?? got.error ?? '';
        expect(got.type, `activity ${i}`).toBe(want.type);
        if (want.equals !== undefined) expect(said, `activity ${i}`).toBe(want.equals);
        for (const c of want.contains) expect(said, `activity ${i}`).toContain(c);
        for (const c of want.notContains) expect(JSON.stringify(got), `activity ${i}`).not.toContain(c);
        if (Array.isArray(want.suggestedActions)) expect(got.suggestedActions, `activity ${i}`).toEqual(want.suggestedActions);
        else if (typeof want.suggestedActions === 'number') expect(got.suggestedActions ?? [], `activity ${i}`).toHaveLength(want.suggestedActions);
      });
    });
  }
});
