/**
 * A conversation saved inside (or offered) a flow that has since been removed or renamed: the merchant
 * is told once that it cannot go on, and the message is then handled as if no flow were in progress.
 * Without this every later turn would fail on the unknown flow id.
 */
import type { TurnContext } from 'botbuilder';
import { t, type Locale } from '../../i18n/messages.js';
import type { ConversationData, TurnStep } from '../turn.js';
import type { TurnKit } from '../turn-kit.js';

export async function retireRemovedFlows(kit: TurnKit, context: TurnContext, conversation: ConversationData, locale: Locale): Promise<void> {
  const flows = kit.options.flows;
  if (!flows) return;
  if (conversation.offer && !flows.turns.has(conversation.offer)) delete conversation.offer;
  if (conversation.endedFlow && !flows.turns.has(conversation.endedFlow.flowId)) delete conversation.endedFlow;
  if (conversation.flow && !flows.turns.has(conversation.flow.flowId)) {
    delete conversation.flow;
    await kit.say(context, t(locale, 'flowRetired'));
  }
}

/** Passes the message on, after retiring what no longer exists. */
export const retiredFlows: TurnStep = async ({ context, conversation, locale }, kit) => {
  await retireRemovedFlows(kit, context, conversation, locale);
  return false;
};
