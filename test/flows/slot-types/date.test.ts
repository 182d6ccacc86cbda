import { afterEach, describe, expect, it } from 'vitest';
import { SLOT_TYPES } from '../../../src/flows/slot-types/types.js';
import { durationIn } from '../../../src/flows/slot-types/date.js';
import { ctx, expectInvalid, expectValid, spans } from './helpers.js';

const date = SLOT_TYPES.date!;
// NOW (helpers.ts) is Wednesday 2026-11-25 in Shanghai; this week's Monday is 11-23.

describe('date: parse', () => {
  it.each([
    ['今天', '2026-11-25'],
    ['昨天', '2026-11-24'],
    ['yday', '2026-11-24'],
    ['yest', '2026-11-24'],
    ['yesterdy', '2026-11-24'],
    // One typo in a long word.
    ['yestreday', '2026-11-24'],
    ['yesturday', '2026-11-24'],
    ['前天', '2026-11-23'],
    ['大前天', '2026-11-22'],
    // Northern 后儿个 is 后天 (future days are refused in parse by default: read in extract below).
    // A month and a half ago, as 45 days; weeks and months ago in English.
    ['一个半月前', '2026-10-11'],
    ['one and half month ago', '2026-10-11'],
    ['a month and a half ago', '2026-10-11'],
    ['2 weeks ago', '2026-11-11'],
    // The night before: 昨晚 (last night), 前晚
    ['昨晚上', '2026-11-24'],
    ['前晚', '2026-11-23'],
    // Cantonese, in either script
    ['前日', '2026-11-23'],
    ['尋日', '2026-11-24'],
    ['琴日', '2026-11-24'],
    ['上周五', '2026-11-20'],
    ['上周5', '2026-11-20'],
    ['上个星期五', '2026-11-20'],
    ['上礼拜五', '2026-11-20'],
    // 礼拜 and 星期 as a pinyin keyboard offers them first (里拜, 星其)
    ['上里拜五', '2026-11-20'],
    ['上个星其五', '2026-11-20'],
    ['上上周一', '2026-11-09'],
    ['这周一', '2026-11-23'],
    ['本周三', '2026-11-25'],
    ['这个星期二', '2026-11-24'],
    ['周一', '2026-11-23'],
    ['周五', '2026-11-20'], // alone: the most recent Friday
    ['星期天', '2026-11-22'],
    ['11月20日', '2026-11-20'],
    ['11月20号', '2026-11-20'],
    ['11月20', '2026-11-20'],
    ['十一月二十日', '2026-11-20'],
    ['11-20', '2026-11-20'],
    ['11.20', '2026-11-20'],
    ['11/20', '2026-11-20'],
    ['１１月２０日', '2026-11-20'],
    ['1月5日', '2026-01-05'],
    ['12月20日', '2025-12-20'], // this year's would be in the future: last year
    ['11月26日', '2025-11-26'],
    ['2026-11-20', '2026-11-20'],
    ['2026年11月20日', '2026-11-20'],
    ['2026年11月20号', '2026-11-20'],
    ['2026/11/20', '2026-11-20'],
    ['2026.11.20', '2026-11-20'],
    ['20261120', '2026-11-20'],
    ['二〇二六年十一月二十日', '2026-11-20'],
    ['26年11月20日', '2026-11-20'],
    ['3天前', '2026-11-22'],
    ['三天前', '2026-11-22'],
    ['3日前', '2026-11-22'],
    ['两天之前', '2026-11-23'],
    ['20号', '2026-11-20'],
    ['26号', '2026-10-26'], // this month's 26th is tomorrow: last month
    ['上个月20号', '2026-10-20'],
    ['去年12月30号', '2025-12-30'],
    ['今年3月1日', '2026-03-01'],
    ['前年十二月一日', '2024-12-01'],
    ['today', '2026-11-25'],
    ['Yesterday', '2026-11-24'],
    ['the day before yesterday', '2026-11-23'],
    ['last Friday', '2026-11-20'],
    ['last Monday', '2026-11-23'], // the most recent Monday before today
    ['last Wednesday', '2026-11-18'],
    ['Friday', '2026-11-20'],
    ['this Monday', '2026-11-23'],
    ['Nov 20', '2026-11-20'],
    ['20 Nov', '2026-11-20'],
    ['November 20th', '2026-11-20'],
    ['Nov. 20, 2026', '2026-11-20'],
    ['20th of November 2026', '2026-11-20'],
    ['3 days ago', '2026-11-22'],
    ['是昨天下午', '2026-11-24'],
    ['应该是11月20号那天吧', '2026-11-20'],
    ['昨天，也就是11月24日', '2026-11-24'], // the same day twice is one answer
  ])('%j → %s', (text, iso) => {
    const result = date.parse(text, ctx());
    expectValid(result, iso);
  });

  it('displays the date as 2026年11月20日', () => {
    expectValid(date.parse('11.20', ctx()), '2026-11-20', '2026年11月20日');
    expectValid(date.parse('1月5日', ctx()), '2026-01-05', '2026年1月5日');
  });

  it('refuses a date later than today, naming both days', () => {
    expectInvalid(
      date.parse('2026-11-26', ctx()),
      'date.future',
      '日期不能晚于今天：您输入的是2026年11月26日，今天是2026年11月25日。',
      'The date cannot be later than today: you entered 26 Nov 2026 and today is 25 Nov 2026.',
    );
    for (const [text, day] of [
      ['明天', '2026年11月26日'],
      ['后天', '2026年11月27日'],
      ['本周五', '2026年11月27日'],
      ['下周一', '2026年11月30日'],
      ['3天后', '2026年11月28日'],
      ['tomorrow', '2026年11月26日'],
      ['next Friday', '2026年11月27日'],
      ['in 3 days', '2026年11月28日'],
      ['2027年1月1日', '2027年1月1日'],
    ] as const) {
      const invalid = expectInvalid(date.parse(text, ctx()), 'date.future');
      expect(invalid.message['zh-CN'], text).toContain(`您输入的是${day}`);
    }
  });

  it('refuses a day that does not exist', () => {
    expectInvalid(date.parse('2月30日', ctx()), 'date.invalid', '没有这一天：2月30日。请检查后重新输入。', 'There is no such day: 30 Feb. Please check the date.');
    expectInvalid(date.parse('2026-02-29', ctx()), 'date.invalid', '没有这一天：2026年2月29日。请检查后重新输入。');
    expectInvalid(date.parse('2026年13月1日', ctx()), 'date.invalid');
    // "31号" on 5 December: this month's is still to come and November has no 31st.
    expectInvalid(date.parse('31号', ctx(undefined, new Date('2026-12-05T04:00:00Z'))), 'date.invalid', '没有这一天：11月31日。请检查后重新输入。');
  });

  it('refuses a date older than options.maxAgeDays, and accepts the oldest allowed day', () => {
    expectInvalid(
      date.parse('2026-10-25', ctx({ maxAgeDays: 30 })),
      'date.too_old',
      '日期不能早于30天前（2026年10月26日）：您输入的是2026年10月25日。',
      'The date cannot be more than 30 days ago (before 26 Oct 2026): you entered 25 Oct 2026.',
    );
    expectValid(date.parse('2026-10-26', ctx({ maxAgeDays: 30 })), '2026-10-26');
    expectValid(date.parse('2025-10-25', ctx()), '2025-10-25'); // no limit without the option
  });

  it('says when there is no date, or more than one', () => {
    expectInvalid(
      date.parse('不记得了', ctx()),
      'date.unrecognized',
      '没有识别出日期。请按“11月20日”“2026-11-20”的格式输入，也可以说“昨天”“上周五”。',
      `I couldn't read a date. Please write it like "Nov 20", "2026-11-20" or "yesterday".`,
    );
    expectInvalid(date.parse('', ctx()), 'date.unrecognized');
    expectInvalid(date.parse('3号店', ctx()), 'date.unrecognized');
    expectInvalid(
      date.parse('昨天还是前天', ctx()),
      'date.multiple',
      '您发送了不止一个日期（2026年11月24日、2026年11月23日），请只发送一个。',
      'Your message has more than one date (24 Nov 2026, 23 Nov 2026); please send only one.',
    );
  });
});

