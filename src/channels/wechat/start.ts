/**
 * Starting the WeChat channel.
 *
 * `startWechat` builds the wechaty instance with the configured puppet (`WECHATY_PUPPET`, with
 * `WECHATY_PUPPET_SERVICE_TOKEN` for `wechaty-puppet-service`), the adapter, attaches it to the runtime
 * and starts wechaty. Logging in is the operator's part: the login QR code is logged (as an ASCII QR code
 * in the terminal, and as an image URL) and kept for the operator page `/agent/wechat`
 * (`channel.qrcode()`); `channel.status()` says where the login stands, for `/readyz`.
 *
 * Messages the previous process stored but did not answer (../inbound-journal.ts) are run when the account
 * has logged in.
 *
 * The session is kept in `DATA_DIR/wechat/session.memory-card.json` (wechaty's memory card), so a
 * restart does not need a new scan while the puppet's session is still valid.
 */
import { join } from 'node:path';
import { terminalQrcode } from './login-page.js';
import { WechatyBuilder, ScanStatus, qrcodeValueToImageUrl, type Wechaty, type WechatyOptions } from 'wechaty';
import type { Logger } from '../../core/logger.js';
import type { PlatformChannelDeps } from '../channel-adapter.js';
import { WechatAdapter } from './wechat-adapter.js';
import { AppError } from '../../core/errors.js';

/** The channel's settings (`config.wechat`, from the `WECHATY_*` variables). */
export interface WechatConfig {
  /** The wechaty puppet package, e.g. `wechaty-puppet-wechat4u` or `wechaty-puppet-service`; unset = no WeChat channel. */
  readonly puppet: string | undefined;
  /** Token of a puppet service (`wechaty-puppet-service`: WeCom/WorkPro, PadLocal, …). */
  readonly puppetServiceToken: string | undefined;
  /** Where the channel keeps its small state file (last numbered options). Absolute. */
  readonly stateDir: string;
}

/** Where the login stands: starting, waiting for a scan, logged in, logged out, or failed to start. */
export type WechatStatus = 'starting' | 'scan' | 'up' | 'logged-out' | 'failed';

/** A puppet instance (tests: `new PuppetMock({ mocker })`), instead of the configured puppet package. */
type PuppetInstance = Extract<WechatyOptions, { puppet?: object }>['puppet'];

export interface WechatDeps extends PlatformChannelDeps {
  config: WechatConfig;
  /** A puppet instance to use instead of `config.puppet` (tests). */
  puppet?: PuppetInstance;
  /** Print the login QR code in the terminal (default true). */
  terminalQrcode?: boolean;
}

export interface WechatLoginQrcode {
  /** The QR code's content (what the WeChat app scans). */
  value: string;
  /** An image of it (a public QR code rendering service), for an operator page. */
  imageUrl: string;
  status: string;
}

export interface WechatChannel {
  adapter: WechatAdapter;
  bot: Wechaty;
  status(): WechatStatus;
  /** The current login QR code while waiting for a scan; undefined otherwise. */
  qrcode(): WechatLoginQrcode | undefined;
  /** The logged-in account, when up. */
  user(): { id: string; name: string } | undefined;
  /** Stops wechaty, then waits for messages and turns in progress. */
  stop(): Promise<void>;
}

async function printQrcode(value: string, log: Logger): Promise<void> {
  try {
    process.stdout.write(`\n${await terminalQrcode(value)}\n`);
  } catch (err) {
    log.debug({ err }, 'wechat: could not draw the QR code in the terminal; its URL is logged');
  }
}

export async function startWechat(deps: WechatDeps): Promise<WechatChannel> {
  const { config, logger } = deps;
  if (!config.puppet && !deps.puppet) throw new AppError('CONFIG_INVALID', 'wechat: WECHATY_PUPPET is not set');
  const log = logger.child({ channel: 'wechat' });
  const name = join(config.stateDir, 'session');
  const options: WechatyOptions = deps.puppet
    ? { name, puppet: deps.puppet }
    : {
        name,
        puppet: config.puppet as Extract<WechatyOptions, { puppetOptions?: unknown }>['puppet'],
        ...(config.puppetServiceToken ? { puppetOptions: { token: config.puppetServiceToken } } : {}),
      };
  const bot = WechatyBuilder.build(options);

  let status: WechatStatus = 'starting';
  let qrcode: WechatLoginQrcode | undefined;
  let user: { id: string; name: string } | undefined;

  bot.on('scan', (value: string, scanStatus: ScanStatus) => {
    const statusName = ScanStatus[scanStatus] ?? String(scanStatus);
    if (scanStatus === ScanStatus.Waiting || scanStatus === ScanStatus.Timeout) {
      status = 'scan';
      qrcode = { value, imageUrl: qrcodeValueToImageUrl(value), status: statusName };
      log.info({ qrcodeUrl: qrcode.imageUrl, scanStatus: statusName }, 'wechat: scan this QR code with the WeChat app to log in');
      if (deps.terminalQrcode !== false) void printQrcode(value, log);
    } else {
      if (qrcode) qrcode = { ...qrcode, status: statusName };
      log.info({ scanStatus: statusName }, 'wechat: login QR code scan status');
    }
  });
  bot.on('login', (contact) => {
    status = 'up';
    qrcode = undefined;
    user = { id: contact.id, name: contact.name() };
    log.info({ user: user.name }, 'wechat: logged in');
  });
  bot.on('logout', (contact, reason?: string) => {
    status = 'logged-out';
    user = undefined;
    log.warn({ user: contact.name(), reason }, 'wechat: logged out');
  });
  bot.on('error', (err) => {
    log.error({ err }, 'wechat: error');
  });

  const adapter = new WechatAdapter({
    bot,
    transcripts: deps.transcripts,
    filesDir: deps.filesDir,
    uploadMaxBytes: deps.uploadMaxBytes,
    stateDir: config.stateDir,
    journal: deps.journal,
    logic: deps.logic,
    ...(deps.turnLock ? { turnLock: deps.turnLock } : {}),
    ...(deps.rateLimits ? { rateLimits: deps.rateLimits } : {}),
    logger: log,
    ...(deps.inboundLimits ? { inboundLimits: deps.inboundLimits } : {}),
  });
  deps.attach(adapter);
  // Messages stored but not answered when the previous process stopped run once the account is logged in
  // (replies need it), before any new message. The journal forgets what arrived more than a day ago.
  bot.on('login', () => {
    adapter
      .replayPending()
      .then((replayed) => replayed > 0 && log.info({ replayed }, 'wechat: answering messages left unprocessed by the previous run'))
      .catch((err: unknown) => log.error({ err }, 'wechat: could not replay stored messages'));
  });
  await deps.journal.purge().catch((err: unknown) => log.warn({ err }, 'wechat: could not purge the inbound journal'));
  try {
    await bot.start();
  } catch (err) {
    status = 'failed';
    log.error({ err, puppet: config.puppet }, 'wechat: could not start');
    adapter.detach();
    throw err;
  }
  log.info({ puppet: deps.puppet ? 'instance' : config.puppet }, 'wechat: started; waiting for login');
  return {
    adapter,
    bot,
    status: () => status,
    qrcode: () => qrcode,
    user: () => user,
    async stop() {
      adapter.detach();
      await bot.stop();
      await adapter.drain();
    },
  };
}
