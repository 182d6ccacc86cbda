/**
 * The order a merchant's message is handled in: each step either handles it (the turn ends) or passes it
 * on. A step's place is its priority — a person who owns the conversation comes before everything; a
 * request for a person before the flow in progress (so "转人工" is never taken as a slot value); the flow
 * in progress before small talk (so "谢谢" can be a reason); a flow's start before the knowledge answer,
 * which takes whatever is left.
 */
import { answer } from './steps/answer.js';
import { binding } from './steps/binding.js';
import { feedback } from './steps/feedback.js';
import { filesOutsideFlow } from './steps/files-outside-flow.js';
import { flowInProgress } from './steps/flow-in-progress.js';
import { flowStart } from './steps/flow-start.js';
import { fullSection } from './steps/full-section.js';
import { handoffGate } from './steps/handoff-gate.js';
import { humanRequest } from './steps/human-request.js';
import { inboundChecks } from './steps/inbound-checks.js';
import { merchantIdAlone } from './steps/merchant-id-alone.js';
import { nothingToCancel } from './steps/nothing-to-cancel.js';
import { retiredFlows } from './steps/retired-flows.js';
import { smallTalk } from './steps/small-talk.js';
import type { Turn, TurnStep } from './turn.js';
import type { TurnKit } from './turn-kit.js';

export const TURN_STEPS: readonly TurnStep[] = [
  retiredFlows,
  inboundChecks,
  binding,
  handoffGate,
  humanRequest,
  feedback,
  flowInProgress,
  filesOutsideFlow,
  nothingToCancel,
  fullSection,
  smallTalk,
  flowStart,
  merchantIdAlone,
  answer,
];

/** Runs the steps in order until one handles the message. */
export async function runTurn(turn: Turn, kit: TurnKit, steps: readonly TurnStep[] = TURN_STEPS): Promise<void> {
  for (const step of steps) if (await step(turn, kit)) return;
}
