import { describe, expect, it } from 'vitest';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { ctx } from './helpers.js';

/** Every value every type finds in one message, as { type: [[value, text of the span]] }. */
function extractAll(text: string): Record<string, [unknown, string][]> {
  const out: Record<string, [unknown, string][]> = {};
  for (const [name, type] of Object.entries(SLOT_TYPES)) {
    const found = type.extract(text, ctx());
    if (found.length > 0) out[name] = found.map((f) => [f.value, text.slice(f.start, f.end)]);
  }
  return out;
}

describe('several slots from one message (and nothing else)', () => {
  it.each([
    [
      '昨天下午在3号店刷了1280元，凭证号000123，想撤销',
      { date: [['2026-11-24', '昨天']], amount: [[128000, '1280元']], voucher_no: [['000123', '000123']] },
    ],
    [
      '商户号 123456789012345 终端号 12345678 参考号 123456789012 金额一千二百八十元',
      {
        merchant_id: [['123456789012345', '123456789012345']],
        terminal_id: [['12345678', '12345678']],
        reference_no: [['123456789012', '123456789012']],
        amount: [[128000, '一千二百八十元']],
      },
    ],
    [
      'MID:123456789012345, TID: A1B2C3D4, ref 123456789012, 2026-11-20, ¥1,208.00',
      {
        merchant_id: [['123456789012345', '123456789012345']],
        terminal_id: [['A1B2C3D4', 'A1B2C3D4']],
        reference_no: [['123456789012', '123456789012']],
        date: [['2026-11-20', '2026-11-20']],
        amount: [[120800, '¥1,208.00']],
      },
    ],
    [
      '商户编号：１２３４５６７８９０１２３４５，终端编号：８７６５４３２１，批次号000001，凭证号000123，上周五刷的两千五，卡号尾号6789，联系电话138-0013-8000',
      {
        merchant_id: [['123456789012345', '１２３４５６７８９０１２３４５']],
        terminal_id: [['87654321', '８７６５４３２１']],
        batch_no: [['000001', '000001']],
        voucher_no: [['000123', '000123']],
        date: [['2026-11-20', '上周五']],
        amount: [[250000, '两千五']],
        card_last4: [['6789', '6789']],
        phone: [['13800138000', '138-0013-8000']],
      },
    ],
    [
      'Refund please: 20 Nov, RMB 1280, trace no. 000123, auth code 12AB34, card ending 4321',
      {
        date: [['2026-11-20', '20 Nov']],
        amount: [[128000, 'RMB 1280']],
        voucher_no: [['000123', '000123']],
        auth_code: [['12AB34', '12AB34']],
        card_last4: [['4321', '4321']],
      },
    ],
    [
      '11月20号下午3点在2号收银台刷了3笔，其中一笔1,280.50元要退，参考号是 1234 5678 9012',
      {
        date: [['2026-11-20', '11月20号']],
        amount: [[128050, '1,280.50元']],
        reference_no: [['123456789012', '1234 5678 9012']],
      },
    ],
    [
      '卡号622202*********0128刷了12.8万，想撤销',
      { card_last4: [['0128', '622202*********0128']], amount: [[12800000, '12.8万']] },
    ],
    ['你好，请问怎么撤销交易？', {}],
    ['我的店在3号楼，电话打不通，已经等了3天了', {}],
  ])('%j', (text, expected) => {
    expect(extractAll(text)).toEqual(expected);
  });
});
