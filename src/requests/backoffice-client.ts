/**
 * One delivery attempt to the back-office webhook, and the signature both sides compute.
 *
 * ```http
 * POST <BACKOFFICE_WEBHOOK_URL>
 * Content-Type: application/json
 * Idempotency-Key: request.created:3vQb…          (the same on every retry of one message)
 * X-PosAssist-Timestamp: 1764057600              (Unix seconds of this attempt)
 * X-PosAssist-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>", key BACKOFFICE_WEBHOOK_SECRET>
 *
 * {"type":"request.created","idempotencyKey":"…","occurredAt":"…","request":{…}}
 * ```
 *
 * The receiver must verify the signature over the timestamp and the raw bytes (before parsing), refuse a
 * timestamp older than a few minutes (a captured request replayed later), answer 2xx once it has stored
 * the message, and treat a repeated `Idempotency-Key` as already done (answer 2xx again).
 * Anything else — another status, a reset connection, no answer within the timeout — is retried.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-posassist-signature';
export const TIMESTAMP_HEADER = 'x-posassist-timestamp';
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** How old a signed timestamp may be (either way: clocks differ a little) before it is a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the timestamp is signed with the body, so a
 * captured request cannot be replayed later under a fresh timestamp.
 */
export function signBody(secret: string, timestamp: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/**
 * Whether `header` is the signature of `timestamp` and `body` (constant-time) and the timestamp is
 * within `toleranceSeconds` of `now`; false for any malformed header or timestamp.
 */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  header: string | undefined | null,
  timestamp: string | undefined | null,
  options: { now?: Date; toleranceSeconds?: number } = {},
): boolean {
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/i.test(header.trim())) return false;
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) return false;
  const age = Math.abs((options.now ?? new Date()).getTime() / 1000 - Number(timestamp));
  if (age > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signBody(secret, timestamp, body).slice('sha256='.length), 'hex');
  const given = Buffer.from(header.trim().slice('sha256='.length).toLowerCase(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type DeliveryResult =
  | { ok: true; status: number }
  | { ok: false; error: string; status?: number; aborted?: boolean };

export interface BackofficeClientOptions {
  url: string;
  secret: string;
  fetch?: typeof fetch | undefined;
  /** One attempt's limit, the answer included (default 10 s). */
  timeoutMs?: number;
  now?: () => Date;
}

export class BackofficeClient {
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #now: () => Date;

  constructor(private readonly options: BackofficeClientOptions) {
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * POSTs one message. Never throws: the result says whether it was delivered, and if not why
   * (`aborted` when `signal` — the worker stopping — cut it short).
   */
  async deliver(message: { idempotencyKey: string; body: string }, signal?: AbortSignal): Promise<DeliveryResult> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal;
    const timestamp = String(Math.floor(this.#now().getTime() / 1000));
    try {
      const response = await this.#fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [IDEMPOTENCY_HEADER]: message.idempotencyKey,
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signBody(this.options.secret, timestamp, message.body),
          'user-agent': 'pos-assist-outbox/1',
        },
        body: message.body,
        redirect: 'manual',
        signal: combined,
      });
      if (response.status >= 200 && response.status < 300) {
        await response.body?.cancel().catch(() => undefined);
        return { ok: true, status: response.status };
      }
      const text = (await response.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 300);
      return { ok: false, status: response.status, error: `HTTP ${response.status}${text ? `: ${text}` : ''}` };
    } catch (err) {
      if (signal?.aborted) return { ok: false, aborted: true, error: 'stopped before the answer' };
      if (timeout.signal.aborted) return { ok: false, error: `no answer within ${this.#timeoutMs} ms` };
      return { ok: false, error: describe(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** "fetch failed: ECONNRESET other side closed" rather than just "fetch failed". */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  const detail = cause ? [cause.code, cause.message].filter(Boolean).join(' ') : '';
  return detail ? `${err.message}: ${detail}` : err.message;
}
