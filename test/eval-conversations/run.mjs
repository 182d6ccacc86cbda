#!/usr/bin/env node
/**
 * Runs the conversation evaluation (run.ts) without a TypeScript runner: esbuild bundles run.ts and its
 * test-side modules into dist/eval-conversations/run.mjs, with every import of `src/` pointing at the
 * built `dist/` (so the product code is exactly what `npm start` runs), then runs it with this process's
 * arguments. The slip-image generator (test/helpers/slip-image.ts), when it exists, is bundled beside it.
 * Needs `npm run build` first (the npm script does it).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const src = join(root, 'src') + '/';
const dist = join(root, 'dist');
const outdir = join(dist, 'eval-conversations');

/** `../../src/x/y.js` → the built `dist/x/y.js`, left as an import (not bundled). */
const productFromDist = {
  name: 'product-from-dist',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (!target.startsWith(src)) return undefined;
      const built = join(dist, target.slice(src.length)).replace(/\.ts$/, '.js');
      if (!existsSync(built)) return { errors: [{ text: `${relative(root, built)} is missing: run "npm run build" first` }] };
      let path = relative(outdir, built);
      if (!path.startsWith('.')) path = `./${path}`;
      return { path, external: true };
    });
  },
};

const entryPoints = { run: join(here, 'run.ts') };
const slipImage = join(root, 'test', 'helpers', 'slip-image.ts');
if (existsSync(slipImage)) entryPoints['slip-image'] = slipImage;

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints,
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [productFromDist],
  sourcemap: 'inline',
  logLevel: 'warning',
});

const { main } = await import(pathToFileURL(join(outdir, 'run.mjs')).href);
process.exitCode = await main(process.argv.slice(2));
