/**
 * Rule conditions over the slots gathered so far. A condition on a slot that has no value yet is false:
 * a rule fires only on what the merchant actually said.
 */
import { formatDay } from '../core/time-zone.js';
import type { Condition } from './flow-schema.js';

/** Today's date (YYYY-MM-DD) in the time zone, from the instant — never the process time zone. */
export function todayIn(now: Date, timeZone: string): string {
  return formatDay(now, timeZone);
}

/** Whole days from `date` to `today` (both YYYY-MM-DD): 0 today, 1 yesterday. */
export function ageInDays(date: string, today: string): number {
  return Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${date}T00:00:00Z`)) / 86_400_000);
}

function limit(value: number | string, settings: Record<string, unknown>): number {
  return typeof value === 'number' ? value : Number(settings[value.slice('settings.'.length)]);
}

export function conditionHolds(c: Condition, values: Record<string, unknown>, settings: Record<string, unknown>, today: string): boolean {
  const v = values[c.slot];
  if (c.present !== undefined) return c.present === (v !== undefined);
  if (v === undefined) return false;
  if (c.equals !== undefined && String(v) !== String(c.equals)) return false;
  if (c.in !== undefined && !c.in.map(String).includes(String(v))) return false;
  if (c.ageDaysAtLeast !== undefined || c.ageDaysAtMost !== undefined || c.ageDaysOver !== undefined) {
    if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
    const age = ageInDays(v, today);
    if (c.ageDaysAtLeast !== undefined && age < limit(c.ageDaysAtLeast, settings)) return false;
    if (c.ageDaysAtMost !== undefined && age > limit(c.ageDaysAtMost, settings)) return false;
    if (c.ageDaysOver !== undefined && age <= limit(c.ageDaysOver, settings)) return false;
  }
  return true;
}

export function conditionsHold(conditions: Condition[], values: Record<string, unknown>, settings: Record<string, unknown>, today: string): boolean {
  return conditions.every((c) => conditionHolds(c, values, settings, today));
}

/**
 * Whether what is known already rules the conditions out: one of them fails on a slot that has a value.
 * A condition on a slot not answered yet rules nothing out — "void failed on the terminal" said up front
 * stays while the batch question is still to come.
 */
export function conditionsContradicted(conditions: Condition[], values: Record<string, unknown>, settings: Record<string, unknown>, today: string): boolean {
  return conditions.some((c) => values[c.slot] !== undefined && !conditionHolds(c, values, settings, today));
}
