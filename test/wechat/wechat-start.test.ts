/**
 * Starting the WeChat channel: the login as `/readyz` sees it (starting → scan → up → logged-out), the
 * QR code kept for an operator page, the state file, and the numbered options a reply refers to.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanStatus } from 'wechaty';
import { mock, PuppetMock } from 'wechaty-puppet-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.js';
import { createLogger } from '../../src/app/logger.js';
import { InboundJournal } from '../../src/channels/inbound-journal.js';
import { startWechat } from '../../src/channels/wechat/start.js';
import { numberedOptions } from '../../src/channels/wechat/wechat-adapter.js';
import { WechatState } from '../../src/channels/wechat/wechat-state.js';
import { startRuntime, type TestRuntime } from '../helpers/runtime.js';

const dirs: string[] = [];
const runtimes: TestRuntime[] = [];
afterAll(async () => {
  for (const rt of runtimes) await rt.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('startWechat', () => {
  it('refuses to start without a puppet', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    await expect(
      startWechat({
        attach: () => undefined,
        logic: async () => undefined,
        transcripts: undefined as never,
        filesDir: '/nonexistent',
        uploadMaxBytes: 1,
        journal: undefined as never,
        logger: createLogger(config),
        config: config.wechat,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/WECHATY_PUPPET is not set/) });
  });

  it('reports starting → scan (with the QR code) → up → logged-out, and stops', async () => {
    const rt = await startRuntime();
    runtimes.push(rt);
    const config = loadConfig({ DATA_DIR: rt.dataDir, LOG_LEVEL: 'silent', WECHATY_PUPPET: 'wechaty-puppet-mock' });
    const mocker = new mock.Mocker();
    const puppet = new PuppetMock({ mocker });
    const attached: unknown[] = [];
    const channel = await startWechat({
      attach: (adapter) => attached.push(adapter),
      logic: (context) => rt.runtime.bot.run(context),
      transcripts: rt.runtime.transcripts,
      filesDir: rt.config.paths.files,
      uploadMaxBytes: rt.config.webchat.uploadMaxBytes,
      journal: new InboundJournal(rt.runtime.store.db),
      logger: createLogger(config),
      config: config.wechat,
      puppet,
      terminalQrcode: false,
    });
    expect(attached).toEqual([channel.adapter]);
    expect(['starting', 'scan']).toContain(channel.status());

    const scanned = new Promise<void>((resolve) => channel.bot.once('scan', () => resolve()));
    mocker.scan('https://login.weixin.qq.com/l/abc123', ScanStatus.Waiting);
    await scanned;
    expect(channel.status()).toBe('scan');
    expect(channel.qrcode()).toMatchObject({ value: 'https://login.weixin.qq.com/l/abc123', status: 'Waiting' });
    expect(channel.qrcode()!.imageUrl).toMatch(/^https:\/\/.+abc123/);

    const me = mocker.createContact({ name: 'POS助手' });
    const loggedIn = new Promise<void>((resolve) => channel.bot.once('login', () => resolve()));
    mocker.login(me);
    await loggedIn;
    expect(channel.status()).toBe('up');
    expect(channel.qrcode()).toBeUndefined();
    expect(channel.user()).toEqual({ id: me.id, name: 'POS助手' });

    const loggedOut = new Promise<void>((resolve) => channel.bot.once('logout', () => resolve()));
    await puppet.logout();
    await loggedOut;
    expect(channel.status()).toBe('logged-out');
    await channel.stop();
  });
});

describe('numbered options', () => {
  it('are the complete "1. … n. …" list at the end of a message', () => {
    expect(numberedOptions('您可以：\n1. 当天的交易怎么撤销\n2. 转人工客服')).toEqual(['当天的交易怎么撤销', '转人工客服']);
    expect(numberedOptions('请选择\n1、确认提交\n2、取消')).toEqual(['确认提交', '取消']);
    expect(numberedOptions('步骤如下：\n2. 打开菜单\n3. 选择撤销')).toEqual([]);
    expect(numberedOptions('1. 第一步\n2. 第二步\n然后等待结果。')).toEqual([]);
    expect(numberedOptions('没有选项')).toEqual([]);
  });
});

describe('WechatState', () => {
  it('remembers the last options per conversation and survives a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wechat-state-'));
    dirs.push(dir);
    const file = join(dir, 'state.json');
    const state = new WechatState(file);
    state.setOptions('wx:a', ['确认提交', '取消']);
    const again = new WechatState(file);
    expect(again.loadError).toBeUndefined();
    expect(again.optionsFor('wx:a')).toEqual(['确认提交', '取消']);
    again.setOptions('wx:a', []);
    expect(new WechatState(file).optionsFor('wx:a')).toEqual([]);
  });
});
