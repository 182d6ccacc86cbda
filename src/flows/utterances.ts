/**
 * How merchants answer a flow's questions, as patterns the engine reads: yes and no, cancelling (and
 * going on after all), skipping, "I don't have it", "not known yet", trying again, a correction and its
 * lead words, a question asked instead of an answer, "I don't know / don't remember". Kept in one place so
 * that the engine's steps (and the bot, for the few it needs) read a message the same way.
 */
import { normalize } from './slot-types/normalize.js';

const END = String.raw`[!！。.\s]*$`;
/** The summary confirmed in a few words ("对的，提交吧", "没问题，确认", "yes, submit it", "ok go ahead"). */
export const CONFIRM_SAID =
  /^(?:那就?\s*)?(?:是的?|对的?|没错|没问题|冇问题|冇問題|沒問題|都对|确认无误|可以|好(?:的|de|滴|哒)?|行|嗯|嗯嗯|嗯呐|整吧|弄吧|办吧|搞吧|行吧|好吧|要得|中|好嘞|妥|對|係|系|啱|ok|okay|yes|yep|ya|sure|correct|all good|confirmed|queren)?[，,\s]*(?:提交|交上去|提交上去|交|确认提交|确认|確認|確認提交|确定|确定提交|確定|确任|确仁|确人|却认|帮我提交|sumbit|submitt?|sbumit|comfirm|confrim|confim|提交吧|submit(?: it)?|confirm(?: it)?|go ahead|go|proceed|send it|file it|do it|please submit|confirmed|que\s?ren|ti\s?jiao)(?:吧|啊|了|哈|啦|喇|呗|嘛|哦|噢|咯|呀)?[!！。.\s]*$|^(?:是的?|对的?|没错|都对|没问题|没有问题|确认无误|准确无误|信息无误|无误|yes|correct)[，,\s]*(?:没问题|都对|对的|right|correct)?[!！。.\s]*$/i;
export const YES = new RegExp(String.raw`^(是|是的|对|对的|确认|确认提交|确定|确定提交|提交|交吧|交了吧|可以交了|没问题|好的?|可以|確認|確定|對|對的|係|係呀|系|系呀|啱|冇問題|沒問題|确任|确仁|要得|ok|okay|yes|y|ya|confirm|confirmed|submit|sure|que\s?ren)${END}`, 'i');
/** Giving up on a doubt and filing as it is, said last ("原因写的啥 哦 算了 不管了 你就按这个提交吧"). */
export const SUBMIT_AT_END = /(?:^|[\s，,。.!！])(?:你|那)?(?:就|直接)?(?:按这个|照这个|这样)?(?:提交|交上去)(?:吧|了吧|就行|就好)[\s。.!！]*$/;
/** "嗯", "嗯呢", "恩恩": yes to a yes-or-no question, though not enough to file a request (affirmsOnly). */
export const MURMURED_YES = /^(?:嗯+|恩+)(?:呢|呐|哪|啊|的)?[\s,，。.!！~～]*$/;
export const NO = new RegExp(String.raw`^(不|否|不是|不对|不用|没|没呢|没有|木有|冇|冇有|no|n|nope)${END}`, 'i');
export const CANCEL = new RegExp(String.raw`^(取消|算了|不办了|不要了|不用了|不申请了|退出|结束|不辦了|唔要了|唔辦了|唔使了|cancel|stop|quit|never ?mind)${END}`, 'i');
/**
 * A message that opens by giving up ("算了，不弄了，我直接退现金给他", "先不提交了，我问问老板", "never mind, the
 * customer changed his mind"): whatever follows is the reason, not a value. Merchants often write Chinese
 * without a pause: a phrase ending in 了/吧 ends its clause all the same ("算了我先问问老板再说").
 */
export const CANCEL_LEAD = new RegExp(
  String.raw`^(?:(?:那|那就|哎|哎呀|唉|嗯|哦|噢|喔|啊|等等|等一下|等下|等会儿|等会|稍等|好吧|那好吧|明白了|知道了|懂了|ok|okay|oh|hmm|got it|i see|understood|thanks|thx|on second thoughts?|actually|hmm+|wait)[，,.\s]*)*(?:先|还是|我)?(?:莫弄了|莫弄哒|莫搞了|莫整了|拉倒吧|拉倒|唔使搞喇|唔使搞了|算了不[\u4e00-\u9fff]{1,3}了|算了|算鸟|不弄了|不搞了|不整了|不办了|别弄了|别办了|覅弄了|覅搞了|覅办了|不提交了|不用提交了?|不申请了|不退了|不撤了|不要了|不用了|不用弄了|不需要了|没必要了|先不办|先不弄|先不提交|先不申请|先不退|先别提交|别提交了?|先别办|先别弄|唔使喇|唔使了|唔使|算數|算数|唔要喇|唔退喇|明天再说|取消申请|撤回申请|不想办了|再想想|想想再说|(?:不好意思|抱歉)[，,\s]*(?:点|选)错了|(?:先)?问(?:问|一下|下)(?:老板|领导|店长|经理|财务|老公|老婆)(?:再说|要不要[\u4e00-\u9fff]{1,4}|的意思|怎么说)?|先(?:跟|和|问)(?:老板|领导|店长|经理|财务)(?:商量|确认|说|问)?(?:一下)?(?:再说)?|i'?ll (?:ask|check with) (?:my |the )?(?:boss|manager|owner) first|再考虑考虑|再考虑一下|考虑考虑|考虑一下再说|回头再说|以后再说|改天再说|晚点再说|先这样吧|没事了|不麻烦了|不用麻烦了|我自己(?:去|来|在机器上|在终端上)?(?:弄|办|处理|搞|撤|退)|(?:顾客|客人|客户)(?:又|说|现在){0,2}(?:不退了|不要退了|不用退了|不撤了)|never ?mind|nvm|stop(?=\s*[,，.!！])|forget (?:it|about it|the (?:refund|void|request|whole thing))|no need|not now|maybe later|leave it|drop it|don'?t bother|don'?t need it|not needed|let'?s stop|i'?ll do it later|i'?ll (?:do|handle|sort) (?:it|this) (?:myself|on the (?:machine|terminal))|(?:the )?customer (?:doesn'?t|does not|no longer) want|(?:actually )?(?:no,? )?scratch that|i changed my mind|changed my mind|cancel (?:it|this|that|the request|my request))(?:(?:吧|啦|了|哈)?(?:[，,。.!！;；\s]|$)|(?<=[了吧啦])(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])(?=[我那]))`,
  'i',
);
/** Not giving up after all: "不取消", "继续", "don't cancel", "keep going". */
// "算了算了 还是退吧": second thoughts that end in going on.
export const GO_ON = /不取消|别取消|不要取消|继续|还是(?:要|得|帮我|给他|给她|给人家)?(?:退|撤|办|弄|申请|提交|交上去)|(?:^|[\s，,。])(?:那)?(?:还是)?留吧|don'?t cancel|do not cancel|keep going|go on|carry on|continue|(?:let'?s|we'?ll|i'?ll) (?:still )?do it after all/i;
/**
 * Giving up said anywhere in the message, as a clause of its own ("哎等一下，顾客说不退了，这个申请不用了",
 * "算啦 我自己在机器上弄吧", "forget it, I'll sort it out myself"), also after a clause that ends in 了/吧/啦/呢
 * without a pause ("顾客又说不退了那就不用了"). Only words that cannot be a reason:
 * "顾客不要了" explains a refund, "这个申请不用了" ends one.
 */