describe('date: time zone', () => {
  const originalTz = process.env.TZ;
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  it('just after midnight in Shanghai (still the previous day in UTC) it is already the next day', () => {
    const now = new Date('2026-11-24T16:30:00Z'); // 2026-11-25 00:30 in Shanghai
    expectValid(date.parse('今天', ctx(undefined, now)), '2026-11-25');
    expectValid(date.parse('昨天', ctx(undefined, now)), '2026-11-24');
    expectValid(date.parse('2026-11-25', ctx(undefined, now)), '2026-11-25'); // not "in the future"
    expect(spans(date, '今天刷的', ctx(undefined, now))).toEqual([['2026-11-25', '今天']]);
  });

  it('weeks follow the Shanghai day too: Monday 00:30 there is Sunday in UTC', () => {
    const now = new Date('2026-11-22T16:30:00Z'); // Monday 2026-11-23 00:30 in Shanghai
    expectValid(date.parse('上周五', ctx(undefined, now)), '2026-11-20');
    expectValid(date.parse('这周一', ctx(undefined, now)), '2026-11-23');
    expectValid(date.parse('last Sunday', ctx(undefined, now)), '2026-11-22');
  });

  it('the last second of the day and the first second of the next', () => {
    const before = new Date('2026-11-25T15:59:59Z'); // 23:59:59 in Shanghai
    const after = new Date('2026-11-25T16:00:00Z'); // 00:00:00 on the 26th
    expectValid(date.parse('今天', ctx(undefined, before)), '2026-11-25');
    expectInvalid(date.parse('2026-11-26', ctx(undefined, before)), 'date.future');
    expectValid(date.parse('今天', ctx(undefined, after)), '2026-11-26');
    expectValid(date.parse('2026-11-26', ctx(undefined, after)), '2026-11-26');
  });

  it('across the new year: 12月31日 said on 1 January is last year', () => {
    const now = new Date('2026-12-31T16:30:00Z'); // 2027-01-01 00:30 in Shanghai
    expectValid(date.parse('12月31日', ctx(undefined, now)), '2026-12-31');
    expectValid(date.parse('昨天', ctx(undefined, now)), '2026-12-31');
    expectValid(date.parse('1月1日', ctx(undefined, now)), '2027-01-01');
  });

  it('does not depend on the process time zone', () => {
    for (const tz of ['Pacific/Honolulu', 'UTC', 'Pacific/Kiritimati']) {
      process.env.TZ = tz;
      expectValid(date.parse('今天', ctx(undefined, new Date('2026-11-24T16:30:00Z'))), '2026-11-25');
      expectValid(date.parse('上周五', ctx()), '2026-11-20');
    }
  });

  it('uses the time zone it is given', () => {
    const now = new Date('2026-11-24T16:30:00Z');
    expectValid(date.parse('今天', { now, timeZone: 'Europe/Berlin', locale: 'en' }), '2026-11-24');
  });
});

