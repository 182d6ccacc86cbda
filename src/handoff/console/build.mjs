#!/usr/bin/env node
/**
 * Builds the agent console: bundles main.mts → dist/public/agent/console.js (one minified IIFE, linked
 * source map) and copies index.html and console.css next to it. The server serves index.html at GET
 * /agent and the assets at /agent/console.js and /agent/console.css. Prints the gzipped size and fails
 * above the budget. Works from any working directory: every path comes from this file's location.
 *
 * The sources are .mts (browser code, DOM types, own tsconfig.json here) so that the server's
 * tsconfigs, which take every `*.ts` under src/, do not compile them.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET = 40 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const out = join(root, 'dist', 'public', 'agent');
const outfile = join(out, 'console.js');

try {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(here, 'main.mts')],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    sourcemap: 'linked',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const name of ['index.html', 'console.css']) copyFileSync(join(here, name), join(out, name));
  const raw = readFileSync(outfile);
  const gz = gzipSync(raw, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`agent console: ${relative(process.cwd(), outfile) || outfile} ${kb(raw.length)} (${kb(gz)} gzipped, budget ${kb(BUDGET)})`);
  if (gz > BUDGET) {
    console.error(`agent console: ${gz} bytes gzipped is over the budget of ${BUDGET} bytes`);
    process.exit(1);
  }
} catch (err) {
  console.error(`agent console build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
