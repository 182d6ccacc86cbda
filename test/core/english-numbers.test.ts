import { describe, expect, it } from 'vitest';
import { englishNumbers, withDigits as read } from '../../src/core/english-numbers.js';

describe('numbers in English words', () => {
  it('reads amounts as merchants type them', () => {
    expect(read('he paid three hundred sixty yuan')).toBe('he paid 360 yuan');
    expect(read('three hundred and sixty')).toBe('360');
    expect(read('twelve hundred')).toBe('1200');
    expect(read('one thousand two hundred fifty')).toBe('1250');
    expect(read('eighteen sixty by card')).toBe('1860 by card');
    expect(read('4 thousand, 1.5 thousand, 3 hundred')).toBe('4000, 1500, 300');
    expect(read('ten days')).toBe('10 days');
  });

  it('reads days as ordinals, "first" to "third" only beside a month', () => {
    expect(read('we reopen on the twenty-eighth')).toBe('we reopen on the 28th');
    expect(read('October twenty-fifth')).toBe('October 25th');
    expect(read('the fourteenth of December')).toBe('the 14th of December');
    expect(read('October first')).toBe('October 1st');
    expect(read('the second of Jan')).toBe('the 2nd of Jan');
    expect(read('twenty-second')).toBe('22nd');
  });

  it('says where each number was', () => {
    expect(englishNumbers('paid three hundred sixty yuan')).toEqual([{ start: 5, end: 24, digits: '360' }]);
  });

  it('leaves words that are no number alone', () => {
    for (const text of ['this one', 'two of them', 'the second one', 'first time', 'third party', 'a hundred', 'between fifteen and twenty', 'one two three']) {
      expect(read(text), text).toBe(text);
    }
  });
});
