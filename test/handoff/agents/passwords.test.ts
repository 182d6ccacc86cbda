import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { isAppError } from '../../../src/app/errors.js';
import {
  checkPasswordPolicy,
  decoyHash,
  hashPassword,
  parseHash,
  verifyPassword,
} from '../../../src/handoff/agents/passwords.js';

// The real functions, watched: verification must compare with timingSafeEqual.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

describe('agent passwords (scrypt)', () => {
  it('stores scrypt$16384$8$1$<16-byte salt>$<64-byte hash>, salted afresh each time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    const parts = a.split('$');
    expect(Buffer.from(parts[4]!, 'base64')).toHaveLength(16);
    expect(Buffer.from(parts[5]!, 'base64')).toHaveLength(64);
    expect(a).not.toBe(b);
    // The same derivation, done by hand, gives the stored key.
    const key = crypto.scryptSync('correct horse battery', Buffer.from(parts[4]!, 'base64'), 64, { N: 16384, r: 8, p: 1 });
    expect(key.toString('base64')).toBe(parts[5]);
  });

  it('verifies the right password only, in constant time', async () => {
    const stored = await hashPassword('correct horse battery');
    vi.mocked(crypto.timingSafeEqual).mockClear();
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
    expect(vi.mocked(crypto.timingSafeEqual)).toHaveBeenCalledTimes(3);
  });

  it('treats the same password in another Unicode form as the same (NFC)', async () => {
    const stored = await hashPassword('caf\u00e9-password');
    expect(await verifyPassword('cafe\u0301-password', stored)).toBe(true);
  });

  it('never matches a malformed or out-of-bounds stored hash', async () => {
    const good = await hashPassword('correct horse battery');
    const [, , , , salt, key] = good.split('$');
    for (const bad of [
      '',
      'plain-text-password',
      `bcrypt$16384$8$1$${salt}$${key}`,
      `scrypt$16384$8$1$${salt}`,
      `scrypt$1000$8$1$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 24}$8$1$${salt}$${key}`, // far too costly
      `scrypt$16384$8$1$!!!$${key}`,
    ]) {
      expect(parseHash(bad), bad).toBeUndefined();
      expect(await verifyPassword('correct horse battery', bad)).toBe(false);
    }
  });

  it('the decoy hash is made once and matches no guess', async () => {
    const decoy = await decoyHash();
    expect(await decoyHash()).toBe(decoy);
    expect(parseHash(decoy)).toBeDefined();
    expect(await verifyPassword('correct horse battery', decoy)).toBe(false);
  });

  it('policy: at least 10 characters (counted as characters), not blank', () => {
    const reason = (p: string) => {
      try {
        checkPasswordPolicy(p);
        return undefined;
      } catch (err) {
        expect(isAppError(err, 'AGENT_INVALID')).toBe(true);
        return (err as Error).message;
      }
    };
    expect(reason('123456789')).toMatch(/at least 10 characters/);
    expect(reason('1234567890')).toBeUndefined();
    expect(reason('密码密码密码密码密码')).toBeUndefined(); // 10 characters
    expect(reason('😀😀😀😀😀')).toMatch(/at least 10/); // 10 UTF-16 units, 5 characters
    expect(reason(' '.repeat(12))).toMatch(/only spaces/);
    expect(reason('x'.repeat(1025))).toMatch(/at most 1024/);
  });
});
