/** Calendar dates in Asia/Shanghai, the time zone the flows read dates in. */

const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** `YYYY-MM-DD` of today + `offset` days in Asia/Shanghai (of `now`, by default the real clock). */
export function shanghaiDate(offset = 0, now: Date = new Date()): string {
  const at = new Date(`${DAY.format(now)}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + offset);
  return at.toISOString().slice(0, 10);
}

/** A fixture date (days relative to today, or `YYYY-MM-DD`) as `YYYY-MM-DD`. */
export function fixtureDate(value: number | string): string {
  return typeof value === 'number' ? shanghaiDate(value) : value;
}

/**
 * Moves this process's clock by whole days so that today in Asia/Shanghai is `day` (the time of day runs on
 * as before). Conversations say "上周五" or "10月22号" as the day they were written on; a run on another
 * day reads them as other days. `--today` replays a split as of the day it was measured on. Returns what
 * puts the real clock back.
 */
export function shiftClockTo(day: string): () => void {
  const RealDate = Date;
  const restore = () => {
    globalThis.Date = RealDate;
  };
  const offset = RealDate.parse(`${day}T00:00:00+08:00`) - RealDate.parse(`${shanghaiDate(0)}T00:00:00+08:00`);
  if (!Number.isFinite(offset)) throw new Error(`not a day: ${day}`);
  if (offset === 0) return restore;
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offset);
      else super(...(args as [string | number]));
    }
    static override now(): number {
      return RealDate.now() + offset;
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor;
  return restore;
}
