/**
 * A person owns (or is about to own) this conversation, the bot is taking a message for one, or it
 * asked how the person did: the message goes there and the bot stays out of it. When that part is over,
 * a flow in progress asks its question again.
 */
import { fileView } from '../handoff-turns.js';
import type { TurnStep } from '../turn.js';

export const handoffGate: TurnStep = async (turn, kit) => {
  const handoff = kit.options.handoff;
  if (!handoff) return false;
  const { context, conversation, text, files, locale } = turn;
  // Agents read the merchant's own words.
  const said = turn.said ?? text;
  const send = kit.sender(context);
  const open = await handoff.service.openFor(context.activity.channelId, context.activity.conversation.id);
  if (open) {
    if ((await handoff.whileOpen(context, open, said, files.map((f) => fileView(f.file, f.contentType, f.name)), locale, send)) === 'cancelled') await kit.reprompt(turn);
    return true;
  }
  if (conversation.takingMessage) {
    await handoff.takeMessage(context, conversation, said, locale, send);
    if (!conversation.takingMessage) await kit.reprompt(turn);
    return true;
  }
  if (await handoff.callbackChanged(conversation, said, locale, send)) return true;
  if (await handoff.rating(context, conversation, text, locale, send)) {
    await kit.reprompt(turn);
    return true;
  }
  return false;
};