export const CANCEL_CLAUSE = new RegExp(
  String.raw`(?:^|[，,。.!！?？;；…~\s]|(?<=[\u4e00-\u9fff][了吧啦呢])|(?<=^(?:对|对的|是|是的|嗯|好|行))|(?<=今天|今儿|今日|现在|目前|暂时|这次|这回|咁|噉))(?:那我|那|那就|我)?(?:这个|那个|这笔|那笔|这单|那单|这里|这边|这儿|你们这|你这)?(?:暂停结算|暂停|申请|退款|撤销|退货|单子)?(?:就|也)?(?:算了吧?不(?:弄|搞|整|办|要|用|退|撤)了|先放着(?:别交了?)?(?:吧|了)?|先放一放|先别交了?|(?:暂|请)?勿提交|取消佢|算哒|不(?:搞|弄|办|整)哒|(?:你)?莫(?:弄|搞|整|办)(?:了|哒)?(?=[\s，,。!！]|$)|甭(?:弄|办|搞|整)(?:咧|了)?|不(?:停|弄|办|搞)咧|算咧|(?:换货)?唔(?:退|撤)(?:喇|啦|了)|不必(?:再)?提交了?|无需(?:再)?提交了?|(?:本次|这次)?申请(?:予以)?撤回|不再(?:退货|退款|撤销|申请)|别交了?|覅弄了|覅搞了|覅办了|免啦|免了|不交了|不提交(?=\s*$)|算了|算啦|算鸟|算(?:数|數)(?:啦|喇|了)|唔(?:使|洗)(?:帮|幫)我(?:报|報|申请|申請|搞|办|辦)住?|唔搞啦|唔搞喇|唔搞了|唔使啦|那就不用了|不弄了|不搞了|不整了|不办了|不提交了|不用提交了?|不申请了|(?:这个|那个)?申请(?:就)?不用了|(?:这个|那个)?(?:申请|单子)?(?:就)?不要了吧|(?<=这个|那个)(?:就)?不要了|(?<=这个|那个)(?:就)?撤回(?:吧|了)?|(?:就|也)?不(?:退|撤)了|(?:这个|那个|这笔|那笔|这单|那单|这边|钱)?(?:就|也)?不用(?:再)?(?:退|撤|办|弄|搞|申请|处理)了|先不办了?|先不弄了?|先不提交了?|先不申请了?|(?:先)?别(?:提交|申请|办|弄|搞|整)了|唔(?:使|洗|需要)(?:再)?(?:退|撤|搞|办|申请|弄)(?:喇|啦|了|咯)?|[\u4e00-\u9fff]{1,10}的事(?:情|儿)?(?:就|也)?(?:先)?不(?:弄|办|搞|整|做)了|先这样吧?|不想办了|我再想想|再想想吧|我再考虑(?:考虑|一下)?|我自己(?:去|来|在机器上|在终端上|到机器上)?(?:弄|办|处理|搞|撤|退)(?:吧|了)?|(?:(?:老板|领导|店长)说)?(?:那个|这个)?(?:顾客|客人|客户)(?:又|说|现在){0,2}(?:不退了|不要退了|不用退了|不撤了)|(?:老板|领导|我们)?(?:说)?不(?:用)?(?:停|暂停)了|不用(?:停|暂停)了|(?:(?:老板|领导|我们)?(?:说)?不(?:用)?(?:停|暂停)了)?照常(?:结算|打款|到账)(?:就行|就好)?|never ?mind|nvm|scrap (?:that|it|this)|forget (?:it|about it|the (?:refund|void|request|whole thing))|(?:the )?(?:refund|void|request|it) (?:doesn'?t|does not) matter any ?more|(?:it'?s |it is )?not needed any ?more|don'?t send(?: it| this| the request)?(?=\s*[.!]*\s*$)|no,? thanks?,?\s*(?:just\s+)?cancel(?: it| this| the request)?(?=\s*[.!]*\s*$)|don'?t submit|do not submit|don'?t file (?:anything|it|this)|please cancel (?:this|it|the request)|(?:yes,? )?cancel it,? no refund|no refund (?:needed|required)|(?:the )?customer (?:decided|wants|wanted) to keep (?:it|them)|i'?ll (?:sort|handle|deal with) (?:it|this) (?:out )?myself|i'?ll (?:call|contact|ask|phone) (?:the|my|our) bank (?:myself|directly)|(?:don'?t|do not|no longer) need (?:this|it|that)(?: any ?more)?|no need (?:to )?(?:refund|void|cancel)(?: it| this| anymore| any more)?|(?:pls |please )?cancel (?:pls|please|it pls|it please)|(?:the )?customer (?:wants?|decided|prefers?) (?:an? )?exchange(?: instead)?)(?:吧|啦|了|哈)?(?=[，,。.!！?？;；…~\s]|$|谢谢|多谢|麻烦)`,
  'i',
);
/** "是，取消" / "Yes, cancel" (the suggested action), "确定取消", "对，不办了". */
export const YES_CANCEL = new RegExp(String.raw`^(?:(?:是|是的|是啊|对|对啊|对的|確定|确定|确认|好的?|嗯|嗯嗯|係|係啊|係呀|系|系啊|系呀|yes|yeah|yep|y|ok|okay|sure)[，,、\s]*){0,2}(?:先|就|那就|还是)?((?:取消|撤回|算了|不办了|不要了|不用了|不弄了|不搞了|cancel|quit|stop)(?:[，,、\s]*(?:取消|撤回|算了|不办了|不要了|不用了|不弄了|不搞了))?)(吧|申请|掉吧|(?:\s+(?:it|this|that|the request|the whole thing))?)${END}`, 'i');
/** A yes opening the answer to "sure?" ("对对对 你取消吧", "嗯呐 拉倒"). */
export const YES_FIRST = /^(?:是的?|是啊|对+的?|对啊|嗯+呐?|嗯嗯|系呀|係呀|系啊|係啊|系|係|着|好的?|行|确定|yes|yep|yeah|ok|okay|sure)(?:[\s,，、。!！]+|$)/i;
/**
 * "单号没记", "没有单号", "不知道单号，全部列出来吧", "dont have the ticket no": nothing to give for an
 * optional question, said in a sentence.
 */
