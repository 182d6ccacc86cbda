/**
 * Random identifiers: conversation, user and request ids that must not be guessable. Characters are
 * drawn from the CSPRNG by rejection sampling — a byte of 248 or more is thrown away — so every one of
 * the 62 characters is equally likely (`byte % 62` alone would favour the first eight by a quarter).
 */
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The largest multiple of 62 that fits in a byte: bytes from here up would bias the draw. */
const UNBIASED_LIMIT = 248;

/** `length` characters of base62 from the CSPRNG, uniformly distributed. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_LIMIT) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}
