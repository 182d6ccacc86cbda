/**
 * Rendered slip photos kept on disk between runs, by content: drawing a slip and photographing it
 * (test/helpers/slip-image.ts) is a fixture, about 150 ms of CPU a photo, and the same values, options and
 * seed always give the same bytes — so a photo is rendered once and then read back. What the OCR sees in
 * a photo is kept only for the conversation evaluation (ocr-cache.ts); the reader's own tests read each
 * photo with the real OCR.
 *
 * The key is a SHA-256 of the values and options together with everything else the bytes depend on: the
 * generator's source, sharp's and libvips' versions and the fonts fontconfig lists. Change any of them and
 * the photos are rendered anew. Relative dates are calendar dates by the time they get here, so a day's
 * photos are keys of their own; entries older than a week are removed (disk-cache.ts).
 *
 * The folder is `POS_ASSIST_SLIP_PHOTO_CACHE` when set (`off`: no cache, every photo rendered), else
 * ~/.cache/pos-assist-tests/slip-photos (disk-cache.ts). Writes are atomic (a temporary file renamed), so
 * processes rendering side by side (vitest workers, the run.mjs child) never read half a photo.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { cacheFolder, writeEntry } from './disk-cache.js';
import type { RenderOptions, SlipValues } from './slip-image.js';

const GENERATOR = fileURLToPath(new URL('./slip-image.ts', import.meta.url));

type Render = (values: SlipValues, options?: RenderOptions) => Promise<Buffer>;

let state: { dir: string; fingerprint: string } | null | undefined;

/** The cache folder and what the bytes depend on besides the values; null when the cache is off. */
function cacheState(): { dir: string; fingerprint: string } | null {
  if (state !== undefined) return state;
  const dir = cacheFolder('POS_ASSIST_SLIP_PHOTO_CACHE', 'slip-photos');
  if (!dir) return (state = null);
  let fonts = '';
  try {
    fonts = execFileSync('fc-list', [':', 'family', 'file'], { encoding: 'utf8' }).split('\n').sort().join('\n');
  } catch {
    fonts = 'no fontconfig';
  }
  const fingerprint = createHash('sha256')
    .update(readFileSync(GENERATOR))
    .update(JSON.stringify(sharp.versions))
    .update(fonts)
    .digest('hex');
  return (state = { dir, fingerprint });
}

/**
 * `render(values, options)`, read from the cache when this photo was rendered before (same values,
 * options, generator, sharp and fonts), else rendered and stored.
 */
export async function cachedRender(render: Render, values: SlipValues, options: RenderOptions = {}): Promise<Buffer> {
  const cache = cacheState();
  if (!cache) return render(values, options);
  const key = createHash('sha256').update(cache.fingerprint).update(JSON.stringify([values, options])).digest('hex');
  const file = join(cache.dir, `${key}.img`);
  try {
    return readFileSync(file);
  } catch {
    // not rendered yet
  }
  const bytes = await render(values, options);
  writeEntry(file, bytes);
  return bytes;
}
