/** A durably written file: whole, in place, no temporary left beside it, replaced atomically. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileDurably } from '../../src/core/durable-file.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeFileDurably', () => {
  it('writes the whole content under the final name and leaves no temporary file', () => {
    const file = path.join(dir, 'a.bin');
    const bytes = Buffer.alloc(3 * 1024 * 1024, 7);
    writeFileDurably(file, bytes);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['a.bin']);
  });

  it('replaces an existing file with the new content (a reader sees one or the other)', () => {
    const file = path.join(dir, 'state.json');
    writeFileDurably(file, JSON.stringify({ v: 1 }));
    writeFileDurably(file, JSON.stringify({ v: 2 }));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ v: 2 });
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('fails loudly when the folder does not exist (nothing is referenced that is not on disk)', () => {
    expect(() => writeFileDurably(path.join(dir, 'missing', 'x'), 'x')).toThrow(/ENOENT/);
  });
});
