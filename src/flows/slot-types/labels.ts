/**
 * The words merchants write next to the numbers on a sales slip (签购单), per slot type. Extraction uses
 * them to tell a 6-digit 凭证号 from a 6-digit 批次号, and the other types use them to leave labelled
 * identifiers alone (the 000123 of "凭证号000123" is not an amount).
 *
 * Patterns run on normalised text (normalize.ts: full-width → ASCII) with the `i` flag. ASCII words are
 * fenced by `(?<![a-z])…(?![a-z])` so that "ref" does not match inside "refund".
 */

const W = (p: string): string => `(?<![a-z])(?:${p})(?![a-z])`;

/** Label words per identifier type, longest alternatives first. */
export const ID_LABELS = {
  merchant_id: `商户编号|商户号码|商户代码|商户号|商户ID|商户id|商户|${W('mid|merchant(?:\\s*(?:id|no\\.?|number|#))?')}`,
  // "前台那台是47720951": a shop with two terminals names the one it means.
  terminal_id: `终端编号|终端号码|终端代码|终端号|终端ID|终端id|终端|机器号|机身号|(?:[这那]|另一|另外一)台(?:机器|机子|终端|pos机?)?(?:的号码?)?|${W('tid|terminal(?:\\s*(?:id|no\\.?|number|#))?')}`,
  batch_no: `批次号码|批次号|批次|${W('batch\\s*(?:no\\.?|number|#)?')}`,
  voucher_no: `凭证号码|凭证编号|凭证号|凭证|流水号|票据号|${W('voucher\\s*(?:no\\.?|number|#)?|trace\\s*(?:no\\.?|number|#)?')}`,
  reference_no: `检索参考号|系统参考号|参考号码|参考号|${W('rrn|ref(?:erence)?\\s*(?:no\\.?|number|#)?')}`,
  auth_code: `授权码|授权号|${W('auth(?:ori[sz]ation)?\\s*(?:code|no\\.?|number|#)?|approval\\s*code')}`,
  card_last4: `卡号后四位|卡号后4位|卡号末四位|卡号末4位|卡号尾号|卡号尾数|卡尾号|卡尾数|卡尾|(?<!手机|电话|手机号|订单|单号|账号|号码)尾号|后四位|后4位|末四位|末4位|${W(
    'last\\s*(?:4|four)(?:\\s*digits)?(?:\\s*of\\s*(?:the\\s*)?card)?|card\\s*(?:ending|ends?)(?:\\s*in|\\s*with)?|(?:ending|ends?)\\s*(?:in|with)',
  )}`,
} as const;

export type IdType = keyof typeof ID_LABELS;

/**
 * What may stand between a label and its value: spaces, ':', '=', '#', '是'/'为', 'is'/'are'/'was', 'no.', a short
 * bracketed gloss ("参考号(RRN): …"), or the verb of a correction ("电话改成…", "凭证号应该是…").
 */
export const FILLER = `(?:\\s|[:=#]|(?:他|她|客人|顾客|人家)说|是|系|係|为|改成|改为|换成|更正为|更改为|修改为|应该|应|${W('is|are|was|no\\.?')}|\\([a-z ]{1,12}\\))*`;

/** Words that label a mobile number. */
export const PHONE_LABELS = `手机号码|手机号|手机|电话号码|电话|联系电话|联系方式|${W('phone|tel|mobile|cell')}`;

/** Words that are not slot types but also claim the number after them. */
const OTHER_LABELS = `订单号|单号|编号|${W('order\\s*(?:no\\.?|number|#)?')}`;

type Owner = IdType | 'phone' | 'other';

/** "卡号" alone labels a (masked) card number: it belongs with `card_last4` when deciding whose number it is. */
const BEFORE: Record<Owner, string> = {
  ...ID_LABELS,
  card_last4: `${ID_LABELS.card_last4}|卡号|${W('card\\s*(?:no\\.?|number|#)?')}`,
  phone: PHONE_LABELS,
  other: OTHER_LABELS,
};

const beforeCache = new Map<string, RegExp>();

function beforePattern(except: Owner | undefined): RegExp {
  const key = except ?? '';
  let re = beforeCache.get(key);
  if (re === undefined) {
    const alternatives = Object.entries(BEFORE)
      .filter(([type]) => type !== except)
      .map(([, p]) => p);
    re = new RegExp(`(?:${alternatives.join('|')})${FILLER}$`, 'i');
    beforeCache.set(key, re);
  }
  return re;
}

/**
 * Whether the text just before `index` (normalised text) ends with an identifier label — the "凭证号" of
 * "凭证号000123", the "MID:" of "MID:123…", a "手机" — other than the labels of `except` (a type's own).
 */
export function idLabelBefore(text: string, index: number, except?: Owner): boolean {
  return beforePattern(except).test(text.slice(Math.max(0, index - 40), index));
}
