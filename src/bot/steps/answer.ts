/** The last step: the knowledge base answers (or says honestly it cannot), and a second miss in a row finds a person. */
import type { TurnStep } from '../turn.js';

/** Words of something told as having happened ("气死我了", "昨天一个男的…打电话来骂", "3天前…刷卡的", "6 days ago one
 * parent pay…"), or of the one telling it ("我们三个伙起开的火锅店", "阮是卖茶的", "我阿妈喺乡下要做手术"): a story, not a
 * bidding ("推荐一部电影"). */
const TOLD = /了|过|昨天|昨日|前天|今天|今早|刚才|刚刚|上午|中午|下午|晚上|早上|上周|上个?礼拜|天前|日前|前几天|我|阮|俺|咱|阿拉|\b(?:i|i'm|we|we're|our|my|ago|yesterday|last (?:night|week))\b/i;

export const answer: TurnStep = async (turn, kit) => {
  // A statement that asks nothing, kept as the start of a story, is no question the guide failed: with nothing
  // in the guide about it the merchant is asked to go on, and it does not count towards handing over — the
  // request it leads to may follow. A bidding ("推荐一部电影") still counts.
  const kept = turn.conversation.story;
  const story = (kept?.last ?? kept?.text) === turn.text && TOLD.test(turn.text);
  await kit.answer(turn, turn.text, { offerTopics: true, listening: story });
  await kit.handOverIfStuck(turn);
  return true;
};
