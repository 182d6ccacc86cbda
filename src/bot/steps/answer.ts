/** The last step: the knowledge base answers (or says honestly it cannot), and a second miss in a row finds a person. */
import type { TurnStep } from '../turn.js';

export const answer: TurnStep = async (turn, kit) => {
  await kit.answer(turn, turn.text, { offerTopics: true });
  await kit.handOverIfStuck(turn);
  return true;
};