describe('date: options.allowFuture (planned start or resume dates)', () => {
  it.each([
    ['明天', '2026-11-26'],
    ['后天', '2026-11-27'],
    ['大后天', '2026-11-28'],
    ['下周一', '2026-11-30'],
    ['下个月1号', '2026-12-01'],
    ['3天后', '2026-11-28'],
    ['2026-12-15', '2026-12-15'],
    ['3月1日', '2027-03-01'], // the nearest 1 March
    ['11月20日', '2026-11-20'], // the nearest 20 November is five days ago
    ['周五', '2026-11-27'], // the nearest Friday
    ['1号', '2026-12-01'],
    ['tomorrow', '2026-11-26'],
    ['start tmrw', '2026-11-26'],
    ['tmr', '2026-11-26'],
    ['2moro', '2026-11-26'],
    ['from tommorrow', '2026-11-26'],
    ['next Friday', '2026-11-27'],
    ['in 3 days', '2026-11-28'],
    ['昨天', '2026-11-24'],
    ['明年1月5日', '2027-01-05'],
    ['明年一月五号', '2027-01-05'],
    ['今年12月31日', '2026-12-31'],
  ])('%j → %s', (text, iso) => {
    expectValid(date.parse(text, ctx({ allowFuture: true })), iso);
  });

  it('后天 after a length is a day of its own ("营业一天 后天开始停"), not "a day later"', () => {
    const found = date.extract('明天还要营业一天 后天开始停', ctx({ allowFuture: true }));
    expect(found.map((f) => f.value)).toEqual(['2026-11-26', '2026-11-27']);
  });

  it('a day alone repeating the day of a date named before it is that date ("1月10号放假 就从10号开始"); 下下个月 is two months on', () => {
    expect(date.extract('1月10号放假 就从10号开始', ctx({ allowFuture: true })).map((f) => f.value)).toEqual(['2027-01-10', '2027-01-10']);
    // Another day alone is still this month's (or the range's).
    expect(date.extract('1月10号放假 就从28号开始', ctx({ allowFuture: true })).map((f) => f.value)).toEqual(['2027-01-10', '2026-11-28']);
    expect(date.extract('先停到下下个月5号', ctx({ allowFuture: true })).map((f) => f.value)).toEqual(['2027-01-05']);
  });

  it('a day said with its weekday is one day, and the weekday tells its month ("4号礼拜一" in November: 4 January, a Monday)', () => {
    expect(spans(date, '12月14号礼拜一开始停', ctx({ allowFuture: true, notPast: true }))).toEqual([['2026-12-14', '12月14号礼拜一']]);
    expect(spans(date, '4号礼拜一开工', ctx({ allowFuture: true, notPast: true }))).toEqual([['2027-01-04', '4号礼拜一']]);
    expect(spans(date, '4号（周五）恢复', ctx({ allowFuture: true, notPast: true }))).toEqual([['2026-12-04', '4号（周五）']]);
    // A past day: the most recent 18th that was a Wednesday.
    expect(spans(date, '18号星期三刷的')).toEqual([['2026-11-18', '18号星期三']]);
    // No month near with that weekday (a slip of the weekday): the day as said alone.
    expect(spans(date, '18号星期二刷的')).toEqual([['2026-11-18', '18号星期二']]);
    // "元旦过完 4号恢复": the holiday is how the day was worked out, not a day of its own.
    expect(date.extract('元旦过完 4号恢复吧 4号礼拜一开工', ctx({ allowFuture: true, notPast: true })).map((f) => f.value)).toEqual(['2027-01-04']);
  });

  it('holidays name their day: 平安夜, 冬至 and the day after it, the first Monday after 元旦; a sale on a recent one', () => {
    const dec6 = new Date('2026-12-06T04:00:00Z');
    const planned = (text: string) => date.extract(text, ctx({ allowFuture: true, notPast: true }, dec6)).map((f) => f.value);
    expect(planned('平安夜那天走')).toEqual(['2026-12-24']);
    expect(planned('冬至第二天开始停')).toEqual(['2026-12-23']);
    expect(planned('改成元旦后第一个周一吧')).toEqual(['2027-01-04']);
    expect(planned("We're back the first Monday after New Year's")).toEqual(['2027-01-04']);
    expect(planned('From Christmas Eve')).toEqual(['2026-12-24']);
    const past = (text: string) => date.extract(text, ctx({ maxAgeDays: 180 }, dec6)).map((f) => f.value);
    expect(past('双十一那天刷的')).toEqual(['2026-11-11']);
    expect(past('paid back on Black Friday, the day after Thanksgiving')).toEqual(['2026-11-27', '2026-11-27']);
    // 元月 is January.
    expect(planned('停一个月 到元月15号')).toEqual(['2027-01-15']);
    // A habit ("Every Christmas we go home") and a festival of many days ("春节回老家") name no day.
    expect(planned('Every Christmas we go home, so the shop will close from 20 December')).toEqual(['2026-12-20']);
    expect(planned('春节回老家 一月二十号到二月十号结算暂停')).toEqual(['2027-01-20', '2027-02-10']);
    // Last year's holiday is no day of a sale: "he is in Barcelona for Christmas".
    expect(past('my partner is in Barcelona for Christmas')).toEqual([]);
    // "要三个礼拜 三个礼拜以后": no 礼拜三 across the space.
    expect(planned('装隔音说要三个礼拜 三个礼拜以后恢复吧')).toEqual(['2026-12-27']);
  });

  it('day first with a dot after the month (21.12., "from 3.1. to 5.1." in English); 21.12 where 21 is no month; 12.5 stays 12月5日', () => {
    expect(date.extract('we close from 21.12., the whole team goes home', ctx({ allowFuture: true })).map((f) => f.value)).toEqual(['2026-12-21']);
    expect(date.extract('from 3.1. to 5.1.', ctx({ allowFuture: true })).map((f) => f.value)).toEqual(['2027-01-03', '2027-01-05']);
    expectValid(date.parse('21.12', ctx({ allowFuture: true })), '2026-12-21');
    expectValid(date.parse('12.5', ctx({ allowFuture: true })), '2026-12-05');
    expect(date.extract('¥21.50', ctx({ allowFuture: true }))).toEqual([]);
  });
});

