/**
 * Module hooks (node:module `register`) that let Node run the test-side TypeScript in place, for
 * run.mjs: a `.ts` file is compiled by esbuild as it is loaded (type-only syntax stripped, one file at a
 * time, as `isolatedModules` guarantees is safe); an import written `./x.js` finds `./x.ts`; and every
 * import of the product (`src/…`) loads the built `dist/…` instead, so the product runs exactly as
 * `npm start` runs it. Files keep their real location, so paths made from `import.meta.url` hold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';

let src = '';
let dist = '';

export function initialize(data) {
  src = data.src;
  dist = data.dist;
}

export async function resolve(specifier, context, next) {
  if (/^\.\.?\//.test(specifier) && context.parentURL?.startsWith('file:')) {
    const path = fileURLToPath(new URL(specifier, context.parentURL));
    if (path.startsWith(src)) {
      const built = dist + path.slice(src.length).replace(/\.ts$/, '.js');
      if (!existsSync(built)) throw new Error(`${built} is missing: run "npm run build" first`);
      return { url: pathToFileURL(built).href, shortCircuit: true };
    }
    if (path.endsWith('.js') && !existsSync(path) && existsSync(`${path.slice(0, -3)}.ts`)) {
      return { url: pathToFileURL(`${path.slice(0, -3)}.ts`).href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const file = fileURLToPath(url);
    const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file });
    return { format: 'module', source: code, shortCircuit: true };
  }
  return next(url, context);
}
