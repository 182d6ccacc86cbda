/**
 * The Official Account's server API, as far as the channel needs it: customer-service messages
 * (`/cgi-bin/message/custom/send`, `…/custom/typing`) and temporary media (`/cgi-bin/media/get`,
 * `/cgi-bin/media/upload`), with the access token from `/cgi-bin/token` (see wechat-api.ts).
 */
import { z } from 'zod';
import type { Logger } from '../../core/logger.js';
import { WechatApi, type Download, type TokenStore, type TooLarge } from '../wechat-platform/wechat-api.js';

export const DEFAULT_WECHAT_API_BASE = 'https://api.weixin.qq.com';

/**
 * errcodes of a customer-service message refused because the user is out of reach: 45015 (more than 48
 * hours since the user last wrote), 45047 (more messages than the user's last action allows).
 */
export const OUT_OF_WINDOW_ERRCODES: ReadonlySet<number> = new Set([45015, 45047]);

const ok = z.object({ errcode: z.number().optional() }).loose();

export type CustomMessage =
  | { msgtype: 'text'; text: { content: string } }
  | { msgtype: 'image'; image: { media_id: string } };

export interface OfficialClientOptions {
  appId: string;
  appSecret: string;
  baseUrl: string;
  tokens: TokenStore;
  logger?: Logger;
}

export class OfficialAccountClient {
  readonly api: WechatApi;

  constructor(options: OfficialClientOptions) {
    this.api = new WechatApi({
      baseUrl: options.baseUrl,
      tokenPath: '/cgi-bin/token',
      tokenQuery: { grant_type: 'client_credential', appid: options.appId, secret: options.appSecret },
      tokenKey: `official/${options.appId}`,
      tokens: options.tokens,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  async sendCustom(openId: string, message: CustomMessage): Promise<void> {
    await this.api.call('/cgi-bin/message/custom/send', ok, { body: { touser: openId, ...message } });
  }

  async typing(openId: string): Promise<void> {
    await this.api.call('/cgi-bin/message/custom/typing', ok, { body: { touser: openId, command: 'Typing' } });
  }

  downloadMedia(mediaId: string, maxBytes: number): Promise<Download | TooLarge> {
    return this.api.downloadMedia('/cgi-bin/media/get', mediaId, maxBytes);
  }

  uploadImage(bytes: Buffer, name: string, contentType: string): Promise<string> {
    return this.api.uploadMedia('/cgi-bin/media/upload', 'image', bytes, name, contentType);
  }
}
