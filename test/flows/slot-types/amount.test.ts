import { describe, expect, it } from 'vitest';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { ctx, expectInvalid, expectValid, spans } from './helpers.js';

const amount = SLOT_TYPES.amount!;

describe('amount: parse', () => {
  it.each([
    ['1280', 128000, '¥1,280.00'],
    ['1280元', 128000, '¥1,280.00'],
    ['1,280.00', 128000, '¥1,280.00'],
    ['¥1280', 128000, '¥1,280.00'],
    ['￥1280.5', 128050, '¥1,280.50'],
    ['1280.05', 128005, '¥1,280.05'],
    ['1280块', 128000, '¥1,280.00'],
    ['1280块钱', 128000, '¥1,280.00'],
    ['650蚊', 65000, '¥650.00'],
    ['1280塊', 128000, '¥1,280.00'],
    ['1280块5', 128050, '¥1,280.50'],
    ['1280元5角6分', 128056, '¥1,280.56'],
    ['1280元零5分', 128005, '¥1,280.05'],
    ['12.8万', 12800000, '¥128,000.00'],
    ['1.28万元', 1280000, '¥12,800.00'],
    ['1万5', 1500000, '¥15,000.00'],
    ['一千二百八十元', 128000, '¥1,280.00'],
    ['两千五', 250000, '¥2,500.00'],
    ['一万零五十', 1005000, '¥10,050.00'],
    ['三百块', 30000, '¥300.00'],
    ['三百块五', 30050, '¥300.50'],
    ['一百二十八元五角', 12850, '¥128.50'],
    ['五十块五毛', 5050, '¥50.50'],
    ['十五元', 1500, '¥15.00'],
    ['壹仟贰佰捌拾元整', 128000, '¥1,280.00'],
    ['一亿', 10000000000, '¥100,000,000.00'],
    ['RMB 1280', 128000, '¥1,280.00'],
    ['rmb1280', 128000, '¥1,280.00'],
    ['1280 yuan', 128000, '¥1,280.00'],
    ['１２８０元', 128000, '¥1,280.00'],
    ['1,234,567.89', 123456789, '¥1,234,567.89'],
    ['1280.10', 128010, '¥1,280.10'],
    ['1280.500', 128050, '¥1,280.50'], // trailing zeros are not extra precision
    ['金额是1280', 128000, '¥1,280.00'],
    ['大概两千五吧', 250000, '¥2,500.00'],
    ['1280左右', 128000, '¥1,280.00'],
    ['刷了1280元，卡是工行的', 128000, '¥1,280.00'],
    ['在3号店刷的1280', 128000, '¥1,280.00'], // the 3 of 3号店 is not a second amount
    ['0.01', 1, '¥0.01'],
  ])('%j → %i fen', (text, fen, display) => {
    expectValid(amount.parse(text, ctx()), fen, display);
  });

  it('refuses zero and negative amounts', () => {
    expectInvalid(amount.parse('0', ctx()), 'amount.zero', '金额必须大于0。', 'The amount must be greater than 0.');
    expectInvalid(amount.parse('0.00元', ctx()), 'amount.zero');
    expectInvalid(amount.parse('零元', ctx()), 'amount.zero');
    expectInvalid(amount.parse('-1280', ctx()), 'amount.negative', '金额不能是负数。', 'The amount cannot be negative.');
    expectInvalid(amount.parse('负50元', ctx()), 'amount.negative');
    expectInvalid(amount.parse('−¥5', ctx()), 'amount.negative');
  });

  it('refuses more than two decimal places, saying how many were typed', () => {
    expectInvalid(
      amount.parse('1280.123', ctx()),
      'amount.decimals',
      '金额最多两位小数（精确到分），您输入了3位小数。',
      'The amount can have at most 2 decimal places (fen); you entered 3.',
    );
    expectInvalid(amount.parse('¥0.0005', ctx()), 'amount.decimals');
    expectValid(amount.parse('1.23456万', ctx()), 1234560); // 12345.60: the 万 moves the point
  });

  it('refuses more than options.maxAmount (in yuan), naming both amounts', () => {
    expectInvalid(
      amount.parse('60000', ctx({ maxAmount: 50000 })),
      'amount.too_large',
      '金额不能超过¥50,000.00，您输入的是¥60,000.00。',
      'The amount cannot exceed ¥50,000.00; you entered ¥60,000.00.',
    );
    expectValid(amount.parse('50000', ctx({ maxAmount: 50000 })), 5000000);
    expectInvalid(amount.parse('2亿', ctx()), 'amount.too_large'); // a sanity limit without the option
  });

  it('says when there is no amount, or more than one', () => {
    expectInvalid(
      amount.parse('不清楚', ctx()),
      'amount.unrecognized',
      '没有识别出金额。请输入数字金额，例如“1280”或“1280.50元”。',
      `I couldn't read an amount. Please write a number such as "1280" or "1280.50".`,
    );
    expectInvalid(amount.parse('', ctx()), 'amount.unrecognized');
    expectInvalid(amount.parse('一下', ctx()), 'amount.unrecognized');
    // The amount it was not is no second amount.
    expect(amount.parse('这笔是1580不是158', ctx())).toMatchObject({ ok: true, value: 158000 });
    // Money is never written with leading zeros: "000119" is a voucher number.
    expectInvalid(amount.parse('000119', ctx()), 'amount.unrecognized');
    expectInvalid(amount.parse('十分感谢', ctx()), 'amount.unrecognized');
    expectInvalid(
      amount.parse('1280元还是1208元', ctx()),
      'amount.multiple',
      '您发送了不止一个金额（¥1,280.00、¥1,208.00），请只发送一个。',
      'Your message has more than one amount (¥1,280.00, ¥1,208.00); please send only one.',
    );
  });
});

