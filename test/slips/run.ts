/**
 * `npm run eval:slips [-- --count N] [-- --seed S] [-- --verbose] [-- --json] [-- --save DIR]`: generates N
 * slips (default 60), reads them with the built reader and prints per-field and overall accuracy, timing
 * and the full-card-number check (slip-eval.ts). `--save DIR` writes each image there (named by case).
 * Exit code 1 when the overall accuracy is under 95 % or a full card number leaked.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SlipReader } from '../../src/slips/index.js';
import { cjkFontsInstalled } from '../helpers/slip-image.js';
import { evalCases, formatReport, runSlipEval } from './slip-eval.js';

const USAGE = 'usage: npm run eval:slips -- [--count N] [--seed S] [--verbose] [--json] [--save DIR]';
export const TARGET = 0.95;

export async function main(args: string[]): Promise<number> {
  let count = 60;
  let seed = 1;
  let verbose = false;
  let json = false;
  let save: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--count') count = Number(value());
    else if (a === '--seed') seed = Number(value());
    else if (a === '--verbose') verbose = true;
    else if (a === '--json') json = true;
    else if (a === '--save') save = value();
    else {
      console.error(USAGE);
      return 2;
    }
  }
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
    console.error(USAGE);
    return 2;
  }
  if (!cjkFontsInstalled()) {
    console.error('No Chinese font on this machine: install fonts-noto-cjk (apt-get install -y fonts-noto-cjk).');
    return 1;
  }
  if (save) mkdirSync(save, { recursive: true });
  const reader = new SlipReader();
  try {
    const report = await runSlipEval(reader, evalCases(count, seed), (o, image) => {
      if (save) {
        const c = o.case;
        writeFileSync(join(save, `${String(c.id).padStart(3, '0')}-${c.layout}-${c.photo ? 'photo.jpg' : 'clean.png'}`), image);
      }
      if (!json) process.stderr.write(o.misses.length || o.panLeak ? 'x' : '.');
    });
    if (!json) process.stderr.write('\n');
    if (json) {
      const { outcomes, ...summary } = report;
      console.log(JSON.stringify({ ...summary, misses: outcomes.filter((o) => o.misses.length || o.panLeak).map((o) => ({ id: o.case.id, layout: o.case.layout, font: o.case.font, photo: o.case.photo, misses: o.misses, panLeak: o.panLeak })) }, null, 2));
    } else {
      console.log(formatReport(report, verbose));
    }
    return report.overall.rate >= TARGET && report.panLeaks === 0 ? 0 : 1;
  } finally {
    await reader.close();
  }
}
