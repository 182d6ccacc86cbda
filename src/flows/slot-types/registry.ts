/** Every slot type by name (DESIGN.md, "Flows": slot types live in code; flow files refer to them by name). */
import { amountType } from './amount.js';
import { attachmentsType } from './attachments.js';
import { CODE_TYPES } from './codes.js';
import { dateType } from './date.js';
import { enumType } from './enum.js';
import { phoneType } from './phone.js';
import { textType } from './text.js';
import { ticketType } from './ticket.js';
import type { SlotType } from './types.js';

export const SLOT_TYPES: Record<string, SlotType> = Object.freeze({
  merchant_id: CODE_TYPES.merchant_id,
  terminal_id: CODE_TYPES.terminal_id,
  batch_no: CODE_TYPES.batch_no,
  voucher_no: CODE_TYPES.voucher_no,
  reference_no: CODE_TYPES.reference_no,
  auth_code: CODE_TYPES.auth_code,
  card_last4: CODE_TYPES.card_last4,
  date: dateType,
  amount: amountType,
  phone: phoneType,
  enum: enumType,
  text: textType,
  ticket: ticketType,
  attachments: attachmentsType,
}) as Record<string, SlotType>;