describe('date: a named year', () => {
  it('refuses 明年… where the date may not be in the future', () => {
    expectInvalid(date.parse('明年1月5日', ctx()), 'date.future', '日期不能晚于今天：您输入的是2027年1月5日，今天是2026年11月25日。');
  });
});

describe('date: extract', () => {
  it.each([
    ['昨天下午在3号店刷了1280元，凭证号000123，想撤销', [['2026-11-24', '昨天']]],
    ['MID:123456789012345, TID: A1B2C3D4, ref 123456789012, 2026-11-20, ¥1,208.00', [['2026-11-20', '2026-11-20']]],
    ['11.20那天刷的', [['2026-11-20', '11.20']]],
    ['20261120刷的', [['2026-11-20', '20261120']]],
    ['上周5晚上的交易', [['2026-11-20', '上周5']]],
    ['I paid on Nov 20 at 3pm', [['2026-11-20', 'Nov 20']]],
    ['交易是１１月２０日做的', [['2026-11-20', '１１月２０日']]],
    ['20号下午刷的', [['2026-11-20', '20号']]],
    // Earlier today, as a sale is told: 刚才 with the sale, an hour or minutes ago, this morning.
    ['刚才有个客人的卡刷了两回', [['2026-11-25', '刚才']]],
    ['刚刚有个顾客用别人的卡付了59', [['2026-11-25', '刚刚']]],
    ['客人刚付的88块', [['2026-11-25', '刚']]],
    ['半小时前刷的那笔', [['2026-11-25', '半小时前']]],
    ['今早那笔680的', [['2026-11-25', '今早']]],
    // A time of day said with the sale (刷, 消费, 结账, 买单): today.
    ['早上有个顾客结账 260按成了2600', [['2026-11-25', '早上']]],
    // Which of several ("the 2nd one") is no day of the month.
    ['voucher of the 2nd one is 000318', []],
    ['1st tap froze so he tapped again', []],
    ['paid 150 like 10 min ago', [['2026-11-25', '10 min ago']]],
    ['the sale this morning', [['2026-11-25', 'this morning']]],
  ])('%j', (text, expected) => {
    expect(spans(date, text)).toEqual(expected);
  });

  it.each([
    '在3号店刷的',
    '3号机',
    '刷了11.20元',
    '¥12.5',
    '金额 12.5',
    '等了3.5小时',
    '凭证号000123',
    '终端号20261120',
    '手机 138-0013-8000',
    'app v1.2',
    'refund the 1.2k sale', // thousands, not 1 February
    '明天再来', // in the future: not a transaction date
    'May I ask something?',
    '3 days',
    '刚才说错了，金额是500', // 刚才 alone tells of the conversation, not of the sale
  ])('nothing in %j', (text) => {
    expect(spans(date, text)).toEqual([]);
  });

  it('drops dates older than maxAgeDays', () => {
    expect(spans(date, '2026-10-01刷的', ctx({ maxAgeDays: 30 }))).toEqual([]);
    expect(spans(date, '2026-11-01刷的', ctx({ maxAgeDays: 30 }))).toEqual([['2026-11-01', '2026-11-01']]);
  });
});

