/**
 * A small typed client for WeCom 微信客服 (kf): no maintained Node client exists, and the channel needs a
 * handful of calls. Every answer is checked with zod; errcodes become `WechatApiError`s; the access token
 * (`/cgi-bin/gettoken?corpid&corpsecret`, with the 微信客服 Secret) is cached in the shared store and
 * renewed once when WeCom refuses it (../wechat-platform/wechat-api.ts).
 *
 * - `syncMsg`: the messages and events after a cursor (`/cgi-bin/kf/sync_msg`), with the callback's token;
 * - `sendMsg`: text, image, file or menu (`/cgi-bin/kf/send_msg`; only while the session is new or with
 *   the bot, and within 48 hours / 5 messages of the customer's last message);
 * - `sendOnEvent`: the welcome message with an `enter_session` event's `welcome_code`;
 * - `serviceState` / `transState`: the session's state (`/cgi-bin/kf/service_state/get`, `/trans`);
 * - media download and upload (`/cgi-bin/media/get`, `/cgi-bin/media/upload`).
 */
import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { WechatApi, type Download, type TokenStore, type TooLarge } from '../wechat-platform/wechat-api.js';

export const DEFAULT_WECOM_API_BASE = 'https://qyapi.weixin.qq.com';

/** A kf session's state: new, with the bot, queued, with a person, ended. */
export const KF_STATE = { new: 0, bot: 1, queue: 2, human: 3, ended: 4 } as const;
export type KfState = (typeof KF_STATE)[keyof typeof KF_STATE];

/** Who a synced message came from (`origin`). */
export const KF_ORIGIN = { customer: 3, event: 4, servicer: 5 } as const;

const media = z.object({ media_id: z.string().min(1) }).loose();

export const kfMessageSchema = z
  .object({
    msgid: z.string().min(1),
    open_kfid: z.string().default(''),
    external_userid: z.string().optional(),
    send_time: z.number().default(0),
    origin: z.number(),
    servicer_userid: z.string().optional(),
    msgtype: z.string(),
    text: z.object({ content: z.string(), menu_id: z.string().optional() }).loose().optional(),
    image: media.optional(),
    file: media.optional(),
    voice: media.optional(),
    video: media.optional(),
    event: z
      .object({
        event_type: z.string(),
        open_kfid: z.string().optional(),
        external_userid: z.string().optional(),
        welcome_code: z.string().optional(),
        fail_msgid: z.string().optional(),
        fail_type: z.number().optional(),
        change_type: z.number().optional(),
        new_servicer_userid: z.string().optional(),
      })
      .loose()
      .optional(),
  })
  .loose();
export type KfMessage = z.infer<typeof kfMessageSchema>;

const syncSchema = z.object({ next_cursor: z.string().default(''), has_more: z.number().default(0), msg_list: z.array(kfMessageSchema).default([]) }).loose();
const sendSchema = z.object({ msgid: z.string().optional() }).loose();
const stateSchema = z.object({ service_state: z.number().int().min(0).max(4), servicer_userid: z.string().optional() }).loose();
const transSchema = z.object({ msg_code: z.string().optional() }).loose();

export type KfOutgoing =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } }
  | { msgtype: 'file'; file: { media_id: string } }
  | { msgtype: 'msgmenu'; msgmenu: { head_content?: string; list: { type: 'click'; click: { id: string; content: string } }[]; tail_content?: string } };

export interface KfClientOptions {
  corpId: string;
  secret: string;
  baseUrl: string;
  tokens: TokenStore;
  logger?: Logger;
}

export class KfClient {
  readonly api: WechatApi;

  constructor(options: KfClientOptions) {
    this.api = new WechatApi({
      baseUrl: options.baseUrl,
      tokenPath: '/cgi-bin/gettoken',
      tokenQuery: { corpid: options.corpId, corpsecret: options.secret },
      tokenKey: `wecom/${options.corpId}`,
      tokens: options.tokens,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  async syncMsg(request: { cursor?: string; token?: string; openKfId?: string; limit?: number }) {
    return this.api.call('/cgi-bin/kf/sync_msg', syncSchema, {
      body: {
        ...(request.cursor ? { cursor: request.cursor } : {}),
        ...(request.token ? { token: request.token } : {}),
        ...(request.openKfId ? { open_kfid: request.openKfId } : {}),
        limit: request.limit ?? 1000,
      },
    });
  }

  async sendMsg(openKfId: string, externalUserId: string, message: KfOutgoing): Promise<string> {
    const result = await this.api.call('/cgi-bin/kf/send_msg', sendSchema, { body: { touser: externalUserId, open_kfid: openKfId, ...message } });
    return result.msgid ?? '';
  }

  async sendOnEvent(code: string, message: Extract<KfOutgoing, { msgtype: 'text' | 'msgmenu' }>): Promise<string> {
    const result = await this.api.call('/cgi-bin/kf/send_msg_on_event', sendSchema, { body: { code, ...message } });
    return result.msgid ?? '';
  }

  async serviceState(openKfId: string, externalUserId: string): Promise<{ state: KfState; servicerUserId?: string }> {
    const result = await this.api.call('/cgi-bin/kf/service_state/get', stateSchema, { body: { open_kfid: openKfId, external_userid: externalUserId } });
    return { state: result.service_state as KfState, ...(result.servicer_userid ? { servicerUserId: result.servicer_userid } : {}) };
  }

  async transState(openKfId: string, externalUserId: string, state: KfState, servicerUserId?: string): Promise<void> {
    await this.api.call('/cgi-bin/kf/service_state/trans', transSchema, {
      body: { open_kfid: openKfId, external_userid: externalUserId, service_state: state, ...(servicerUserId ? { servicer_userid: servicerUserId } : {}) },
    });
  }

  downloadMedia(mediaId: string, maxBytes: number): Promise<Download | TooLarge> {
    return this.api.downloadMedia('/cgi-bin/media/get', mediaId, maxBytes);
  }

  uploadMedia(type: 'image' | 'file', bytes: Buffer, name: string, contentType: string): Promise<string> {
    return this.api.uploadMedia('/cgi-bin/media/upload', type, bytes, name, contentType);
  }
}
