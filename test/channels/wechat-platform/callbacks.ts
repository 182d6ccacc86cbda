/**
 * Callbacks as WeChat and WeCom send them, built with the real crypto (`@wecom/crypto`), posted over real
 * HTTP; and the real server (test/webchat/helpers.ts) configured with both channels against the fake API.
 */
import { randomBytes } from 'node:crypto';
import { encrypt } from '@wecom/crypto';
import { buildXml, openEncrypted, parseCallbackXml, signatureOf, type CallbackXml } from '../../../src/channels/wechat-platform/callback.js';
import { startTestServer, type TestServer } from '../../webchat/helpers.js';
import type { MessageHandled, WechatPlatformAdapter } from '../../../src/channels/wechat-platform/platform-adapter.js';
import { APP_ID, APP_SECRET, CORP_ID, FakeWechatApi, KF_SECRET, OPEN_KFID } from './fake-wechat-api.js';

export const OA_TOKEN = 'oatoken0123456789';
export const OA_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const KF_TOKEN = 'kftoken0123456789';
export const KF_AES_KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg';

export interface Secrets {
  token: string;
  aesKey: string | undefined;
  receiveId: string;
}

export const OA_SECRETS: Secrets = { token: OA_TOKEN, aesKey: OA_AES_KEY, receiveId: APP_ID };
export const KF_SECRETS: Secrets = { token: KF_TOKEN, aesKey: KF_AES_KEY, receiveId: CORP_ID };

let msgIds = 7_000_000_000_000_000_000n;
export function nextMsgId(): string {
  return String(++msgIds);
}

/**
 * A callback request: the query string and the XML body, encrypted when the secrets have an AES key, signed
 * with the current time (`skewSeconds`: that far from now, e.g. -360 for one captured six minutes ago).
 */
export function callback(secrets: Secrets, fields: Record<string, unknown>, options: { badSignature?: boolean; wrongReceiver?: boolean; skewSeconds?: number } = {}): { query: string; body: string } {
  const timestamp = String(Math.floor(Date.now() / 1000) + (options.skewSeconds ?? 0));
  const nonce = randomBytes(6).toString('hex');
  const plain = buildXml(fields);
  const params = new URLSearchParams({ timestamp, nonce, signature: signatureOf(secrets.token, timestamp, nonce) });
  if (!secrets.aesKey) {
    if (options.badSignature) params.set('signature', '0'.repeat(40));
    return { query: params.toString(), body: plain };
  }
  const encrypted = encrypt(secrets.aesKey, plain, options.wrongReceiver ? 'wx_someone_else' : secrets.receiveId);
  params.set('encrypt_type', 'aes');
  params.set('msg_signature', options.badSignature ? 'f'.repeat(40) : signatureOf(secrets.token, timestamp, nonce, encrypted));
  return { query: params.toString(), body: buildXml({ ToUserName: String(fields.ToUserName ?? ''), Encrypt: encrypted }) };
}

/** The current time as a callback's `timestamp` (Unix seconds, as text). */
export function nowTimestamp(skewSeconds = 0): string {
  return String(Math.floor(Date.now() / 1000) + skewSeconds);
}