describe('amount: a sale named by its amount, or given right after its day', () => {
  it.each([
    ['今天上午一笔350的刷多了，顾客要退钱', [[35000, '350']]],
    ['前天那笔九百九的，顾客要退', [[99000, '九百九']]],
    ['这单88的刷错了', [[8800, '88']]],
    // A sale done by mistake ("刷错了"), not one keyed as another amount ("按成了").
    ['金额48 刷错了', [[4800, '48']]],
    ['昨天的 48块 输错了', [[4800, '48块']]],
    ['3 days ago, 2,000', [[200000, '2,000']]],
    ['yesterday 560', [[56000, '560']]],
    // A currency names it money even after a word that labels numbers ("order").
    ['charged twice for the same coffee order 86 yuan each pls void one', [[8600, '86 yuan']]],
  ])('%j', (text, expected) => {
    expect(spans(amount, text)).toEqual(expected);
  });

  it.each(['这笔12345678终端', '一笔一笔的', '退一比给他', '那笔2026年的', '那笔3号店的', '订单号 1280', '订单号123456元'])('%j has no amount', (text) => {
    expect(spans(amount, text)).toEqual([]);
  });
});

describe('amount: the one unlabelled number of a message about a sale', () => {
  it.each([
    ['前天卖了双鞋 459 顾客穿着不合脚要退', [[45900, '459']]],
    ['今天上午，一千零八十，刷错了要撤', [[108000, '一千零八十']]],
    ['昨天刷的那笔是七百二，退给客人', [[72000, '七百二']]],
    ['refund the 680 from last friday please', [[68000, '680']]],
    ['void 45.50 from this morning', [[4550, '45.50']]],
    ['昨天有笔两千出头的，2080，顾客退货', [[208000, '2080']]],
    ['顾客刷了两笔各120，多了一笔，要退120', [[12000, '120'], [12000, '120']]],
  ])('%j', (text, expected) => {
    expect(spans(amount, text)).toEqual(expected);
  });

  it.each([
    '120 还是 150 记不清了，昨天的，要退', // two numbers, nothing says which
    '大概1200左右吧 前天的', // about, not the amount to file
    '三百多块 前天的 要退',
    '今天来了50个顾客', // a count
  ])('nothing in %j', (text) => {
    expect(spans(amount, text)).toEqual([]);
  });

  it('a count of nights or rooms is no amount; a fee or deposit named before a number makes it one', () => {
    expect(amount.extract('1805房的客人12月3号刷的三晚房费1,760，行程取消不住了', ctx()).map((f) => f.display)).toEqual(['¥1,760.00']);
    expect(amount.extract('押金2000 客人退房了', ctx()).map((f) => f.display)).toEqual(['¥2,000.00']);
    expect(amount.extract('昨天刷了1280晚上打烊前', ctx()).map((f) => f.display)).toEqual(['¥1,280.00']);
  });

  it('a day written 12/3 is no amount, nor is what was said too little ("少说了五十")', () => {
    expect(amount.extract('12/3 那天有笔一千二的，顾客退货', ctx()).map((f) => f.display)).toEqual(['¥1,200.00']);
    expect(amount.extract('刷的是一千二百五，少说了五十', ctx()).map((f) => f.display)).toEqual(['¥1,250.00']);
  });

  it('a numeral does not take the 一 of the word after it ("两千零五十一模一样")', () => {
    expect(amount.extract('刷了两次两千零五十一模一样的两笔', ctx()).map((f) => f.display)).toEqual(['¥2,050.00']);
    expect(amount.extract('两千零五十一块', ctx()).map((f) => f.display)).toEqual(['¥2,051.00']);
  });

  it('fills an empty amount but never changes one the merchant gave', () => {
    const [found] = amount.extract('对了，那笔其实是两百八的，日期是前天', ctx());
    expect(found).toMatchObject({ value: 28000, guessed: true });
    expect(amount.extract('那笔其实是280元', ctx())[0]?.guessed).toBeUndefined();
  });
});

