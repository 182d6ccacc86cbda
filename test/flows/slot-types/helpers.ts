import { expect } from 'vitest';
import type { Found, Invalid, SlotContext, SlotOptions, SlotType, Valid } from '../../../src/flows/slot-types/types.js';

/** Wednesday 25 November 2026, 12:00 in Shanghai. */
export const NOW = new Date('2026-11-25T04:00:00Z');

export function ctx(options?: SlotOptions, now: Date = NOW): SlotContext {
  return { now, timeZone: 'Asia/Shanghai', locale: 'zh-CN', ...(options ? { options } : {}) };
}

export function expectValid<T>(result: Valid<T> | Invalid, value: T, display?: string): void {
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true, value });
  if (display !== undefined) expect((result as Valid<T>).display).toBe(display);
}

export function expectInvalid(result: Valid<unknown> | Invalid, reason: string, zh?: string, en?: string): Invalid {
  expect(result, JSON.stringify(result)).toMatchObject({ ok: false, reason });
  const invalid = result as Invalid;
  if (zh !== undefined) expect(invalid.message['zh-CN']).toBe(zh);
  if (en !== undefined) expect(invalid.message.en).toBe(en);
  expect(invalid.message['zh-CN'].length).toBeGreaterThan(0);
  expect(invalid.message.en.length).toBeGreaterThan(0);
  return invalid;
}

/** Extracted values with the text they came from. */
export function spans<T>(type: SlotType<T>, text: string, c: SlotContext = ctx()): [T, string][] {
  return type.extract(text, c).map((f: Found<T>) => [f.value, text.slice(f.start, f.end)]);
}
