/**
 * The callback scheme WeChat's Official Account platform and WeCom share (WXBizMsgCrypt): what reaches
 * our URL is signed with the configured Token, and in safe mode (公众号 安全模式, always in WeCom)
 * AES-encrypted with the EncodingAESKey; the plain text ends with the receive ID (the Official Account's
 * AppID, the WeCom corp ID), which must be ours. A passive reply goes back encrypted the same way.
 *
 * The signature covers the query's `timestamp`, so a callback more than `CALLBACK_MAX_SKEW_MS` from now is
 * refused (`timestampSkewMs`): a captured one replayed after the inbound journal (a day) forgot its message
 * id cannot run again.
 *
 * The signature and the cipher are `@wecom/crypto`'s; XML is read and written with `fast-xml-parser`
 * (strings only: a 64-bit MsgId stays exact; no DTD, so no entity tricks).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export interface CallbackSecrets {
  /** The Token entered in the admin console next to the URL. */
  token: string;
  /** The 43-character EncodingAESKey; unset = plain mode (Official Account only). */
  encodingAesKey: string | undefined;
  /** Who the encrypted messages are for: the Official Account's AppID, or the WeCom corp ID. */
  receiveId: string;
}

/** The query parameters WeChat adds to every callback. */
export interface CallbackQuery {
  signature?: string;
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
}

/**
 * How far a callback's `timestamp` may be from our clock (either way): 5 minutes — WeChat and WeCom sign
 * with the time they send (their retries come within seconds), and a server clock kept by NTP is not
 * minutes off.
 */
export const CALLBACK_MAX_SKEW_MS = 5 * 60_000;

/**
 * How far the query's `timestamp` (Unix seconds) is from `now` (ms, positive: in the future); undefined when
 * it is missing or not a number.
 */
export function timestampSkewMs(query: CallbackQuery, now = Date.now()): number | undefined {
  if (!query.timestamp || !/^\d{1,12}$/.test(query.timestamp)) return undefined;
  return Number(query.timestamp) * 1000 - now;
}

/** A callback's XML body as flat strings (`<xml><A>…</A></xml>` → `{ A: '…' }`); nested elements are kept as objects. */
export type CallbackXml = Record<string, unknown>;

const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, trimValues: true, processEntities: true });
const builder = new XMLBuilder({ cdataPropName: '__cdata' });

/** Equal strings, compared in constant time (hashes first, so lengths do not leak either). */
export function sameText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** sha1 of the sorted token, timestamp, nonce and (in safe mode) the ciphertext. */
export function signatureOf(token: string, timestamp: string, nonce: string, encrypted = ''): string {
  return getSignature(token, timestamp, nonce, encrypted);
}

/** Reads the `<xml>` document WeChat posts; undefined when it is not one (or declares a DTD). */
export function parseCallbackXml(body: string): CallbackXml | undefined {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) return undefined;
  try {
    const parsed = parser.parse(body) as { xml?: unknown };
    return parsed.xml && typeof parsed.xml === 'object' ? (parsed.xml as CallbackXml) : undefined;
  } catch {
    return undefined;
  }
}

/** A string field of a callback (empty when absent). */
export function field(xml: CallbackXml, name: string): string {
  const value = xml[name];
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

/** Builds `<xml>…</xml>`: strings in CDATA, numbers plain, objects nested. */
export function buildXml(fields: Record<string, unknown>): string {
  const wrap = (value: unknown): unknown => {
    if (typeof value === 'string') return { __cdata: value };
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrap(v)]));
    }
    return value;
  };
  return builder.build({ xml: wrap(fields) }) as string;
}

/**
 * Opens a safe-mode payload: the signature over the ciphertext must match, the text must decrypt, and
 * its receive ID must be ours. Undefined when any of it fails (never says which: the caller answers 401).
 */
export function openEncrypted(secrets: CallbackSecrets, query: CallbackQuery, encrypted: string): string | undefined {
  const { msg_signature: given, timestamp, nonce } = query;
  if (!secrets.encodingAesKey || !given || !timestamp || !nonce || !encrypted) return undefined;
  if (!sameText(signatureOf(secrets.token, timestamp, nonce, encrypted), given)) return undefined;
  try {
    const { message, id } = decrypt(secrets.encodingAesKey, encrypted);
    return id === secrets.receiveId ? message : undefined;
  } catch {
    return undefined;
  }
}

/** The plain-mode signature check (`signature` over token, timestamp and nonce). */
export function plainSignatureValid(token: string, query: CallbackQuery): boolean {
  const { signature, timestamp, nonce } = query;
  if (!signature || !timestamp || !nonce) return false;
  return sameText(signatureOf(token, timestamp, nonce), signature);
}

/**
 * Reads a POSTed callback: decrypted and checked in safe mode (an `Encrypt` element, or the query's
 * `encrypt_type=aes`), signature-checked in plain mode (only allowed without an EncodingAESKey… or when
 * the Official Account is in 兼容模式, which sends both). Undefined when it is not authentic.
 */
export function openCallback(secrets: CallbackSecrets, query: CallbackQuery, body: string): CallbackXml | undefined {
  const outer = parseCallbackXml(body);
  if (!outer) return undefined;
  const encrypted = field(outer, 'Encrypt');
  if (encrypted || query.encrypt_type === 'aes') {
    const inner = openEncrypted(secrets, query, encrypted);
    return inner === undefined ? undefined : parseCallbackXml(inner);
  }
  // Plain mode: only when no AES key is configured (a configured key means safe mode is expected).
  if (secrets.encodingAesKey) return undefined;
  return plainSignatureValid(secrets.token, query) ? outer : undefined;
}

/** A passive reply sealed for safe mode (`<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`). */
export function sealReply(secrets: CallbackSecrets, xml: string, now = Date.now()): string {
  if (!secrets.encodingAesKey) return xml;
  const encrypted = encrypt(secrets.encodingAesKey, xml, secrets.receiveId);
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomBytes(8).toString('hex');
  return buildXml({ Encrypt: encrypted, MsgSignature: signatureOf(secrets.token, timestamp, nonce, encrypted), TimeStamp: Number(timestamp), Nonce: nonce });
}

/**
 * The GET that verifies the URL in the admin console: the Official Account signs token/timestamp/nonce
 * and expects `echostr` back as is; WeCom signs the encrypted `echostr` too and expects it decrypted.
 */
export function verifyUrl(secrets: CallbackSecrets, query: CallbackQuery, scheme: 'official' | 'wecom'): string | undefined {
  if (!query.echostr) return undefined;
  if (scheme === 'wecom') return openEncrypted(secrets, query, query.echostr);
  return plainSignatureValid(secrets.token, query) ? query.echostr : undefined;
}
