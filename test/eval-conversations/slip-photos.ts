/**
 * The photo a `{ photo: s1 }` turn sends: the slip `s1` rendered to a PNG by the test slip-image
 * generator (`renderSlip` from test/helpers/slip-image.ts) when that module exists; otherwise one of the
 * fixed slip pictures in test/fixtures/files (slip.png, slip-2.png, slip-3.png: a different one per slip of
 * the conversation, so two slips are two files), which carry no readable fields.
 *
 * The generator is found at run time (the same file under vitest and under run.mjs), so nothing here
 * changes when it lands; to pin another module, change `RENDERER_MODULE`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILES_DIR, type SlipSpec } from './fixtures.js';
import { shanghaiDate } from './dates.js';

/** The generator's contract (test/helpers/slip-image.ts). */
export interface SlipFields {
  merchantName?: string;
  merchantId: string;
  terminalId: string;
  batchNo?: string;
  voucherNo: string;
  authCode?: string;
  referenceNo: string;
  /** `YYYY-MM-DD` */
  date: string;
  time?: string;
  /** `990.00` */
  amount: string;
  cardMasked?: string;
  type?: string;
}
export type RenderSlip = (fields: SlipFields, options?: Record<string, unknown>) => Promise<Buffer>;

/** The slip-image generator, used when the file exists. */
const RENDERER_MODULE = new URL('../helpers/slip-image.ts', import.meta.url);

let renderer: Promise<RenderSlip | undefined> | undefined;

/** `renderSlip` of test/helpers/slip-image.ts, or undefined while that module does not exist. */
export function slipRenderer(): Promise<RenderSlip | undefined> {
  renderer ??= (async () => {
    if (!existsSync(fileURLToPath(RENDERER_MODULE))) return undefined;
    const mod = (await import(/* @vite-ignore */ RENDERER_MODULE.href)) as { renderSlip?: RenderSlip };
    if (typeof mod.renderSlip !== 'function') throw new Error(`${fileURLToPath(RENDERER_MODULE)} exports no renderSlip function`);
    return mod.renderSlip;
  })();
  return renderer;
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
}

/** The photo of slip `key` (the `index`-th slip of its conversation). */
export async function slipPhoto(key: string, spec: SlipSpec, index: number): Promise<SlipPhoto> {
  const render = await slipRenderer();
  if (render) return { bytes: await render(slipFields(spec)), name: `${key}.png`, source: 'rendered' };
  const file = FALLBACKS[index % FALLBACKS.length]!;
  return { bytes: readFileSync(join(FILES_DIR, file)), name: `${key}.png`, source: 'fixed' };
}