describe('date: how long, said instead of an end', () => {
  it.each([
    ['想把结算停两个礼拜', 14],
    ['停一个月', 30],
    ['暂停半个月', 15],
    ['停3天', 3],
    ['停兩個禮拜', 14],
    ['from next monday for 2 weeks', 14],
    ['for a couple of months', 60],
    // …and a half.
    ['停两周半', 18],
    ['停一个半月', 45],
    ['停三天半', 4],
  ])('%j → %i days', (text, days) => {
    expect(durationIn(text)?.days).toBe(days);
  });

  // Answering how long (the resume day asked), a guess is the answer, and "for" goes unsaid.
  it.each([
    ['around three weeks after that', 21],
    ['about 2 weeks', 14],
    ['for about 2 weeks', 14],
    ['大概两周', 14],
  ])('%j answering how long → %i days', (text, days) => {
    expect(durationIn(text, { guess: true })?.days).toBe(days);
  });

  // A guess is no day to file: the merchant is asked for it.
  it.each(['两周后恢复', '两周半后再说', '3天前刷的', '上周五', '3 weeks from now', '2 weeks ago', '下个月1号', '装修十来天', '大概要一个月', '停半个月左右', 'for about 2 weeks'])('%j is no length of time', (text) => {
    expect(durationIn(text)).toBeUndefined();
  });
});

