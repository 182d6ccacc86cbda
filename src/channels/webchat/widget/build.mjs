#!/usr/bin/env node
/**
 * Bundles the web chat widget (widget/main.ts → dist/public/widget.js, one minified IIFE) and copies the
 * demo page (demo/* → dist/public/). Prints the gzipped size and fails above the 30 KB budget.
 * Works from any working directory: every path comes from this file's location.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET = 30 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', '..');
const demo = join(here, '..', 'demo');
const out = join(root, 'dist', 'public');
const outfile = join(out, 'widget.js');

try {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(here, 'main.ts')],
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
  if (existsSync(demo)) {
    for (const name of readdirSync(demo)) cpSync(join(demo, name), join(out, name), { recursive: true });
  }
  const raw = readFileSync(outfile);
  const gz = gzipSync(raw, { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(`widget: ${relative(process.cwd(), outfile) || outfile} ${kb(raw.length)} (${kb(gz)} gzipped, budget ${kb(BUDGET)})`);
  if (gz > BUDGET) {
    console.error(`widget: ${gz} bytes gzipped is over the budget of ${BUDGET} bytes`);
    process.exit(1);
  }
} catch (err) {
  console.error(`widget build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
