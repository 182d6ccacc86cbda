/**
 * WECOM_KF_HANDOFF=wecom: the session's service state follows our handoff into WeCom's own queue and to
 * the WeCom member who answers (bot 1 → queue 2 → human 3 → ended 4), each move one WeCom allows.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentStore } from '../../../src/handoff/agents/agent-store.js';
import { KfAdapter, WECOM_KF_CHANNEL_ID } from '../../../src/channels/wecom-kf/index.js';
import { callback, KF_SECRETS, kfCallback, kfText, nextHandled, postCallback, startPlatformServer, type PlatformServer } from '../wechat-platform/callbacks.js';
import { OPEN_KFID } from '../wechat-platform/fake-wechat-api.js';

let h: PlatformServer;

beforeAll(async () => {
  h = await startPlatformServer({ WECOM_KF_HANDOFF: 'wecom', WECOM_KF_SERVICER_USERID: 'zhangsan', WECOM_KF_OPEN_KFID: OPEN_KFID });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

it('bot → queue when a person is asked for → human when an agent claims → ended when finished', async () => {
  const runtime = h.ts.server.runtime()!;
  const adapter = runtime.handoffDelivery.adapterFor(WECOM_KF_CHANNEL_ID) as KfAdapter;
  const agents = new AgentStore(runtime.store.db, { loginMaxFailures: 5, lockoutMinutes: 15 });
  const agent = await agents.add({ name: 'kf-wecom', role: 'agent', password: 'long-enough-pw' });
  await agents.touch(agent.id);
  const view = { ...agent, presence: 'online' as const };

  const say = async (text: string) => {
    const message = kfText('wm-frank', text);
    const done = nextHandled(adapter, String(message.msgid));
    h.fake.pushKf(message);
    await postCallback(h.kfUrl, callback(KF_SECRETS, kfCallback()));
    await done;
    await adapter.settled();
  };
  await say('你好');
  expect(h.fake.state('wm-frank')).toBe(1);
  await say('转人工客服');
  expect(h.fake.state('wm-frank')).toBe(2);
  const handoff = (await runtime.handoff.store.list(['waiting'])).find((x) => x.conversationId === `wxkf:${OPEN_KFID}:wm-frank`)!;
  await runtime.handoff.claim(handoff.id, view);
  expect(h.fake.state('wm-frank')).toBe(3);
  await runtime.handoff.finish(handoff.id, view, 'handed_back');
  expect(h.fake.state('wm-frank')).toBe(4);
  expect(h.fake.stateHistory.filter((s) => s.session.endsWith(':wm-frank'))).toEqual([
    { session: `${OPEN_KFID}:wm-frank`, from: 0, to: 1 },
    { session: `${OPEN_KFID}:wm-frank`, from: 1, to: 2 },
    { session: `${OPEN_KFID}:wm-frank`, from: 2, to: 3, servicer: 'zhangsan' },
    { session: `${OPEN_KFID}:wm-frank`, from: 3, to: 4 },
  ]);
  // The customer writes again: a new session, with the bot.
  await say('还有一个问题');
  expect(h.fake.state('wm-frank')).toBe(1);
});