export const SKIP_SAID = /^(?:单号|工单号|号码|卡号(?:后(?:四|4)位)?|尾号|后(?:四|4)位|材料|资料|文件)?\s*(?:也|都)?(?:没有|没什么|没啥|没记下来|没记住|没记|不记得|记不得|忘了|忘记了|不知道|不清楚|找不到|没留)(?:了|啊|呢)?(?:要补充的|要说的|单号|工单号|号码|材料|资料|文件)?(?:了|啊|呢)?(?:[，,。.!！\s]|$)|^(?:i\s+)?(?:don'?t|do not|dont)\s+(?:have|know|remember)\b|^(?:i\s+)?(?:no|not)\s+have\b|^no\s+(?:ticket|idea|number|clue)\b|^(?:dunno|idk|not sure)\b/i;
/** A file the merchant says they do not have: lost, thrown away, never kept ("小票丢了", "no receipt"). */
export const HAS_NONE =
  /(?:小票|签购单|簽購單|单子|凭条|存根|票据|receipt|slip)[^，,。.!！?？]{0,6}(?:丢了|丢失|弄丢|搞丢|不见了|找不到|找不着|扔了|没了|没有了|没留|没有|木有|冇)|(?:没有|没|木有|冇|丢了|找不到)(?:了)?(?:小票|签购单|簽購單|单子|凭条|存根)|\b(?:no|lost the|lost my|threw away the|don'?t have the|dont have the|do not have the|can'?t find the)\s+(?:receipt|slip)s?\b|\b(?:lost|threw away|can'?t find)\s+it\b/i;
/** A file promised for later ("小票等下发", "待会儿拍给你", "will send it later"). */
export const SENDS_LATER =
  /(?:等(?:一?下|会儿?|一会儿?)|待会儿?|一会儿?|稍后|晚点|回头|明天|找到(?:了|后)?)(?:我)?(?:再|就)?(?:拍|发|传|补)|\b(?:send|upload)\b[^.!?]{0,20}\b(?:later|in a (?:bit|minute|moment|while)|tomorrow)\b|\bwill send (?:it|them)\b/i;
/** Passing over a question, in a word or two ("跳过", "不知道", "没注意 跳过", "冇文件 跳过"). */
export const SKIP = new RegExp(
  String.raw`^(?:(?:先|就|那就|那|暂时|我)?\s*(?:跳过|跳過|略过|没有别的|没别的|就这些|没了|没有|沒有|没|木有|冇|无|不用|不需要|唔使|不知道|唔知|不清楚|不记得了?|没注意|没留意|没看到?|没空(?:看|找|查)?|没时间(?:看|找|查)?|懒得(?:看|找|查)|看不清|找不到|skip(?: it| this(?: one)?| that| for now)?|none|n\/a|no idea|don't know|dont know|dunno|idk|no clue|nothing|no need|not needed|don'?t need (?:it|them))(?:吧|了|啊|呀|嘛|呗|哈|啦|哦|先|这一?项|这一?步|这个|材料|资料|文件|证明|东西)*[，,、\s]*){1,2}${END}`,
  'i',
);
/** "跳过" ending a message that first says why ("转让合同还没签 先跳过"): passed over all the same. */
// …and so does not knowing, said last ("卡号她没给我看 不知道").
export const SKIP_AT_END = /[\s，,。.;；]\s*(?:先|就|那就|那|暂时|这个|这步|我也|也|都)?\s*(?:跳过|跳過|不知道|不清楚|不记得了?|skip(?: it| this(?: one)?| for now)?|dunno|no idea)(?:吧|了|先|啊|呀|嘛|呗|哈|啦|哦)*[\s。.!！~～]*$/i;
/** "不用了", "no need": said to an optional question, no answer to it; said elsewhere, giving up. */
export const NO_NEED = new RegExp(String.raw`^(?:不用|不需要|不必|没必要|no need|not needed|don'?t need (?:it|them|to))(?:了|吧|啦)*${END}`, 'i');
/** "材料也没有", "no documents": said in passing, it answers an optional file question before it is asked. */
export const NO_DOCUMENTS = /(?:材料|资料|文件|证明)(?:也|都)?(?:没有|没|冇|沒有)|(?:材料|资料|文件|证明)\s*[:：]\s*(?:无|暂无|没有|none)(?![\u4e00-\u9fff])|(?:没有?|没得|冇得?|木有|无|mei ?(?:you)?有?)(?:什么|啥子?|其他|其它|别的|第二啲|其他的|别的|任何)?(?:材料|才料|资料|证明|文件)|\bno (?:documents?|docs|paperwork|files)\b/i;
/** Nothing to send, said where files are asked ("none for now", "nothing yet", "暂时没有"): no option of a later question. */
// …or sending declined, whatever follows ("先不发 要的话再说": none now, more if the review asks).
export const NOTHING_TO_SEND = /^(?:(?:yes|yeah|ok|okay)[,.\s]+)?that'?s (?:everything|all)\b|^(?:none|nothing|not now|no(?:ne|thing)? (?:for now|yet|at the moment|right now|to (?:send|upload|attach|provide|show))|暂时没有|暂时没|目前没有|现在没有|现在还没有)[\s.!。！]*$|^(?:先|暂时|现在|目前|就|我)?不(?:发|传|上传|提供|交|拍)(?:了|吧|啦)*(?:[\s，,。.!！]|$)/i;
/** A day not known yet, said when asked for it ("待定", "还不确定", "not sure yet"). */
export const NOT_KNOWN_YET =
  /待定|仲未知|仲唔知|未知|冇定|[\u4e00-\u9fff]{1,6}(?:完|好)(?:先讲|再讲)|不(?:用|再|会|打算)?恢复|永久|长期停|一直停|还?不确定|说不准|说不好|不好说|还?不知道|还?没定|先不定|看情况|看情況|(?:等|到时候?)[^，,。]{0,14}再说|[\u4e00-\u9fff]{1,6}(?:完|好)了?(?:以后|之后)?再说|[\u4e00-\u9fff]{1,6}了(?:以后|之后)?再说|定不下来|定不了|没法定|等[^，,。]{1,10}(?:弄好|办好|开好|批下来|下来|好了|完了|结束)|另行通知|等通知|\b(?:(?:once|when|after|until|till) (?:the |our |my )?[a-z ]{1,30} (?:is|are|gets?) (?:ready|done|open|opened|sorted(?: out)?|finished|set up|in place|approved|active)|until further notice|not sure|tbd|don'?t know(?: yet)?|no idea|depends|indefinitely|open[- ]ended)\b/i;
/** …and said in passing, plainly about that day ("等新账户弄好再说", "恢复时间待定", "until further notice"). */
export const NOT_KNOWN_YET_IN_PASSING =
  /(?:等|到时候?)[^，,。]{0,14}再说|[\u4e00-\u9fff]{1,6}(?:完|好)了?(?:以后|之后)?再说|另行通知|\b(?:not sure|don'?t know|no idea)(?: yet)? when (?:we|i|it|they|the shop|the store)(?:'ll| will| can)? (?:reopen|re-open|open again|resume|be back|come back)\b|(?:开业|开张|开门|营业|回来)(?:的)?(?:时间|日子|日期)?(?:还|也)?(?:没定|未定|不确定|待定|说不准|不知道)|不(?:用|再|打算)恢复|恢复(?:时间|日期)?(?:还)?(?:待定|未定|不确定|没定|不知道)|(?:什么时候|哪天|啥时候|几时)恢复(?:还)?(?:不确定|不知道|说不好|没定|未定|待定|(?:要|得)看)|停到(?:什么时候|哪天|啥时候)(?:我)?(?:也|还)?(?:不确定|不知道|说不好|没定|不清楚)|\b(?:until further notice|indefinitely|(?:until|till|once) (?:the |our |my )?[a-z ]{1,30} (?:is|are|gets?) (?:ready|set up|sorted(?: out)?|in place|open(?:ed)?|active|done|finished))\b/i;
export const NOT_KNOWN_YET_IN_PASSING_ALL = new RegExp(NOT_KNOWN_YET_IN_PASSING.source, 'gi');
/** A length or a day guessed beside it ("大概两周", "月底", "about 3 weeks"). */
export const GUESSED_LENGTH = /[\d一二两三四五六七八九十半]+\s*(?:个)?(?:天|日|号|周|星期|礼拜|月|\s*(?:days?|weeks?|months?))|月底|月中|月初|\b(?:end|middle) of\b/i;
export const TRY_AGAIN = new RegExp(String.raw`^(再试一次|重试|再来一次|我再试试|try again|retry)${END}`, 'i');
/**
 * "对" / "是的，电话…" / "对的对的 137…" / "yes" after "我从签购单上读到：…，对吗？": what was read is right. The
 * words must end the message, or be followed by a separator or a number (the rest is then read on):
 * "是不是…" and "yesterday" are no such answer.
 */
export const SLIP_OK = /^(?:(?:这回对了|这次对了|这下对了|现在对了|对的|对头|冇错|无错|没毛病|嗯呐|啱|对|是的|是|没错|正确|都对|没问题|嗯嗯|嗯|好的|好|okay|ok|yes|yep|yeah|right|correct|that's right|thats right|that is right|thats correct|all correct|(?:the |all )?(?:details|values|numbers) (?:are|is) (?:all )?(?:correct|right|fine|ok)|(?:信息|数字|内容)?都?(?:对的|没错|正确))[\s,，、。.!！~～]*)+/i;
/** The last photo said to be the wrong one, with no other photo sent ("不对不对 拍错了 不是这张", "wrong receipt sorry"). */
export const WRONG_PHOTO_SAID = /发错了?|传错了?|拍错了?|(?:影|发|传|拍)错咗|拍成别人的|拍成别的|不是这张|上一张不对|前面那张不对|那张不对|\bwrong (?:photo|picture|pic|slip|receipt|image)\b|\bsent the wrong\b/i;
/** A photo sent to replace the last one ("发错了 是这张", "不是这张", "wrong photo, this one"). */
export const REPLACES_PHOTO = new RegExp(
  String.raw`${WRONG_PHOTO_SAID.source}|这张才是|这张才对|(?:呢|这)张(?:先|至|先至)(?:啱|系|是|对)|换这张|用这张|以这张为准|\bwrong one\b|\b(?:use|take) this one instead\b|\bignore the (?:first|last|previous|other) (?:one|photo|picture)\b`,
  'i',
);

/** What is left of "就是9点13那张吧", "the 5:30 one please" once the slip it picks is taken: nothing more to read. */
const PICK_FILLER_WORDS = /\b(?:the|one|it|that|this|please|pls|yes|yeah|yep|ok|refund|void|cancel)\b|[是就那这张笔单个的吧啊呀了退撤掉要对嗯好哦行\s\p{P}]/giu;
export function saysMoreThanPick(rest: string): boolean {
  return rest.replace(PICK_FILLER_WORDS, '').length > 0;
}

/** Told otherwise since the answer: asked somebody, heard it from somebody, or found out. */
export const HEARD_OTHERWISE = /(?:我|刚|刚才)?问了(?:一?下)?(?:店长|老板|经理|主管|同事|收银员?|财务|老公|老婆|家里人?)|(?:我)?(?:老婆|老公|婆娘|媳妇|爱人|家里人?|店长|老板|经理|同事|收银员?)(?:刚才?|刚刚)?(?:说|讲)|那就是|原来|其实|\b(?:turns out|turned out|checked with|i asked|just asked|actually)\b/i;

/** A clause about the photos sent ("发错了", "头先嗰张唔计", "sorry wrong pic"), not about the sale. */
const PHOTO_TALK = new RegExp(
  String.raw`${REPLACES_PHOTO.source}|(?:头先|刚才|上一|前面|之前|第一)(?:嗰|𠮶|那|的)?张(?:唔计|唔算|不算|不要了?|作废|不对|唔啱)|^(?:唔好意思|不好意思|抱歉|sorry|oops)$`,
  'i',
);
/** The message without its clauses about the photos; empty when it says nothing else. */
export function withoutPhotoTalk(text: string): string {
  const parts = text.split(/[，,。.!！;；\s]+/).filter(Boolean);
  const kept = parts.filter((p) => !PHOTO_TALK.test(p));
  return kept.length === parts.length ? text : kept.join('，');
}
/** Words about the photo itself ("小票在这", "你看小票吧"): said with a photo, they are no answer to a free-text question. */
export const ABOUT_PHOTO = /小票|票据|签购单|单子|照片|图片|截图|拍|附件|看图|看一下|看下|这张|在这|发你|给你|slip|receipt|photo|picture|image|attached|see /i;
/** The slip's value is the right one: "按小票上的来", "以签购单为准", "小票上的对", "the slip is right". */
export const SLIP_WINS =
  /按照?(?:小票|签购单|单子|票据|票|照片|图片)(?:上)?(?:的|来|为准|写的)|以(?:张单|小票|签购单|单子|票据|照片|图片|图)(?:上面?的?)?(?:这个|那个|这张|写的)?为准|你(?:读|识别|认)(?:的|得)(?:是)?对|照(?:着)?(?:小票|签购单)|(?:小票|签购单|单子|票据|照片)上(?:的|写的)?(?:是)?(?:对的|为准|没错|是对|准|对(?![不吗]))|(?:use|go with|take|trust) (?:the |what'?s on the |whats on the |what is on the )?(?:slip|receipt|photo)|(?:slip|receipt)(?:'s| is| one is)?(?: the)? (?:right|correct)|as (?:on|per) the (?:slip|receipt)/i;
export const CORRECTION = /不对|错了|看反了|改成|改为|应该是|更正|修改|改一下|actually|correction|change|should be|is wrong|was wrong|i meant|i mean(?![a-z])/i;
/**
 * A message that opens as a correction ("不对，金额是1208", "等等 金额说错了 是540"): only such a message is
 * not a free-text answer. The value it corrects may be named before the correction word.
 */
export const CORRECTION_LEAD =
  /^(?:(?:哦|噢|喔|啊|呃|额|哎|诶|欸|嗯|等等|等一下|等下|稍等|oh|oops|wait|hold on|不好意思|抱歉)[\s,，。.!！]*)?(?:(?:(?:刚才|刚刚|前面|之前|上面)(?:那个|的|给的|说的)?)?(?:把)?(?:金额|钱数|日期|凭证号|参考号|终端号|商户号|手机号|电话|卡号后四位|卡号后4位|卡号|尾号|尾数|后四位|后4位|the amount|amount|the date|date)(?:也|我)?[\s,，]*)?(不对|不是|错了|搞错了|写错了|说错了|输错了|打错了|应该是|更正|修改|改一下|更改|sorry|actually|correction|change|no,|is wrong|should be|my bad|i meant)(?![a-z])/i;
/** A correction that names nothing ("不对", "改一下"): the merchant is asked what to change. */
export const BARE_CORRECTION = new RegExp(String.raw`^(不对|不对不对|错了|搞错了|写错了|说错了|输错了|填错了|改一下|我要改|我想改一下|修改|更正|wrong|that's wrong|that is wrong|correction)${END}`, 'i');
/**
 * The merchant did not follow the question and says so, naming nothing else: "啥意思", "没看懂", "你刚才说啥",
 * "再说一遍", "what do you mean". The question is said again with what it is for — not a failed answer,
 * and not a question for the guide.
 */
export const CLARIFY = new RegExp(
  String.raw`^(?:(?:啊|嗯|呃|额|哈|诶|欸|不好意思|sorry)[\s,，。.!！?？]*)?(?:你|您)?(?:刚才|刚刚|上面|前面)?(?:说(?:的)?(?:是)?(?:什么|啥|嘛|乜)|讲(?:的)?(?:是)?(?:什么|啥|乜)|再说一[遍次下]|再讲一[遍次下]|重复一下|(?:我)?没(?:看|听)(?:懂|明白|清楚)|(?:我)?(?:看|听)不(?:懂|明白)|(?:我)?不(?:太)?(?:明白|懂)(?:你的意思|你说的)?|(?:这是)?(?:啥|什么|咩|乜)意思|咩话|乜话|what do you mean|what does that mean|say (?:that |it )?again|(?:can you |could you )?repeat(?: that| it| please)*|come again|pardon|huh|i don'?t (?:understand|get it)|didn'?t (?:get|understand) (?:that|it|you))(?:啊|呀|呢|哦|嘛|捏|吖|啦|please)?[\s。.!！?？~～]*$`,
  'i',
);
export const QUESTION = /[?？]|吗|呢|有啥(?!事)|区别|怎么|如何|什么(?![都也])|为什么|为啥|多久|(?:要|需要|得)几天|几天(?:能|可以|到|审|批|出)|多长时间|啥时候|哪些|多少|能不能|可不可以|是不是|how|what|why|when|which|can i|should i/i;
/**
 * Words that only say yes or "send it", in any order and number: "可以了提交吧", "就这样吧 提交", "没问题了发吧",
 * "提交申请", "ok send it", "yep all good". Longer phrases first, so a word inside one is not taken alone.
 */
const AFFIRMING =
  /核对无误|经?核对(?:过了|好了|了)?|确认送出|送出|递交|啱|係|确认提交|确定提交|帮我提交|提交申请|申请提交|提交|整吧|弄吧|办吧|搞吧|交吧|确认无误|信息无误|无误|确认|確認|确定|確定|没有问题|没问题|沒問題|冇问题|冇問題|没错|都对|对的|对|對|是的|是|可以|好的|好滴|好|行|嗯+|恩+|就这样|这样就行|就这些|齐了|全了|都齐了|发出去|发过去|发吧|发|就这么(?:弄|办|着|定了?)|就按这个|\b(?:ok(?:ay)?|yes|yep|yeah|ya|sure|correct|that'?s right|right|all good|looks good|fine|submit(?: it)?|confirm(?: it)?|confirmed|que\s?ren|send(?: it)?(?: off)?|go ahead|go for it|do it|do the needful|proceed|please|pls|kindly|aye|on (?:ye|you) go|sound|awesome|great|perfect|cool|brilliant|lovely)\b/gi;
/** What may be left around them: spaces, punctuation, particles, "now" ("这回对了 确认" after a correction), courtesy ("麻烦您确认提交吧 谢谢啊", "以上信息核对无误，请予提交", Filipino "po", "salamat"). */
const AFFIRMING_FILLER = /[\s,，、。.!！~～]|\p{Extended_Pictographic}|\uFE0F|宝宝|宝|亲爱的|亲|吧|啊|了|哈|呀|啦|嘛|哦|噢|喇|咯|啰|嘞|哒|谢谢(?:你们|您|你)?|多谢|麻烦(?:您|你)?|(?:以上|上述)(?:信息|内容)?|经核对|核对|请予|圣诞快乐|新年快乐|姑娘|妹子|小妹|美女|老师|师傅|同志|唔该|唔該|多谢晒|\b(?:merry christmas|happy new year|happy holidays|abeg|sawa|asante(?: sana)?|ka|na|krub|khrap|kamsahamnida|gamsahamnida|terima kasih|arigato|arigatou|xie ?xie|cam on|lekker|hey|eh|jazakallah|valeu|obrigad[oa]|perfeito|khob ?khun(?: kha| krub)?|a lot|a million|a bunch|heaps|so much|very much|(?:kindly )?revert(?: back)?(?: if anything(?: else)? is (?:required|needed))?)\b|予以|请|这回|这次|这下|现在|\b(?:thanks|thank you|thx|now|and|then|is|it'?s|that'?s|all|lor|lah|leh|liao|can|po|salamat)\b/gu;

/** The summary confirmed in the merchant's own few words: nothing but yes-words, and no question or "不". */
export function affirmsOnly(text: string): boolean {
  const folded = text.normalize('NFKC').toLowerCase();
  if (/[?？吗不别]|没(?!问题|有问题|错)|\b(?:no|not|don'?t|wait|hold on)\b/i.test(folded)) return false;
  // "嗯嗯" alone is listening, not yet a yes to everything in the summary.
  if (/^[嗯恩\s,，。.!！~～]*$/.test(folded)) return false;
  const stripped = folded.replace(AFFIRMING, '');
  return stripped !== folded && stripped.replace(AFFIRMING_FILLER, '').length === 0;
}


/** A value the merchant gave said to be wrong ("金额说错了 是1380"), not what went wrong at the till ("刷错了金额"). */
export const TYPED_WRONG = /说错|写错|填错|发错|看错|记错|应该是|应为|更正|改成|改为|\b(?:should be|i meant|i said|typo)\b/i;

/** Nothing more to say, in a few words ("就这个", "嗯 就这张", "没了 谢谢", "that's all", "好的好的 那就这样"). */
const NOTHING_MORE = /就(?:这个|这张|这些|这样|这份|这么多|补这个|补那个)|没(?:有)?(?:了|啦)|没(?:啥|什么)(?:了|要说的|说的|补充的)?|莫得|冇(?:嘢|了)|\b(?:that'?s (?:it|all)|nothing(?: else| more)?|no more|no note|all good|done)\b/i;
const NOTHING_MORE_MAX_CHARS = 16;

export function saysNothingMore(text: string): boolean {
  const said = withoutCourtesy(text);
  return affirmsOnly(text) || NO.test(said) || NO_NEED.test(said) || NOTHING_TO_SEND.test(said) || (NOTHING_MORE.test(said) && [...said].length <= NOTHING_MORE_MAX_CHARS);
}

/** What joins the two ends of a range: "12月7日到12月20日", "周一至周五", "from the 7th to the 20th". */
export const RANGE_JOINER = /^\s*(?:(?:开始|起)\s*[，,]?\s*)?(?:(?:先|一直)?(?:停|暂停)?\s*(?:到|至)|一直到|直到|~|～|-|—|–|to|till|until|through|thru)\s*$/i;
/** Not knowing, said as an answer ("not sure yet when we reopen", "不知道什么时候恢复"): no question for the guide. */
const UNSURE = /^(?:i'?m\s+|we'?re\s+)?(?:not sure|unsure|don'?t know|dont know|no idea|not certain)\b|^(?:我|我们)?(?:还)?(?:不确定|不知道|不清楚|说不准|说不好)/i;
/** A question word inside a statement of not knowing ("金额是多少我也不记得了"): an answer, not a question. */
const FORGOT = /(?:不记得|记不得|记不清|忘了|忘记了|想不起来?|不知道|不清楚)(?:了|啦|呀)?[\s。.!！~～]*$/;
/** A question the guide may answer, asked instead of the flow's question. */
export function asksQuestion(text: string): boolean {
  if (!QUESTION.test(text) || UNSURE.test(text.trim()) || FORGOT.test(text.trim())) return false;
  // English with no question mark asks only when a sentence opens with its question word: "she will pay 450
  // again when she comes" tells when, "how do I void it" asks.
  return /[?？\u4e00-\u9fff]/.test(text) || ENGLISH_QUESTION_LEAD.test(text);
}
const ENGLISH_QUESTION_LEAD = /(?:^|[.!;]\s+)(?:(?:ok|okay|so|and|but|then|hi|hello|hey|sorry|also|btw|um+|hmm+|wait|quick question)[,\s]+)*(?:how|what|why|when|which|where|who|can i|can we|should i|should we|can you|could you|do i|do we|do you|is it|is there|are you|will it|does it|am i)\b/i;
/** "为什么要卡号后四位？" / "why do you need my phone?": answered with the slot's `why` when the flow gives one. */
export const WHY = /^(请问)?(为什么|为啥|干嘛|干什么|why)|为什么要|为什么需要|为啥要|why do you need|why is .+ needed|(?:需要|必须|一定要|非要|有必要)[\u4e00-\u9fff]{0,6}(?:吗|么|嘛)[?？]?\s*$|\b(?:do|must) (?:i|we) (?:have|need) to\b|\bis (?:that|this|it) (?:needed|necessary|required)\b/i;
/** A question where any text is an answer (a reason): it must look like one, not merely contain "什么". */
export const PLAIN_QUESTION = /[?？]\s*$|^(为什么|为啥|怎么|如何|什么|请问|能不能|可不可以|why|how|what|when|which|can i|should i|do i)/i;

/**
 * A message the rules answer on their own, with nothing for a language model to read: a bare yes, no,
 * cancel, skip, retry or "不对", a number or a code ("1", "13800138000", "ABCD1234", "¥1280"), one Latin
 * word, or a few words around a number ("凭证号000123", "1280元", "上周五", "顾客退货"). The bot keeps the
 * model call off this fast path.
 */
export function isBareAnswer(text: string): boolean {
  const t = text.trim();
  if (!t) return true;
  if ([YES, NO, CANCEL, YES_CANCEL, SKIP, TRY_AGAIN, BARE_CORRECTION].some((re) => re.test(t))) return true;
  if (/^[a-z0-9_.#-]+$/i.test(t)) return true;
  const words = normalize(t).text.replace(/[\s\d\p{P}\p{S}]/gu, '');
  return [...words].length <= 4;
}
/**
 * The merchant correcting themselves between two values of one message ("前天的 哦不对 是昨天的", "金额50 不对是45",
 * "monday, sorry I mean yesterday", "50, no wait, 45", "6205吧 等下 小票上是6250"): the value after it is the one meant.
 */
export const SELF_CORRECTION =
  /不对|哦不|噢不|喔不|啊不|呃不|不是不是|说错了|说错|口误|搞错了|打错了|写错了|记错了|应该是|更正|(?:等下|等等|等一下)[\s,，]*(?:小票|签购单|单子)上(?:是|写的是|印的是)|\b(?:no wait|wait no|wait,? no|sorry,? i mean|i mean|i meant|correction|actually|no,? sorry|sorry,? no)\b/i;

// ── Courtesy around what a message says ───────────────────────────────────────────────────────────

/** A greeting that opens a message ("你好，", "在吗 ", "hi, "). */
const GREETING_LEAD = /^(?:(?:你好|您好|你们好|在吗|在不在|在么|喂|哈喽|打扰(?:一下|了)|不好意思打扰(?:一下|了)?|(?:hi|hello|hey|hola|bonjour|salam|namaste|g'?day)(?: there)?)(?:[\s,，!！。.~～?？]|\p{Extended_Pictographic})+)+(?=\S)/iu;
/** Thanks and "麻烦了" at the end, after a pause (else "退货太麻烦了" would lose its meaning). */
const THANKS_END = /(?:^|[\s,，、。.!！~～…])(?:谢谢(?:你|您|你们)?(?:了|啦|哈|哦)?|多谢(?:了|啦)?|谢啦|谢了|感谢(?:你|您)?|麻烦(?:你|您|你们)?了|麻烦啦|辛苦(?:你|您|你们)?了|辛苦啦|拜托(?:你|您)?了|拜托啦|(?:给(?:你|您|你们))?添麻烦了|thanks?(?: you)?(?: (?:so|very) much| a lot| a bunch)?(?: anyway)?(?: (?:brother|bro|sister|sis|boss|sir|madam|ma'am|my friend|friend|dear))?|thx|tks|cheers|gracias|merci|danke|obrigad[oa]|arigato|shukran|spasibo|please|pls|plz)$/i;
/** Hurry or a sigh after the answer ("确认 快点", "CONFIRM. Please hurry.", "Confirm. Marvellous."): no more said. */
const HURRY_END = /(?:^|[\s,，、。.!！~～…])(?:快点儿?|快快|赶紧的?|麻利点|(?:please\s+)?hurry(?:\s+up)?|asap|quickly|marvell?ous|brilliant|wonderful|lovely)$/i;
/** 谢谢 needs no pause before it ("确认谢谢"). */
const THANKS_JOINED = /(?<=[\u4e00-\u9fff])谢谢(?:你|您|了|啦)?$/;
/** Marks and emoji that end a message (a question mark says something and stays). */
const END_MARKS = /(?:[\s,，、。.!！~～…]|\p{Extended_Pictographic}|\uFE0F|\u200D)+$/u;
/** A particle that only softens ("确认啊", "没有哈", "对呀"), after a word; in English after a space: Singlish
 * "ok thanks ah", "submit lah", Filipino "yes po". */
const SOFTENER_END = /(?<=[\u4e00-\u9fffa-z0-9])[啊呀哈哦噢喔啦]$|(?<=[a-z0-9][\s,]+)(?:ah|lah|leh|lor|po)$/i;

/** An acknowledgement or a filler word that opens an answer ("嗯 13800138000", "好的，跳过", "那个 确认", "ok submit"). */
// …and as regions say it: 妥了 / 中 / 得嘞 (north), 要得 (Sichuan), 得 (Cantonese).
const ACK_LEAD = /^(?:(?:嗯+|嗯嗯|哦+|噢|喔|好的|好滴|好嘞|行|妥了|妥妥的|得嘞|那个|就是|呃|额|ok|okay|um+|uh|hmm+|alright|sure|right|well)(?:[\s,，、!！。.~～]|\p{Extended_Pictographic})+)+(?=\S)/iu;

/** Thanks, emoji, softening particles and marks taken off the end, until none is left there. */
function withoutCourtesyAtEnd(text: string, softeners: boolean): string {
  let out = text;
  for (let before = ''; before !== out; ) {
    before = out;
    out = out.replace(END_MARKS, '').replace(THANKS_END, '').replace(THANKS_JOINED, '').replace(HURRY_END, '');
    if (softeners) out = out.replace(SOFTENER_END, '');
  }
  return out;
}

// (A particle left alone says nothing: "ok lah" is "ok".)
const saysSomething = (text: string): boolean => /[\p{L}\p{N}]/u.test(text) && !/^\s*(?:ah|lah|leh|lor|po)\s*$/i.test(text);

/**
 * The message without the courtesy around it: a greeting and an acknowledgement or filler at the start,
 * thanks, emoji, softening particles and trailing marks at the end ("你好，确认提交 谢谢🙏" → "确认提交",
 * "嗯 没有哈。。。" → "没有", "那个 确认" → "确认"). Merchants wrap answers this way, and the answer is what
 * the flow reads. An acknowledgement that is the whole answer stays ("好的 谢谢" → "好的"), and a message
 * that is nothing but courtesy ("谢谢") is kept as it is. `softeners: false` keeps the final particle: in a
 * question it may be what asks ("我嘅退款申請點樣呀").
 */
export function withoutCourtesy(text: string, opts: { softeners?: boolean } = {}): string {
  const softeners = opts.softeners ?? true;
  const greeted = text.trim().replace(GREETING_LEAD, '');
  const core = withoutCourtesyAtEnd(greeted.replace(ACK_LEAD, ''), softeners);
  if (saysSomething(core)) return core;
  const acknowledged = withoutCourtesyAtEnd(greeted, softeners);
  return saysSomething(acknowledged) ? acknowledged : text;
}

/**
 * Full-width digits and Latin letters (an input method in full-width mode: "１３８…", "ＣＸ") as ASCII, one
 * character for one, so that positions stay; full-width punctuation stays as it is, but for the dash and the
 * point between digits ("ＣＸ－２０２６１２０３－０００１", "１５８０．００").
 */
export function halfWidth(text: string): string {
  return text.replace(/[０-９Ａ-Ｚａ-ｚ－．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}
