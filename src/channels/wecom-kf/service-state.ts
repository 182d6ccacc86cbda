/**
 * A kf session's service state follows the conversation as we run it (our agent console stays where
 * agents work). WeCom allows 0→1/2/3/4, 1→1/2/3/4, 2→2/3/4, 3→3/4, nothing from 4 (a customer's next
 * message opens a new session in state 0), and lets the API send messages only in states 0 and 1. So:
 *
 * | ours | `console` (default) | `wecom` |
 * |---|---|---|
 * | the bot answers a new session | 0 → 1 (bot) | 0 → 1 (bot) |
 * | a handoff is requested | stays 1: our agents reply through the API | → 2 (queue), after the turn's replies |
 * | an agent claims it | stays 1 | → 3 (human: `WECOM_KF_SERVICER_USERID`, who answers in the WeCom app) |
 * | handed back to the bot | stays 1 | → 4 (ended; the next message starts with the bot) |
 * | nobody claimed it in time (the bot takes a number) | stays 1 | → 4 (ended) |
 * | resolved | → 4 (ended) | → 4 (ended) |
 *
 * A change WeCom refuses is logged and the conversation goes on: the state is a mirror, ours decides.
 */
import type { Logger } from '../../core/logger.js';
import { KF_STATE, type KfClient, type KfState } from './kf-client.js';

export type HandoffMode = 'console' | 'wecom';

export interface Parties {
  openKfId: string;
  externalUserId: string;
}

export interface ServiceStatesOptions {
  client: KfClient;
  mode: HandoffMode;
  servicerUserId?: string | undefined;
  logger?: Logger | undefined;
}

/** From each state, the states WeCom lets the API move a session to. */
const ALLOWED: Record<KfState, readonly KfState[]> = { 0: [1, 2, 3, 4], 1: [1, 2, 3, 4], 2: [2, 3, 4], 3: [3, 4], 4: [] };

export class ServiceStates {
  /** Conversations whose turn asked for a person (moved to the queue when the turn is done). */
  private readonly requested = new Set<string>();

  constructor(private readonly options: ServiceStatesOptions) {}

  /** The turn asked for a person (`handoff.initiate`). */
  handoffRequested(parties: Parties): void {
    if (this.options.mode === 'wecom') this.requested.add(key(parties));
  }

  /** After a merchant's turn: a new session is the bot's; a requested handoff queues it (`wecom`). */
  async afterTurn(parties: Parties): Promise<void> {
    const queued = this.requested.delete(key(parties));
    await this.move(parties, (current) => (queued ? KF_STATE.queue : current === KF_STATE.new ? KF_STATE.bot : undefined));
  }

  /** After the bot's `handoff.status` turn (accepted, completed: resolved / handed_back, failed). */
  async afterHandoffStatus(parties: Parties, status: { state?: string; message?: string }): Promise<void> {
    const wecom = this.options.mode === 'wecom';
    let target: KfState | undefined;
    if (status.state === 'accepted' && wecom) target = KF_STATE.human;
    else if (status.state === 'completed' && (wecom || status.message === 'resolved')) target = KF_STATE.ended;
    // Nobody claimed it: the bot takes a callback number (`console`: still its session); WeCom's queue ends.
    else if (status.state === 'failed' && wecom) target = KF_STATE.ended;
    if (target !== undefined) await this.move(parties, () => target);
  }

  private async move(parties: Parties, decide: (current: KfState) => KfState | undefined): Promise<void> {
    const log = this.options.logger;
    try {
      const { state: current } = await this.options.client.serviceState(parties.openKfId, parties.externalUserId);
      const target = decide(current);
      if (target === undefined || target === current) return;
      if (!ALLOWED[current].includes(target)) {
        log?.info({ from: current, to: target, openKfId: parties.openKfId }, 'wecom-kf: service state not changed (WeCom does not allow it)');
        return;
      }
      const servicer = target === KF_STATE.human ? this.options.servicerUserId : undefined;
      if (target === KF_STATE.human && !servicer) return;
      await this.options.client.transState(parties.openKfId, parties.externalUserId, target, servicer);
      log?.info({ from: current, to: target, openKfId: parties.openKfId }, 'wecom-kf: service state changed');
    } catch (err) {
      log?.warn({ err, openKfId: parties.openKfId }, 'wecom-kf: service state not changed');
    }
  }
}

function key(parties: Parties): string {
  return `${parties.openKfId}:${parties.externalUserId}`;
}
