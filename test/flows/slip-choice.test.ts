/** Which of two slips a message points at by when the sale was swiped (src/flows/slip-choice.ts). */
import { describe, expect, it } from 'vitest';
import { pickSlip, SLIP_TIME } from '../../src/flows/slip-choice.js';

const morning = [{ voucher_no: '300511', [SLIP_TIME]: '09:12:44' }, { voucher_no: '300512', [SLIP_TIME]: '09:13:20' }];
const afternoon = [{ voucher_no: '239053', [SLIP_TIME]: '16:07:29' }, { voucher_no: '239052', [SLIP_TIME]: '16:06:11' }];

describe('pickSlip', () => {
  it('by the clock time, with or without minutes, in the afternoon or pm', () => {
    expect(pickSlip('对 是9点13那张', morning)?.index).toBe(1);
    expect(pickSlip('9:12 的那张', morning)?.index).toBe(0);
    expect(pickSlip('退第二张，下午4点07那笔', afternoon)?.index).toBe(0);
    expect(pickSlip('the 4:06 pm one', afternoon)?.index).toBe(1);
    // Said in Chinese numerals, and without saying which half of the day ("九点零六分" of a slip printed 21:06).
    expect(pickSlip('退后面刷的那笔 九点零六分那张', [{ voucher_no: '1', [SLIP_TIME]: '21:05:40' }, { voucher_no: '2', [SLIP_TIME]: '21:06:52' }])?.index).toBe(1);
    expect(pickSlip('十二点半那张', morning)).toBeUndefined();
    // The hour alone fits both: no choice.
    expect(pickSlip('9点那张', morning)).toBeUndefined();
    // A time neither slip shows.
    expect(pickSlip('10点05那张', morning)).toBeUndefined();
  });

  it('by order in time, whatever order the photos came in', () => {
    expect(pickSlip('退后面那笔就行', afternoon)?.index).toBe(0);
    expect(pickSlip('前面那笔不用管', afternoon)?.index).toBe(1);
    expect(pickSlip('refund the second one', morning)?.index).toBe(1);
    expect(pickSlip('the earlier one please', morning)?.index).toBe(0);
    // Both said: no choice. No times printed: in the order the photos came ("pls refund the 2nd one").
    expect(pickSlip('前面那笔还是后面那笔', morning)).toBeUndefined();
    expect(pickSlip('both slips here, pls refund the 2nd one, the first is correct', [{ voucher_no: '1' }, { voucher_no: '2' }])?.index).toBe(1);
    expect(pickSlip('退后面刷的那笔', afternoon)?.index).toBe(0);
  });

  it('by the amount pointed at, of two different sales', () => {
    const tiles = [{ amount: '1180.00', [SLIP_TIME]: '10:02:11' }, { amount: '3180.00', [SLIP_TIME]: '15:40:09' }];
    expect(pickSlip('一回只能弄一笔的话 先弄3180那张 1180的我回头再单独弄', tiles)?.index).toBe(1);
    expect(pickSlip('the 1180 one first', tiles)?.index).toBe(0);
    // An amount neither slip shows, or one inside a longer number, points at none.
    expect(pickSlip('2180那张', tiles)).toBeUndefined();
    expect(pickSlip('13180那张', tiles)).toBeUndefined();
  });

  it('blanks the words that chose, so the rest can be read on', () => {
    const picked = pickSlip('是9点13那张 电话13800138000', morning)!;
    expect(picked.rest).toContain('13800138000');
    expect(picked.rest).not.toContain('9点13');
  });
});
