/**
 * Random ids are uniform over base62: with `byte % 62` the first eight characters came up a quarter more
 * often than the rest (256 = 4 × 62 + 8), which makes ids easier to guess.
 */
import { describe, expect, it } from 'vitest';
import { randomId } from '../../src/channels/webchat/directline-service.js';
import { randomBase62 } from '../../src/core/ids.js';
import { randomBase62 as requestId } from '../../src/requests/index.js';

const BASE62 = /^[0-9A-Za-z]+$/;

/** How much more often the most frequent character comes up than the least, over many draws. */
function spread(draw: () => string, draws: number): { ratio: number; distinct: number } {
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) for (const ch of draw()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const values = [...counts.values()];
  return { ratio: Math.max(...values) / Math.min(...values), distinct: counts.size };
}

describe('random ids', () => {
  it('are base62 of the asked length, and different each time', () => {
    expect(randomBase62(22)).toMatch(BASE62);
    expect(randomBase62(7)).toHaveLength(7);
    expect(requestId()).toHaveLength(22);
    const id = randomId('dl_');
    expect(id).toMatch(/^dl_[0-9A-Za-z]{22}$/);
    expect(new Set(Array.from({ length: 1000 }, () => randomId())).size).toBe(1000);
  });

  // 20,000 ids × 22 characters ≈ 7,100 per character: chance alone keeps max/min near 1.07; the old
  // modulo bias put it at 1.25.
  it.each([
    ['core', () => randomBase62(22)],
    ['Direct Line conversation and user ids', () => randomId()],
    ['request ids', () => requestId()],
  ])('%s use every character equally often', (_name, draw) => {
    const { ratio, distinct } = spread(draw, 20_000);
    expect(distinct).toBe(62);
    expect(ratio).toBeLessThan(1.15);
  });
});
