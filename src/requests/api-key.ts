/**
 * The back-office API key check. Kept in its own module so the comparison is one small, testable
 * function: both sides are hashed first, so `timingSafeEqual` compares equal lengths and the time taken
 * says nothing about how much of a guess was right (nor about the key's length).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two strings. */
export function safeEqual(candidate: string, expected: string): boolean {
  const a = createHash('sha256').update(candidate, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const m = /^Bearer[ \t]+(\S.*)$/i.exec(header.trim());
  return m?.[1]?.trim();
}
