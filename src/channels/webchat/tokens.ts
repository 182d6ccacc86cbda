/**
 * Direct Line tokens: HS256 JWTs bound to one conversation and one user, expiring after the configured
 * lifetime. The signing key comes from DIRECTLINE_SECRET when set; otherwise a random key kept in the
 * data directory, so tokens stay valid across restarts without any configuration.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../core/errors.js';

export interface TokenClaims {
  conversationId: string;
  userId: string;
}

const ISSUER = 'pos-assist';
const AUDIENCE = 'directline';
/** The audience of a merchant claim: what the provider's backend signs to say who its logged-in user is. */
export const MERCHANT_CLAIM_AUDIENCE = 'pos-assist/merchant';
/** Longest life of a merchant claim: it is made for one token request, right before it. */
const MERCHANT_CLAIM_MAX_SECONDS = 600;

/**
 * What the provider's backend sends with a token request to say which merchant its logged-in user is
 * (the Bot Framework pattern for authenticated users: the site, not the browser, says who the user is):
 * an HS256 JWT signed with the Direct Line secret, `sub` the merchant ID, `aud` "pos-assist/merchant",
 * expiring within 10 minutes. This helper is what a Node backend would run; any JWT library does the same.
 */
export async function signMerchantClaim(secret: string, merchantId: string, ttlSeconds = 300): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(merchantId)
    .setAudience(MERCHANT_CLAIM_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${Math.min(ttlSeconds, MERCHANT_CLAIM_MAX_SECONDS)}s`)
    .sign(new TextEncoder().encode(secret));
}

/** Tokens remembered as verified (the oldest forgotten first): far more than the open conversations of one instance. */
const VERIFIED_MAX = 20_000;

export class TokenService {
  private readonly key: Uint8Array;
  /** Tokens this service verified, with their claims and expiry (seconds since the epoch). */
  private readonly verified = new Map<string, { claims: TokenClaims; exp: number }>();

  constructor(
    private readonly options: { secret: string | undefined; keyFile: string; ttlSeconds: number },
  ) {
    this.key = options.secret
      ? createHash('sha256').update(`directline-token-key:${options.secret}`).digest()
      : loadOrCreateKey(options.keyFile);
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  async issue(claims: TokenClaims): Promise<{ token: string; expires_in: number }> {
    const token = await new SignJWT({ conv: claims.conversationId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(randomBytes(8).toString('hex'))
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .sign(this.key);
    return { token, expires_in: this.options.ttlSeconds };
  }

  async verify(token: string): Promise<TokenClaims> {
    // Every Direct Line call carries the token: a token verified once is known until it expires (the check
    // is a pure function of the token and the time). WebCrypto's HMAC (a thread-pool job per call) was 5%
    // of the server's time at saturation (node --cpu-prof under bench:webchat).
    const known = this.verified.get(token);
    if (known) {
      // As jose decides it: expired from the second `exp` names.
      if (known.exp > Math.floor(Date.now() / 1000)) return { ...known.claims };
      this.verified.delete(token);
      throw new AppError('DL_TOKEN_EXPIRED');
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      if (typeof payload.conv !== 'string' || typeof payload.sub !== 'string') throw new AppError('DL_UNAUTHORIZED');
      const claims = { conversationId: payload.conv, userId: payload.sub };
      if (typeof payload.exp === 'number') {
        if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value!);
        this.verified.set(token, { claims, exp: payload.exp });
      }
      return claims;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AppError('DL_TOKEN_EXPIRED');
      if (err instanceof AppError) throw err;
      throw new AppError('DL_UNAUTHORIZED');
    }
  }

  /**
   * A grant to read one stored file of one conversation until `expiresAt` (seconds since the epoch):
   * `<expiresAt>.<signature>`. Links to files carry it, because clients such as the official Web Chat
   * open a file's link as it is, without the conversation's token.
   */
  fileGrant(conversationId: string, file: string, expiresAt: number): string {
    return `${expiresAt}.${this.fileSignature(conversationId, file, expiresAt)}`;
  }

  /** Whether a grant is this server's, for this file of this conversation, and not expired. */
  checkFileGrant(conversationId: string, file: string, grant: string, nowSeconds = Date.now() / 1000): boolean {
    const m = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(grant);
    if (!m) return false;
    const expiresAt = Number(m[1]);
    if (expiresAt < nowSeconds) return false;
    const expected = Buffer.from(this.fileSignature(conversationId, file, expiresAt));
    const given = Buffer.from(m[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private fileSignature(conversationId: string, file: string, expiresAt: number): string {
    return createHmac('sha256', this.key).update(`file\n${conversationId}\n${file}\n${expiresAt}`).digest('base64url');
  }

  /**
   * The merchant ID of a claim signed with the Direct Line secret (see `signMerchantClaim`). Throws
   * `DL_BAD_CLAIM` for anything else: no secret configured, unsigned (`alg: none`), another key,
   * expired, too long-lived, or no merchant ID.
   */
  async verifyMerchantClaim(claim: string): Promise<string> {
    const secret = this.options.secret;
    if (!secret) throw new AppError('DL_BAD_CLAIM', 'merchant claims need DIRECTLINE_SECRET');
    try {
      const { payload } = await jwtVerify(claim, new TextEncoder().encode(secret), { audience: MERCHANT_CLAIM_AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub'] });
      if (payload.exp! - payload.iat! > MERCHANT_CLAIM_MAX_SECONDS) throw new AppError('DL_BAD_CLAIM', 'the claim lives longer than 10 minutes');
      if (!/^[0-9A-Za-z]{6,32}$/.test(payload.sub!)) throw new AppError('DL_BAD_CLAIM', 'sub must be the merchant ID');
      return payload.sub!;
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('DL_BAD_CLAIM', err instanceof errors.JWTExpired ? 'the claim has expired' : 'the claim is not signed with the Direct Line secret');
    }
  }

  /** Constant-time comparison with the configured secret (false when none is configured). */
  isSecret(candidate: string): boolean {
    const secret = this.options.secret;
    if (!secret) return false;
    const a = createHash('sha256').update(candidate).digest();
    const b = createHash('sha256').update(secret).digest();
    return timingSafeEqual(a, b);
  }
}

function loadOrCreateKey(file: string): Uint8Array {
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length >= 32) return key;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}
