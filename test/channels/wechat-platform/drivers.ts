/**
 * Drivers of the shared conversation suite (test/channels-suite/) for the Official Account and WeCom kf:
 * the real server, callbacks built with the real crypto over real HTTP, the fake WeChat/WeCom API. The
 * bot's texts are collected in the order they reached the merchant: passive replies as WeChat got them,
 * customer-service / kf messages as the fake API received them.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { OfficialAccountAdapter } from '../../../src/channels/wechat-official/index.js';
import { WECHAT_OFFICIAL_CHANNEL_ID } from '../../../src/channels/wechat-official/index.js';
import { WECOM_KF_CHANNEL_ID, type KfAdapter } from '../../../src/channels/wecom-kf/index.js';
import type { ChannelDriver } from '../../channels-suite/drivers.js';
import { quiet } from '../../channels-suite/drivers.js';
import { callback, kfCallback, kfEnter, kfImage, kfText, KF_SECRETS, kfTexts, nextHandled, oaEvent, oaImage, oaText, OA_SECRETS, openReply, postCallback, startPlatformServer, type PlatformServer } from './callbacks.js';
import type { RecordedCall } from './fake-wechat-api.js';

/** A driver over the platform server: `received` collects the merchant's texts in arrival order. */
function platformDriver(
  name: string,
  run: (h: PlatformServer, received: string[]) => {
    start(): Promise<void>;
    say(text: string): Promise<void>;
    sendPhoto(path: string): Promise<void>;
    fromApi(call: RecordedCall): string | undefined;
  },
): ChannelDriver {
  let h: PlatformServer | undefined;
  let steps: ReturnType<typeof run> | undefined;
  const received: string[] = [];
  let seen = 0;
  return {
    name,
    get runtime() {
      return h!.ts.server.runtime()!;
    },
    async start() {
      h = await startPlatformServer();
      steps = run(h, received);
      h.fake.events.on('call', (call: RecordedCall) => {
        const text = steps!.fromApi(call);
        if (text) received.push(text);
      });
      await steps.start();
    },
    say: (text) => steps!.say(text),
    sendPhoto: (path) => steps!.sendPhoto(path),
    async replies() {
      await quiet(() => received.length, 150);
      const out = received.slice(seen);
      seen = received.length;
      return out;
    },
    async stop() {
      await h?.close();
    },
  };
}

export function officialAccountDriver(): ChannelDriver {
  const openId = 'o-suite-merchant';
  return platformDriver('wechat-official', (h, received) => {
    const adapter = () => h.ts.server.runtime()!.handoffDelivery.adapterFor(WECHAT_OFFICIAL_CHANNEL_ID) as OfficialAccountAdapter;
    const post = async (fields: Record<string, unknown>) => {
      const res = await postCallback(h.oaUrl, callback(OA_SECRETS, fields));
      const reply = openReply(OA_SECRETS, res.text);
      if (reply?.Content) received.push(String(reply.Content));
      await adapter().settled();
    };
    let media = 0;
    return {
      start: () => post(oaEvent(openId, 'subscribe')),
      async say(text) {
        const message = oaText(openId, text);
        const done = nextHandled(adapter(), String(message.MsgId));
        await post(message);
        await done;
      },
      async sendPhoto(path) {
        const id = `suite-media-${++media}`;
        const url = h.fake.addMedia(id, readFileSync(path), 'image/png');
        await post(oaImage(openId, id, url));
      },
      fromApi: (call) => (call.path === '/cgi-bin/message/custom/send' && call.body.touser === openId && call.body.msgtype === 'text' ? String(call.body.text.content) : undefined),
    };
  });
}

export function wecomKfDriver(): ChannelDriver {
  const user = 'wm-suite-merchant';
  const welcome = ['suite-welcome'];
  return platformDriver('wecom-kf', (h) => {
    const adapter = () => h.ts.server.runtime()!.handoffDelivery.adapterFor(WECOM_KF_CHANNEL_ID) as KfAdapter;
    const deliver = async (message: Record<string, unknown>) => {
      const done = nextHandled(adapter(), String(message.msgid));
      h.fake.pushKf(message);
      await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback()));
      await done;
      await adapter().settled();
    };
    let media = 0;
    return {
      start: () => deliver(kfEnter(user, welcome[0]!)),
      say: (text) => deliver(kfText(user, text)),
      async sendPhoto(path) {
        const id = `suite-kf-media-${++media}-${basename(path)}`;
        h.fake.addMedia(id, readFileSync(path), 'image/png');
        await deliver(kfImage(user, id));
      },
      fromApi: (call) => kfTexts({ calls: [call] } as never, user, welcome)[0],
    };
  });
}
