/**
 * A kf message that arrived while the server was down (no callback reaches a stopped server) is pulled
 * at the next start from where the cursor stopped, and answered once.
 */
import { expect, it } from 'vitest';
import { tempDir } from '../../helpers/runtime.js';
import { callback, KF_SECRETS, kfCallback, kfText, kfTexts, nextHandled, postCallback, startPlatformServer } from '../wechat-platform/callbacks.js';
import { FakeWechatApi } from '../wechat-platform/fake-wechat-api.js';
import { WECOM_KF_CHANNEL_ID, type KfAdapter } from '../../../src/channels/wecom-kf/index.js';
import { rmSync } from 'node:fs';

it('pulls at start what came while the server was down, from the stored cursor', async () => {
  const fake = await FakeWechatApi.start();
  const dataDir = tempDir();
  try {
    const first = await startPlatformServer({ DATA_DIR: dataDir }, { fake });
    const adapter = first.ts.server.runtime()!.handoffDelivery.adapterFor(WECOM_KF_CHANNEL_ID) as KfAdapter;
    const before = kfText('wm-gina', '你好');
    const done = nextHandled(adapter, String(before.msgid));
    fake.pushKf(before);
    await postCallback(first.kfUrl, callback(KF_SECRETS, kfCallback()));
    await done;
    await first.ts.stop();

    const from = fake.calls.length;
    fake.pushKf(kfText('wm-gina', '退货报25是什么意思'));
    const second = await startPlatformServer({ DATA_DIR: dataDir }, { fake });
    try {
      await fake.waitFor((c) => c.path === '/cgi-bin/kf/send_msg' && c.body.touser === 'wm-gina', 20_000, from);
      await (second.ts.server.runtime()!.handoffDelivery.adapterFor(WECOM_KF_CHANNEL_ID) as KfAdapter).settled();
      // The catch-up pull started at the cursor: the first message was not pulled (or answered) again.
      const pull = fake.calls.slice(from).find((c) => c.path === '/cgi-bin/kf/sync_msg')!;
      expect(Number(pull.body.cursor)).toBe(fake.kfMessages.length - 1);
      expect(kfTexts({ calls: fake.calls.slice(from) } as FakeWechatApi, 'wm-gina').join('\n')).toContain('返回码25');
    } finally {
      await second.ts.stop();
    }
  } finally {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
