#!/usr/bin/env node
/**
 * The steps `npm test` runs before vitest — the build, the type checks (server and tests, widget, agent
 * console) and the dependency rules — run side by side instead of one after the other. Only the tests'
 * type check reads what another step writes: src/ is a composite project (src/tsconfig.json) whose build
 * emits declarations, and test/tsconfig.json refers to it, so the tests are checked against dist/*.d.ts
 * after the build instead of checking src/ a second time. Each step's output is printed when it ends,
 * under its name; the exit code is 1 when any step failed, and every step is always run to its end so all
 * failures show at once.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

const STEPS = [
  // The build type-checks src/; the tests' check (without --incremental: in a fresh clone, computing the
  // incremental signatures took three times as long as the check) needs the build's declarations.
  [
    { name: 'build', cmd: 'npm', args: ['run', 'build', '--silent'] },
    { name: 'typecheck (tests)', cmd: bin('tsc'), args: ['-p', 'test/tsconfig.json', '--noEmit'] },
  ],
  { name: 'typecheck:widget', cmd: 'npm', args: ['run', 'typecheck:widget', '--silent'] },
  { name: 'deps', cmd: 'npm', args: ['run', 'deps', '--silent'] },
];

function run({ name, cmd, args }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => out.push(c));
    let ended = false;
    const done = (code, error) => {
      if (ended) return;
      ended = true;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const text = Buffer.concat(out).toString().trimEnd();
      const status = code === 0 ? 'ok' : `FAILED (${error ?? `exit ${code}`})`;
      process.stdout.write(`── ${name}: ${status} in ${seconds} s\n${text ? `${text}\n` : ''}`);
      resolve(code === 0);
    };
    child.on('error', (err) => done(1, err.message));
    child.on('close', (code, signal) => done(code ?? 1, signal ?? undefined));
  });
}

/** A step, or steps one after the other (each run even when one before it failed). */
async function runAll(step) {
  if (!Array.isArray(step)) return run(step);
  const results = [];
  for (const s of step) results.push(await run(s));
  return results.every(Boolean);
}

const results = await Promise.all(STEPS.map(runAll));
process.exitCode = results.every(Boolean) ? 0 : 1;
