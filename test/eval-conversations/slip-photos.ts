/**
 * The photo a `{ photo: s1 }` turn sends: the slip `s1` rendered by the test slip-image generator
 * (`renderSlip` from test/helpers/slip-image.ts) when that module exists — in a layout and font picked
 * per slip (stable: the conversation id and slip key choose them), photographed (rotation, blur, shadow,
 * noise, JPEG, seeded the same way), as merchants send slips; `PHOTOGRAPHED` turns the photo effects off.
 * Without the generator, one of the fixed slip pictures in test/fixtures/files (slip.png, slip-2.png,
 * slip-3.png: a different one per slip of the conversation, so two slips are two files), which carry no
 * readable fields.
 *
 * Rendered photos are kept by content between runs (test/helpers/slip-photo-cache.ts).
 *
 * The generator is found at run time (the same file under vitest and under run.mjs), so nothing here
 * changes when it lands; to pin another module, change `RENDERER_MODULE`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILES_DIR, type SlipSpec } from './fixtures.js';
import { shanghaiDate } from './dates.js';
import { cachedRender } from '../helpers/slip-photo-cache.js';

/** The generator's contract (test/helpers/slip-image.ts). */
export type { RenderOptions, SlipValues as SlipFields } from '../helpers/slip-image.js';
import type { RenderOptions, SlipValues as SlipFields } from '../helpers/slip-image.js';
export type RenderSlip = (fields: SlipFields, options?: RenderOptions) => Promise<Buffer>;

interface SlipImageModule {
  renderSlip: RenderSlip;
  SLIP_LAYOUTS?: readonly NonNullable<RenderOptions['layout']>[];
  SLIP_FONTS?: readonly NonNullable<RenderOptions['font']>[];
  cjkFontsInstalled?: () => boolean;
}

/** The slip-image generator, used when the file exists. */
const RENDERER_MODULE = new URL('../helpers/slip-image.ts', import.meta.url);
/** Photos as a phone takes them (the generator's seeded degradation); false: clean renderings. */
const PHOTOGRAPHED = true;

let generator: Promise<SlipImageModule | undefined> | undefined;

/** test/helpers/slip-image.ts, or undefined while that module does not exist. */
function slipImageModule(): Promise<SlipImageModule | undefined> {
  generator ??= (async () => {
    if (!existsSync(fileURLToPath(RENDERER_MODULE))) return undefined;
    const mod = (await import(/* @vite-ignore */ RENDERER_MODULE.href)) as Partial<SlipImageModule>;
    if (typeof mod.renderSlip !== 'function') throw new Error(`${fileURLToPath(RENDERER_MODULE)} exports no renderSlip function`);
    return mod as SlipImageModule;
  })();
  return generator;
}

/** `renderSlip` of test/helpers/slip-image.ts, or undefined while that module does not exist. */
export async function slipRenderer(): Promise<RenderSlip | undefined> {
  return (await slipImageModule())?.renderSlip;
}

/** FNV-1a: a stable number from the conversation and slip, so a run is repeatable. */
function stableHash(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
  return h;
}

/** Layout, font and photo effects of one slip, picked by its conversation and key. */
function renderOptions(mod: SlipImageModule, slipId: string): RenderOptions {
  const h = stableHash(slipId);
  const layouts = mod.SLIP_LAYOUTS ?? [];
  // Chinese labels need a CJK font; without one installed, the generator's default.
  const fonts = mod.cjkFontsInstalled?.() === false ? [] : (mod.SLIP_FONTS ?? []).filter((f) => /CJK/.test(f));
  return {
    ...(layouts.length ? { layout: layouts[h % layouts.length]! } : {}),
    ...(fonts.length ? { font: fonts[(h >>> 8) % fonts.length]! } : {}),
    ...(PHOTOGRAPHED ? { degrade: true, seed: (h >>> 16) + 1 } : {}),
  };
}

const FALLBACKS = ['slip.png', 'slip-2.png', 'slip-3.png'];

/** The slip's fields as the generator takes them (relative dates made calendar dates). */
export function slipFields(spec: SlipSpec): SlipFields {
  const { date, ...rest } = spec;
  const fields: SlipFields = { ...rest, date: typeof date === 'number' ? shanghaiDate(date) : date };
  for (const [k, v] of Object.entries(fields)) if (v === undefined) delete (fields as unknown as Record<string, unknown>)[k];
  return fields;
}

export interface SlipPhoto {
  bytes: Buffer;
  name: string;
  /** `rendered`: by the generator; `fixed`: a stand-in picture without the slip's fields. */
  source: 'rendered' | 'fixed';
  /** How it was rendered (layout, font, photo effects). */
  options?: RenderOptions;
}

/** The photo of slip `key` of conversation `conversationId` (its `index`-th slip). */
export async function slipPhoto(conversationId: string, key: string, spec: SlipSpec, index: number): Promise<SlipPhoto> {
  const mod = await slipImageModule();
  if (mod) {
    const options = renderOptions(mod, `${conversationId}/${key}`);
    // Rendered once, then read back from the photo cache (test/helpers/slip-photo-cache.ts): the same
    // values and options always give the same bytes; the OCR that reads them is never cached.
    const bytes = await cachedRender(mod.renderSlip, slipFields(spec), options);
    const ext = bytes[0] === 0xff && bytes[1] === 0xd8 ? 'jpg' : 'png';
    return { bytes, name: `${key}.${ext}`, source: 'rendered', options };
  }
  const file = FALLBACKS[index % FALLBACKS.length]!;
  return { bytes: readFileSync(join(FILES_DIR, file)), name: `${key}.png`, source: 'fixed' };
}
