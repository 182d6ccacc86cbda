/**
 * The merchants' time zone: "today" in a flow's dates, the day in a ticket number, business hours, and
 * the times shown to merchants all use one setting (`TIME_ZONE`). This is its default and its check.
 */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** Whether `tz` is an IANA time zone this Node knows (`Intl` throws a RangeError otherwise). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const minuteFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of the instant in the time zone (a cached formatter: flows ask for today on every turn). */
export function formatDay(at: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(at);
}

/** `YYYY-MM-DD HH:mm` in the time zone (formatters are cached: building one costs more than using it). */
export function formatMinute(at: Date, timeZone: string = DEFAULT_TIME_ZONE): string {
  let format = minuteFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    minuteFormats.set(timeZone, format);
  }
  return format.format(at);
}
