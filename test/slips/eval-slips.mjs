#!/usr/bin/env node
/**
 * Runs the slip-reading evaluation (run.ts) from the build, without a TypeScript runner: the conversation
 * evaluation's module hooks compile the test-side TypeScript as Node loads it and point imports of `src/`
 * at the built `dist/`. Needs `npm run build` first (the npm script does it).
 *
 *   node test/slips/eval-slips.mjs [--count N] [--seed S] [--verbose] [--json] [--save DIR]
 */
import { register } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
register('../eval-conversations/ts-hooks.mjs', import.meta.url, { data: { src: join(root, 'src') + '/', dist: join(root, 'dist') + '/' } });

const { main } = await import(pathToFileURL(join(here, 'run.ts')).href);
process.exitCode = await main(process.argv.slice(2));