describe('amount: extract (needs a currency marker or an amount word)', () => {
  it.each([
    ['昨天下午在3号店刷了1280元，凭证号000123，想撤销', [[128000, '1280元']]],
    ['商户号 123456789012345 终端号 12345678 参考号 123456789012 金额一千二百八十元', [[128000, '一千二百八十元']]],
    ['MID:123456789012345, TID: A1B2C3D4, ref 123456789012, 2026-11-20, ¥1,208.00', [[120800, '¥1,208.00']]],
    ['刷了1280', [[128000, '1280']]],
    ['消费了两千五，想退', [[250000, '两千五']]],
    ['收款 ￥88.50', [[8850, '￥88.50']]],
    ['交易金额：1,280.00', [[128000, '1,280.00']]],
    ['一共12.8万', [[12800000, '12.8万']]],
    ['RMB 1280 was charged', [[128000, 'RMB 1280']]],
    ['the amount is 1280', [[128000, '1280']]],
    ['退1280 yuan', [[128000, '1280 yuan']]],
    ['三百块的那笔', [[30000, '三百块']]],
    ['1280块5，昨天的', [[128050, '1280块5']]],
    ['大前天三百八十八块五那笔', [[38850, '三百八十八块五']]],
    ['388块5的那笔', [[38850, '388块5']]],
    // Right after the day of the sale, or after what was overcharged: the amount, without a marker.
    ['866607855624255 47915443 昨天 1280 743433 退款', [[128000, '1280']]],
    ['前天的，560，顾客退货', [[56000, '560']]],
    ['need to reverse a sale from this morning, 2,450. we already settled', [[245000, '2,450']]],
    ['刚才的，468，刷重复了', [[46800, '468']]],
    ['刷了两次，多扣了人家2380，帮我把多的那笔退掉', [[238000, '2380']]],
    // What was charged, not what the sale should have been.
    ['收银员把68块打成了680', [[68000, '680']]],
    ['本来是158元，刷成1580了', [[158000, '1580']]],
    ['本来100元按错成了1000元', [[100000, '1000元']]],
    ['my cashier keyed 1200 instead of 120', [[120000, '1200']]],
    ['my cashier rang up 45 as 450 yesterday', [[45000, '450']]],
    ['one customer eat noodle, must pay 85 yuan but my staff press 850', [[85000, '850']]],
    // 一 counting times or things ("穿了一回", "一双") is no amount.
    ['退一双轮滑鞋 前天卖的 899 小孩穿了一回前轮就掉了', [[89900, '899']]],
    ['四天前有家公司付了一批合同的翻译费 3200 刷卡', [[320000, '3200']]],
    ['one customer order chicken and beer, 156 yuan. My part time staff make mistake, card pay 1,560.', [[156000, '1,560']]],
    ['this morning a lady paid 36 yuan for a cake but the machine charged 360', [[36000, '360']]],
    ['this morning we keyed in 120 as 1200', [[120000, '1200']]],
    // Said to have been charged instead, it wins over the overcharge ("多扣了一千").
    ['客人的卡被我多扣了一千，本来100按成了1100，昨天的', [[110000, '1100']]],
    // A count of swipes before the amount: "刷了两遍520".
    ['收银员手抖刷了两遍520，前天的事', [[52000, '520']]],
    ['customer paid 1.2k yesterday, wants it back', [[120000, '1.2k']]],
    ['刷了2k，顾客要退', [[200000, '2k']]],
  ])('%j', (text, expected) => {
    expect(spans(amount, text)).toEqual(expected);
  });

  it.each([
    '在3号店刷的',
    '下午3点刷的',
    '凭证号000123',
    '参考号123456789012',
    '电话13800138000',
    '2026-11-20',
    '11.20那天',
    '刷了3次',
    '客人的卡刷了两回', // a count: how many times, not how much
    '刷了两遍都不行',
    'the 5kg bag', // k only as thousands, not kg
    // How much too much was taken is no sale's amount (unless the sale was charged twice, above).
    '多收了客人100 昨天的 要退',
    '昨天多扣了顾客50块，要退回去',
    'overcharged the customer by 30 yesterday, refund',
    '第2笔',
    '1280', // no marker, no amount word: could be anything
    '昨天 10203040', // eight digits after the day are a terminal ID, not an amount
    '昨天3点',
    '我们一块儿去',
    '万一刷错了',
    '千万别撤销',
    '十分感谢',
    '金额0元', // invalid values are not reported
    '刷了1280.123元',
  ])('nothing in %j', (text) => {
    expect(spans(amount, text)).toEqual([]);
  });

  it('"刷了两道 每道都是两百八" (Sichuan 道 for times): the amount of each', () => {
    expect(spans(amount, '昨天有个客人在我们店头刷了两道 每道都是两百八 多扣了人家一道 麻烦帮我退一道嘛')).toEqual([[28000, '两百八']]);
  });

  it('"128块，刷卡的时候多按了个0变成1280了": the amount charged', () => {
    expect(spans(amount, '卖了一箱车厘子128块，刷卡的时候多按了个0变成1280了，人家顾客不干了').map(([v]) => v)).toEqual([128000]);
  });

  it('drops amounts over maxAmount', () => {
    expect(spans(amount, '刷了6万元', ctx({ maxAmount: 50000 }))).toEqual([]);
  });
});
