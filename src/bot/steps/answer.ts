/** The last step: the knowledge base answers (or says honestly it cannot), and a second miss in a row finds a person. */
import type { TurnStep } from '../turn.js';

/** Words of something told as having happened ("气死我了", "昨天一个男的…打电话来骂"), or who is telling it
 * ("我们三个伙起开的火锅店", "商场封层改造 我们这层全停"): a story, not a bidding. */
const TOLD = /了|过|昨天|昨日|前天|今天|今早|刚才|刚刚|上午|中午|下午|晚上|早上|上周|上个?礼拜|^(?:(?:你好|您好|喂|在吗)[\s,，!！]*)?我是|我们|咱们|我家|咱家|俺们|俺家|阿拉|我哋/;

export const answer: TurnStep = async (turn, kit) => {
  // A statement that asks nothing, kept as the start of a story, is no question the guide failed: its miss
  // does not count towards handing over — the request it leads to may follow. A bidding ("推荐一部电影") still counts.
  const kept = turn.conversation.story;
  const story = (kept?.last ?? kept?.text) === turn.text && TOLD.test(turn.text);
  const answered = await kit.answer(turn, turn.text, { offerTopics: true });
  if (!answered && story) turn.conversation.unanswered = Math.max(0, turn.conversation.unanswered - 1);
  await kit.handOverIfStuck(turn);
  return true;
};
