/** The Telegram channel (grammY): adapter, start-up, webhook route. */
export {
  DEFAULT_TELEGRAM_API_ROOT,
  TELEGRAM_ALLOWED_UPDATES,
  TELEGRAM_CHANNEL_ID,
  TelegramAdapter,
  type TelegramAdapterOptions,
  type UpdateHandled,
  type UpdateOutcome,
} from './telegram-adapter.js';
export {
  registerCommands,
  startTelegram,
  telegramWebhookPath,
  telegramWebhookRoutes,
  type TelegramChannel,
  type TelegramConfig,
  type TelegramDeps,
  type TelegramWebhookRouteOptions,
} from './start.js';
export { escapeHtml, splitText, TELEGRAM_TEXT_LIMIT } from './format.js';
