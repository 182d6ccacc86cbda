/**
 * What the elected leader does every few seconds, and only it (two instances would send the same notice
 * twice and race on handoffs and presence): unclaimed handoffs become tickets, idle agents are shown as
 * away, a decision whose notice failed (a channel briefly down) is told again, and once a day expired
 * merchant data is deleted (retention also runs at start, in createRuntime).
 */
import type { Logger } from './logger.js';
import type { Runtime } from './runtime.js';

/** How often expired merchant data is deleted (retention). */
const PURGE_INTERVAL_MS = 86_400_000;

export interface LeaderSweepOptions {
  runtime: Runtime;
  agents: { markIdleAway(awayMinutes: number): Promise<unknown> };
  agentAwayMinutes: number;
  /** How often, and after how long, undelivered decision notices are retried. */
  noticeRetryMs: number;
  logger: Logger;
}

/** One sweep; call it on an interval. Nothing it starts is awaited: a slow part never delays the next sweep. */
export function leaderSweep(options: LeaderSweepOptions): () => void {
  const { runtime, agents, logger, noticeRetryMs } = options;
  let lastNoticeRetry = Date.now();
  let noticeRetrying = false;
  let lastPurge = Date.now();
  return () => {
    void runtime.handoff.sweep().catch((err: unknown) => logger.error({ err }, 'handoff sweep failed'));
    void agents.markIdleAway(options.agentAwayMinutes).catch((err: unknown) => logger.error({ err }, 'presence sweep failed'));
    // One retry at a time: a batch still sending when the next is due would find the same notices not yet
    // marked told and send them twice (seen under load with a short retry interval).
    if (!noticeRetrying && Date.now() - lastNoticeRetry >= noticeRetryMs) {
      lastNoticeRetry = Date.now();
      noticeRetrying = true;
      void runtime
        .sendPendingNotifications({ olderThanMs: noticeRetryMs })
        .then((sent) => sent > 0 && logger.info({ sent }, 'told merchants of decisions whose notice had failed'))
        .catch((err: unknown) => logger.error({ err }, 'notice retry failed'))
        .finally(() => {
          noticeRetrying = false;
        });
    }
    if (Date.now() - lastPurge >= PURGE_INTERVAL_MS) {
      lastPurge = Date.now();
      void runtime.purgeExpired().catch((err: unknown) => logger.error({ err }, 'retention purge failed'));
    }
  };
}