describe('date: a planned day said as the coming week or month', () => {
  it.each([
    ['下周开始', '2026-11-30'],
    ['从下个星期起', '2026-11-30'],
    ['下个月开始', '2026-12-01'],
    ['from next week', '2026-11-30'],
    ['starting next month', '2026-12-01'],
    ['下周三', '2026-12-02'], // a weekday named: that day
    ['下个月5号', '2026-12-05'],
    // A part of a month: its last day, the 15th, the 1st (月初 alone is next month's).
    ['停到月底', '2026-11-30'],
    ['下个月中旬', '2026-12-15'],
    ['下月底', '2026-12-31'],
    ['月初', '2026-12-01'],
    ['end of next month', '2026-12-31'],
    ['end of the month', '2026-11-30'],
    // An English ordinal day, as 28号: the nearest such day.
    ['from the 28th', '2026-11-28'],
    ['the 3rd', '2026-12-03'],
    // At once: today; the weekend: its Saturday; a fixed holiday: the coming one.
    ['马上', '2026-11-25'],
    ['即日起', '2026-11-25'],
    ['ASAP', '2026-11-25'],
    ['这个周末', '2026-11-28'],
    ['下周末', '2026-12-05'],
    ['this weekend', '2026-11-28'],
    ['元旦开始', '2027-01-01'],
    // A day given as "after" a time, then the day itself: the day itself.
    ['估计要到元旦以后 先写1月4号吧', '2027-01-04'],
    ['停到元旦以后 一月三号吧', '2027-01-03'],
    // "过完年" is no year of the month after it.
    ['过完年2月20号左右回来开门', '2027-02-20'],
    // Days in English words.
    ['we reopen on the twenty-eighth', '2026-11-28'],
    ['October twenty-fifth', '2026-10-25'],
    // A day named beside "at once": that day. A part of a month named by its number: the coming one.
    ['越快越好，明天吧', '2026-11-26'],
    ['明天吧 越快越好', '2026-11-26'],
    ['停到1月底', '2027-01-31'],
    ['三月初恢复', '2027-03-01'],
    ['12月中旬', '2026-12-15'],
  ])('%j → %s', (text, iso) => {
    expectValid(date.parse(text, ctx({ allowFuture: true })), iso);
  });

  it.each(['马上要退', '周末刷的那笔'])('%j names no day of a sale (no allowFuture)', (text) => {
    expect(spans(date, text)).toEqual([]);
  });

  it('is no day of a past sale', () => {
    expect(spans(date, '下周开始', ctx())).toEqual([]);
    expect(spans(date, '月底那笔', ctx())).toEqual([]);
  });
});


describe('date: "刚才" as a reference', () => {
  it('"就刚才那笔 昨天刷的480": the one just mentioned, whose day is named after it — not today', () => {
    expect(date.extract('唉还是要退 就刚才那笔 昨天刷的480 终端44190362', ctx()).map((f) => f.value)).toEqual(['2026-11-24']);
    // The sale just now is today, as before.
    expect(date.extract('刚才刷的480', ctx()).map((f) => f.value)).toEqual(['2026-11-25']);
    expect(date.extract('刚才那笔480的', ctx()).map((f) => f.value)).toEqual(['2026-11-25']);
  });
});
