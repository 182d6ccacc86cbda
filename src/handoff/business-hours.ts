/**
 * Business hours: "Mon-Fri 09:00-18:00; Sat 10:00-14:00" (or "always") in a time zone. Agents are
 * expected only inside them; outside, the bot takes a message and a callback number instead.
 */
import type { Locale } from '../i18n/messages.js';
import { AppError } from '../core/errors.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const ZH_DAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

interface Range {
  days: Set<number>;
  /** Minutes after midnight, [from, to). */
  from: number;
  to: number;
  text: string;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

export class BusinessHours {
  private readonly ranges: Range[];
  readonly always: boolean;

  constructor(private readonly spec: string, private readonly timeZone: string) {
    this.always = spec.trim().toLowerCase() === 'always';
    this.ranges = this.always ? [] : spec.split(';').map((part) => part.trim()).filter(Boolean).map(parseRange);
  }

  isOpen(now: Date): boolean {
    if (this.always) return true;
    const { day, minute } = this.local(now);
    return this.ranges.some((r) => r.days.has(day) && minute >= r.from && minute < r.to);
  }

  /** "周一至周五 09:00–18:00" / "Mon–Fri 09:00–18:00". */
  describe(locale: Locale): string {
    if (this.always) return locale === 'en' ? 'around the clock' : '全天';
    return this.ranges
      .map((r) => {
        const days = [...r.days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
        const first = days[0]!;
        const last = days.at(-1)!;
        const contiguous = days.length > 1 && days.every((d, i) => i === 0 || d === (days[i - 1]! + 1) % 7);
        const name = (d: number) => (locale === 'en' ? DAYS[d]! : ZH_DAYS[d]!);
        const dayText = contiguous ? `${name(first)}${locale === 'en' ? '–' : '至'}${name(last)}` : days.map(name).join(locale === 'en' ? ', ' : '、');
        return `${dayText} ${r.text}`;
      })
      .join(locale === 'en' ? '; ' : '；');
  }

  private localFormat: Intl.DateTimeFormat | undefined;

  private local(now: Date): { day: number; minute: number } {
    // Built once: a formatter costs far more to make than to use, and this runs on every message.
    this.localFormat ??= new Intl.DateTimeFormat('en-US', { timeZone: this.timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const parts = Object.fromEntries(
      this.localFormat
        .formatToParts(now)
        .map((p) => [p.type, p.value]),
    );
    return { day: DAYS.indexOf(parts.weekday as (typeof DAYS)[number]), minute: Number(parts.hour) * 60 + Number(parts.minute) };
  }
}

function parseRange(part: string): Range {
  const m = /^([A-Za-z,-]+)\s+(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(part);
  if (!m) throw new AppError('CONFIG_INVALID', `bad business hours "${part}"`);
  const days = new Set<number>();
  for (const piece of m[1]!.split(',')) {
    const [a, b] = piece.split('-') as [string, string | undefined];
    const from = DAYS.indexOf(a as (typeof DAYS)[number]);
    const to = b === undefined ? from : DAYS.indexOf(b as (typeof DAYS)[number]);
    if (from < 0 || to < 0) throw new AppError('CONFIG_INVALID', `bad day in business hours "${part}"`);
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return { days, from: minutes(m[2]!), to: minutes(m[3]!), text: `${m[2]}–${m[3]}` };
}
