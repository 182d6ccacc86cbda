/**
 * A merchant ID sent on its own with nothing under way ("818830151142296", "商户号 8188…"): no question for
 * the guide. It is kept for the request that follows, and the merchant is asked what it is for.
 */
import { t } from '../../i18n/messages.js';
import { joinDigitGroups, normalize } from '../../flows/slot-types/normalize.js';
import type { TurnStep } from '../turn.js';

const MERCHANT_ID_ALONE = /^(?:(?:我的?|我们的?)?(?:商户(?:编号|号码?|编码)?|商编|mid|merchant(?:\s+(?:id|no\.?|number))?)\s*(?:是|为|:|：)?\s*)?(\d{15})[\s。.!！,，]*$/i;

export const merchantIdAlone: TurnStep = async ({ context, conversation, text, locale }, kit) => {
  if (!kit.options.flows || conversation.flow) return false;
  // Typed in groups ("8271 0359 4662 018"), it is still one number.
  const id = MERCHANT_ID_ALONE.exec(joinDigitGroups(normalize(text.trim()).text))?.[1];
  if (!id) return false;
  conversation.merchantId = id;
  delete conversation.offer;
  const options = [t(locale, 'actionStartCancel'), t(locale, 'actionCheckStatus'), t(locale, 'actionSupplement'), t(locale, 'actionStartSuspend')];
  await context.sendActivity(kit.withActions(context, t(locale, 'merchantIdAlone', { id }), options));
  return true;
};