export async function postCallback(url: string, request: { query: string; body: string }): Promise<{ status: number; text: string; ms: number }> {
  const started = Date.now();
  const res = await fetch(`${url}?${request.query}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: request.body });
  return { status: res.status, text: await res.text(), ms: Date.now() - started };
}

/** A passive reply opened: the inner XML's fields (undefined for "success"). */
export function openReply(secrets: Secrets, text: string): CallbackXml | undefined {
  if (text === 'success' || text === '') return undefined;
  const outer = parseCallbackXml(text)!;
  if (!secrets.aesKey) return outer;
  const query = { msg_signature: String(outer.MsgSignature), timestamp: String(outer.TimeStamp), nonce: String(outer.Nonce) };
  const inner = openEncrypted({ token: secrets.token, encodingAesKey: secrets.aesKey, receiveId: secrets.receiveId }, query, String(outer.Encrypt));
  if (inner === undefined) throw new Error('the passive reply does not open with our secrets');
  return parseCallbackXml(inner);
}

export const OA_ACCOUNT = 'gh_0123456789ab';

/** An Official Account message from `openId`. */
export function oaText(openId: string, text: string, msgId = nextMsgId()): Record<string, unknown> {
  return { ToUserName: OA_ACCOUNT, FromUserName: openId, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: text, MsgId: msgId };
}

export function oaImage(openId: string, mediaId: string, picUrl: string, msgId = nextMsgId()): Record<string, unknown> {
  return { ToUserName: OA_ACCOUNT, FromUserName: openId, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'image', PicUrl: picUrl, MediaId: mediaId, MsgId: msgId };
}

export function oaEvent(openId: string, event: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ToUserName: OA_ACCOUNT, FromUserName: openId, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: event, ...extra };
}

export interface PlatformServer {
  ts: TestServer;
  fake: FakeWechatApi;
  oaUrl: string;
  kfUrl: string;
  close(): Promise<void>;
}

/** The real server with the Official Account and WeCom kf channels against the fake API. */
export async function startPlatformServer(env: Record<string, string> = {}, options: { fake?: FakeWechatApi } = {}): Promise<PlatformServer> {
  const fake = options.fake ?? (await FakeWechatApi.start());
  const ts = await startTestServer({
    HANDOFF_BUSINESS_HOURS: 'always',
    WECHAT_OA_APP_ID: APP_ID,
    WECHAT_OA_APP_SECRET: APP_SECRET,
    WECHAT_OA_TOKEN: OA_TOKEN,
    WECHAT_OA_ENCODING_AES_KEY: OA_AES_KEY,
    WECHAT_OA_API_BASE: fake.origin,
    WECOM_KF_CORP_ID: CORP_ID,
    WECOM_KF_SECRET: KF_SECRET,
    WECOM_KF_TOKEN: KF_TOKEN,
    WECOM_KF_ENCODING_AES_KEY: KF_AES_KEY,
    WECOM_KF_API_BASE: fake.origin,
    ...env,
  });
  return {
    ts,
    fake,
    oaUrl: `${ts.url}${ts.config.wechatOfficial.path}`,
    kfUrl: `${ts.url}${ts.config.wecomKf.path}`,
    async close() {
      await ts.destroy();
      if (!options.fake) await fake.close();
    },
  };
}

/** Resolves when `adapter` has handled the message `platformId` (MsgId, kf msgid). */
export function nextHandled(adapter: WechatPlatformAdapter, platformId: string, timeoutMs = 20_000): Promise<MessageHandled> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      adapter.events.off('message', listener);
      reject(new Error(`message ${platformId} not handled within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (m: MessageHandled) => {
      if (m.platformId !== platformId) return;
      clearTimeout(timer);
      adapter.events.off('message', listener);
      resolve(m);
    };
    adapter.events.on('message', listener);
  });
}

// ── WeCom kf ─────────────────────────────────────────────────────────────────────────────────────────

/** The callback WeCom sends when there is something to pull. */
export function kfCallback(token = `sync-${nextMsgId()}`, openKfId = OPEN_KFID): Record<string, unknown> {
  return { ToUserName: CORP_ID, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'kf_msg_or_event', Token: token, OpenKfId: openKfId };
}

export function kfText(externalUserId: string, text: string, msgid = `kf-${nextMsgId()}`, menuId?: string): Record<string, unknown> {
  return { msgid, open_kfid: OPEN_KFID, external_userid: externalUserId, send_time: Math.floor(Date.now() / 1000), origin: 3, msgtype: 'text', text: { content: text, ...(menuId ? { menu_id: menuId } : {}) } };
}

export function kfImage(externalUserId: string, mediaId: string, msgid = `kf-${nextMsgId()}`): Record<string, unknown> {
  return { msgid, open_kfid: OPEN_KFID, external_userid: externalUserId, send_time: Math.floor(Date.now() / 1000), origin: 3, msgtype: 'image', image: { media_id: mediaId } };
}

export function kfEnter(externalUserId: string, welcomeCode: string, msgid = `kf-${nextMsgId()}`): Record<string, unknown> {
  return {
    msgid,
    open_kfid: OPEN_KFID,
    send_time: Math.floor(Date.now() / 1000),
    origin: 4,
    msgtype: 'event',
    event: { event_type: 'enter_session', open_kfid: OPEN_KFID, external_userid: externalUserId, scene: '', welcome_code: welcomeCode },
  };
}

/** The texts WeCom was asked to send to `externalUserId` (text, the head of a menu, welcome messages), in order. */
export function kfTexts(fake: FakeWechatApi, externalUserId: string, welcomeCodes: readonly string[] = []): string[] {
  return fake.calls
    .filter((c) => (c.path === '/cgi-bin/kf/send_msg' && c.body.touser === externalUserId) || (c.path === '/cgi-bin/kf/send_msg_on_event' && welcomeCodes.includes(c.body.code)))
    .map((c) => (c.body.msgtype === 'text' ? String(c.body.text.content) : c.body.msgtype === 'msgmenu' ? [c.body.msgmenu.head_content, ...c.body.msgmenu.list.map((o: { click: { content: string } }, i: number) => `${i + 1}. ${o.click.content}`)].join('\n') : `[${c.body.msgtype}]`));
}
