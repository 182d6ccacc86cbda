/**
 * Agent passwords: scrypt from node:crypto (no native add-on to build), stored as one self-describing
 * string `scrypt$N$r$p$<salt base64>$<hash base64>`. The parameters travel with the hash, so raising the
 * cost later leaves older hashes verifiable.
 *
 * N=16384, r=8, p=1 (≈16 MiB and some tens of milliseconds per hash): the OWASP minimum for scrypt, and
 * cheap enough that a login, or the decoy hash an unknown name costs, does not stall the server. The work
 * runs on libuv's thread pool (the async `scrypt`), not on the event loop.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../../core/errors.js';

export const SCRYPT_N = 16384;
export const SCRYPT_R = 8;
export const SCRYPT_P = 1;
export const SALT_BYTES = 16;
export const KEY_BYTES = 64;

/** The password policy: length only (NIST SP 800-63B), counted in characters, not UTF-16 units. */
export const PASSWORD_MIN_LENGTH = 10;
/** Long enough for any passphrase; bounds the work a hostile request can ask of the hash. */
export const PASSWORD_MAX_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** The same password typed on another keyboard or IME may arrive in another Unicode form. */
function normalize(password: string): string {
  return password.normalize('NFC');
}

/** Throws `AGENT_INVALID` with the reason when the password does not meet the policy. */
export function checkPasswordPolicy(password: string): void {
  const length = [...normalize(password)].length;
  if (length < PASSWORD_MIN_LENGTH) throw new AppError('AGENT_INVALID', `the password must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  if (length > PASSWORD_MAX_LENGTH) throw new AppError('AGENT_INVALID', `the password must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  if (password.trim() === '') throw new AppError('AGENT_INVALID', 'the password must not be only spaces');
}

/** `scrypt$16384$8$1$<salt>$<hash>`, with a fresh random salt. Does not check the policy. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(normalize(password), salt, KEY_BYTES, { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: maxmem(SCRYPT_N, SCRYPT_R) });
  return ['scrypt', SCRYPT_N, SCRYPT_R, SCRYPT_P, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A stored hash, or undefined when it is not one this module wrote (or its cost is out of bounds). */
export function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,8}$/.test(x!) ? Number(x) : NaN)) as [number, number, number];
  // Bounds, so that a tampered row cannot make one login take gigabytes or minutes.
  if (!(N >= 2 && N <= 1 << 20 && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16)) return undefined;
  if (!B64.test(parts[4]!) || !B64.test(parts[5]!)) return undefined;
  const salt = Buffer.from(parts[4]!, 'base64');
  const key = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 256) return undefined;
  return { N, r, p, salt, key };
}

/**
 * Whether `password` matches `stored`, compared in constant time. A malformed stored hash never matches
 * (it still costs one hash with the default parameters, so it does not answer faster either).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) {
    await hashPassword(password);
    return false;
  }
  const { N, r, p, salt, key } = parsed;
  const candidate = await scrypt(normalize(password), salt, key.length, { N, r, p, maxmem: maxmem(N, r) });
  return timingSafeEqual(candidate, key);
}

let decoy: Promise<string> | undefined;

/**
 * A hash of a random password, made once per process: verified against when a login names no agent, so
 * an unknown name takes as long as a wrong password and the answer time does not tell which names exist.
 */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64'));
  return decoy;
}

/** scrypt needs 128·N·r bytes; node's default cap (32 MiB) is just enough for N=16384, r=8. Leave room. */
function maxmem(N: number, r: number): number {
  return 128 * N * r * 2 + 1024 * 1024;
}
