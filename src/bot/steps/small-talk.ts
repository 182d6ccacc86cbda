/** Small talk is answered directly: it is not a question for the knowledge base, nor a miss. */
import { MessageFactory } from 'botbuilder';
import { t } from '../../i18n/messages.js';
import type { TurnStep } from '../turn.js';
import { GREETING_TOPICS } from '../turn-kit.js';

const END = '[\\s!！。.,，~～?？]*$';
/** A greeting alone, however many words of it ("喂", "你好 在吗？", "hi there", "有人在吗"). */
const HELLO = /^(?:(?:你好|您好|你们好|喂+|嗨|哈喽|哈啰|在吗|在么|在嘛|在不在|在不|有人吗|有人在吗|早上好|上午好|中午好|下午好|晚上好|hi|hello|hey|hiya)(?: there)?[\s!！。.,，~～?？]*)+$/i;
/** A question announced before it is asked ("老妹儿问你个事儿", "想咨询一下", "can I ask something"): the bot listens. */
const ASKS_TO_ASK = /^[^，,。?？!！]{0,6}?(?:问你?(?:个|一个|点)事儿?|问(?:你|您)?一下|想问(?:个|一下)?(?:事儿?)?|咨询(?:个事儿?|一下)|打听(?:个事儿?|一下))[\s!！。.,，~～?？]*$|^(?:can|could|may) i ask (?:you )?(?:something|a question)[\s?!.]*$/i;
const HELP = new RegExp(`^(帮助|help|菜单|menu|你能做什么|你能帮我做什么|你会什么|你可以做什么|你是谁|what can you do|who are you)${END}`, 'i');
const THANKS = new RegExp(`^(谢谢|多谢|感谢|谢谢你|谢啦|好的谢谢|ok谢谢|thanks|thank you|thx)${END}`, 'i');
const GOODBYE = new RegExp(`^(再见|拜拜|bye|goodbye|88)${END}`, 'i');
/** "好的", "明白了", "ok": the merchant heard the answer. No question for the guide (nor a miss on record). */
const ACKNOWLEDGED = new RegExp(`^(好|好的|好吧|好滴|好嘞|嗯+|哦+|噢+|明白了?|知道了|了解了?|懂了|收到|行|ok|okay|got it|i see|understood|alright|all right)${END}`, 'i');

export const smallTalk: TurnStep = async ({ context, conversation, text, locale }, kit) => {
  if (HELP.test(text) || HELLO.test(text)) {
    await context.sendActivity(kit.withTopics(context, t(locale, HELP.test(text) ? 'greeting' : 'hello'), locale, GREETING_TOPICS, false));
    return true;
  }
  if (ASKS_TO_ASK.test(text)) {
    await context.sendActivity(MessageFactory.text(t(locale, 'listening')));
    return true;
  }
  if (THANKS.test(text) || GOODBYE.test(text)) {
    await context.sendActivity(MessageFactory.text(t(locale, THANKS.test(text) ? 'thanks' : 'goodbye')));
    return true;
  }
  // With an offer open, "好的" takes it (the flow's start, after this step).
  if (ACKNOWLEDGED.test(text) && !conversation.offer) {
    await context.sendActivity(MessageFactory.text(t(locale, 'acknowledged')));
    return true;
  }
  return false;
};
