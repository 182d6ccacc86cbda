/**
 * A minimal ZIP writer (deflated entries, no directories, no ZIP64) for the console's downloads of a few
 * small text files: the knowledge export. Written here rather than taken as a dependency for ~60 lines;
 * the format is PKWARE's APPNOTE 6.3, which every unzip, Windows Explorer and macOS Archive Utility read.
 */
import { deflateRawSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** MS-DOS time and date of `at` (local fields as UTC: the archive carries no zone). */
function dosTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | Math.floor(at.getUTCSeconds() / 2),
    date: ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}

/** A ZIP archive of `entries` (names as given, UTF-8 flagged). */
export function zip(entries: readonly { name: string; data: Buffer | string }[], at: Date = new Date()): Buffer {
  const { time, date } = dosTime(at);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data, 'utf8');
    const packed = deflateRawSync(raw);
    const crc = crc32(raw);
    // Bit 11: the name is UTF-8 (Chinese file names stay readable).
    const common = (b: Buffer, at0: number) => {
      b.writeUInt16LE(20, at0);
      b.writeUInt16LE(0x0800, at0 + 2);
      b.writeUInt16LE(8, at0 + 4);
      b.writeUInt16LE(time, at0 + 6);
      b.writeUInt16LE(date, at0 + 8);
      b.writeUInt32LE(crc, at0 + 10);
      b.writeUInt32LE(packed.length, at0 + 14);
      b.writeUInt32LE(raw.length, at0 + 18);
      b.writeUInt16LE(name.length, at0 + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    common(local, 4);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    common(central, 6);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += local.length + name.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
