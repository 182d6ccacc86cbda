/**
 * The third way to verify (optional): a code texted to the phone the back office has on file for the
 * merchant. The merchant asks the bot ("短信验证"); the bot issues a one-time code bound to that channel
 * user and asks the back office to text it; the merchant sends the code back. The bot never takes a phone
 * number for this: a number the user typed would prove only that they own that phone.
 *
 * ```http
 * POST <BACKOFFICE_PHONE_CODE_URL>
 * Content-Type: application/json
 * X-PosAssist-Timestamp: 1764057600
 * X-PosAssist-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>", key BACKOFFICE_WEBHOOK_SECRET>
 *
 * {"type":"phone.code","merchantId":"898310048160001","code":"48213907","expiresAt":"…","channel":"telegram","userId":"tg:42"}
 * ```
 *
 * The back office answers 200 `{"phone": "138****0000"}` (masked: it is shown to the merchant) once it has
 * sent the text, 404 when it has no phone for that merchant. Anything else, or no answer within the
 * timeout, is "not sent now": the merchant is told to try later or use the binding code from the portal.
 */
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signBody } from '../requests/backoffice-client.js';
import type { Identity, IdentityStore } from './identity-store.js';

export type PhoneCodeResult =
  | { ok: true; phone: string; expiresAt: Date }
  | { ok: false; reason: 'no_phone' | 'unavailable' }
  | { ok: false; reason: 'limited'; retryAfterSeconds: number };

export interface PhoneCheckOptions {
  url: string;
  secret: string;
  identities: IdentityStore;
  /** One request's limit, the answer included (default 5 s: the merchant is waiting). */
  timeoutMs?: number;
  now?: () => Date;
  /** Texts per identity: one per this many seconds (default 60). */
  identityIntervalSeconds?: number;
  /** Texts per merchant per hour, whoever asks (default 5): a stranger cannot flood the merchant's phone. */
  merchantPerHour?: number;
}

const HOUR_MS = 3_600_000;

/** What the back office shows of the phone: digits and masking stars only, at most 20 characters. */
const MASKED_PHONE = /^[0-9*＊+\- ]{4,20}$/;

export class PhoneCheck {
  readonly #now: () => Date;
  readonly #timeoutMs: number;
  readonly #intervalMs: number;
  readonly #perMerchant: number;
  /** When each identity last asked, and each merchant's texts of the last hour (ms). In memory: per instance. */
  readonly #lastByIdentity = new Map<string, number>();
  readonly #byMerchant = new Map<string, number[]>();

  constructor(private readonly options: PhoneCheckOptions) {
    this.#now = options.now ?? (() => new Date());
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    this.#intervalMs = (options.identityIntervalSeconds ?? 60) * 1000;
    this.#perMerchant = options.merchantPerHour ?? 5;
  }

  /** Asks the back office to text a code for `merchantId` to its phone on file, for `identity` to send back. */
  async send(identity: Identity, merchantId: string): Promise<PhoneCodeResult> {
    const now = this.#now().getTime();
    const key = `${identity.channelId}:${identity.userId}`;
    const last = this.#lastByIdentity.get(key);
    if (last !== undefined && now - last < this.#intervalMs) {
      return { ok: false, reason: 'limited', retryAfterSeconds: Math.ceil((last + this.#intervalMs - now) / 1000) };
    }
    const sent = (this.#byMerchant.get(merchantId) ?? []).filter((t) => t > now - HOUR_MS);
    if (sent.length >= this.#perMerchant) {
      return { ok: false, reason: 'limited', retryAfterSeconds: Math.ceil((sent[0]! + HOUR_MS - now) / 1000) };
    }
    // Counted before the call: a back office that is slow or failing is not asked again and again.
    this.#lastByIdentity.set(key, now);
    this.#byMerchant.set(merchantId, [...sent, now]);

    const { code, expiresAt } = await this.options.identities.issueCode(merchantId, identity);
    const body = JSON.stringify({ type: 'phone.code', merchantId, code, expiresAt: expiresAt.toISOString(), channel: identity.channelId, userId: identity.userId });
    const timestamp = String(Math.floor(now / 1000));
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signBody(this.options.secret, timestamp, body) },
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch {
      return { ok: false, reason: 'unavailable' };
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return { ok: false, reason: 'no_phone' };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: 'unavailable' };
    }
    let phone: unknown;
    try {
      phone = ((await response.json()) as { phone?: unknown }).phone;
    } catch {
      return { ok: false, reason: 'unavailable' };
    }
    // A full number is never repeated back (the back office should mask it; if it did not, we do).
    const shown = typeof phone === 'string' && MASKED_PHONE.test(phone.trim()) ? maskPhone(phone.trim()) : '';
    return { ok: true, phone: shown, expiresAt };
  }
}

/** "13800001234" → "138****1234"; an already masked number stays as it is. */
export function maskPhone(phone: string): string {
  if (/[*＊]/.test(phone)) return phone;
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '';
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}
