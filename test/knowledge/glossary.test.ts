import { describe, expect, it } from 'vitest';
import { mentionedGroups, mentions } from '../../src/knowledge/glossary.js';
import { normalize } from '../../src/knowledge/text.js';

const said = (text: string, member: string) => mentions(normalize(text), normalize(member));

describe('mentions (a Chinese member)', () => {
  it('counts a member the text says as a word, alone or followed by a particle', () => {
    expect(said('刷多了一笔怎么办', '刷多')).toBe(true);
    expect(said('我想撤消了这笔', '撤消')).toBe(true);
    expect(said('退钱', '退钱')).toBe(true);
  });

  it('does not count a member hidden inside a longer word', () => {
    expect(said('用支付宝付的', '支付')).toBe(false);
  });

  it('does not count a member made of the end of one word and the start of the next', () => {
    // 最多 / 能 / 刷 / 多少钱: the letters 刷多 are there, the word is not.
    expect(said('最多能刷多少钱', '刷多')).toBe(false);
  });

  it('counts an occurrence that stands on its own when another one straddles words', () => {
    expect(said('最多能刷多少钱，今天刷多了一笔', '刷多')).toBe(true);
  });

  it('finds the groups a question names, and not the one its letters only spell across words', () => {
    const glossary = { terms: [], synonyms: [['刷多', '重复扣款'], ['限额', 'limit']] };
    expect(mentionedGroups(glossary, '最多能刷多少钱，限额是多少')).toEqual([['限额', 'limit']]);
  });
});
