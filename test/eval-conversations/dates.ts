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
