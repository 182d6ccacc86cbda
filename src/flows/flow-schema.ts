/**
 * What a flow file (`flows/*.yaml`) may say, as a zod schema: the flows are data, edited by operators,
 * and a mistake in one must stop the start with the file, the path inside it and the reason — never
 * surface as a merchant's broken conversation.
 *
 * A flow declares its intent examples (zh-CN and en), its settings (time limits an acquirer may change),
 * its slots (type, required, prompts per language, validation options, examples), business rules
 * evaluated on the slots, the confirmation summary, and the action on confirm.
 */
import { z } from 'zod';

/** Text in both languages: zh-CN is required (the merchant's first language), en too (no silent gaps). */
export const Localized = z.object({ 'zh-CN': z.string().min(1), en: z.string().min(1) }).strict();
export type Localized = z.infer<typeof Localized>;

/** Slot types implemented in code (src/flows/slot-types). Card data types do not exist by design. */
export const SLOT_TYPE_NAMES = [
  'merchant_id',
  'terminal_id',
  'batch_no',
  'voucher_no',
  'reference_no',
  'auth_code',
  'date',
  'amount',
  'phone',
  'card_last4',
  'enum',
  'text',
  'ticket',
  'attachments',
] as const;

const SlotName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case (a-z, 0-9, _)');

export const Slot = z
  .object({
    name: SlotName,
    type: z.enum(SLOT_TYPE_NAMES, { error: `must be one of ${SLOT_TYPE_NAMES.join(', ')}` }),
    required: z.boolean().default(true),
    /** Slots of one group are alternatives: one of them is enough (凭证号 or 参考号). */
    group: SlotName.optional(),
    /** Ask only when these conditions hold (e.g. the void-tried question only for same-day sales). */
    askWhen: z.array(z.lazy(() => Condition)).optional(),
    /**
     * Put the question only when these hold; unlike `askWhen`, a value said anyway is kept (a detail of a
     * named reason, "店要关门装修一阵子", stays; only "其他" asks for one).
     */
    promptWhen: z.array(z.lazy(() => Condition)).optional(),
    /**
     * `enum`: an option taken without asking once these conditions hold and the merchant has not chosen
     * (a hold given a start or an end date is of payouts, not the terminal's daily close). Any entry may hold.
     */
    assume: z
      .array(z.object({ value: z.string().min(1), when: z.array(z.lazy(() => Condition)).min(1) }).strict())
      .optional(),
    prompt: Localized,
    /** What the slot is called in messages about it ("恢复日期"), e.g. when a date must not be before another. */
    label: Localized.optional(),
    /**
     * Words that name this slot in a correction ("恢复", "resume"), needed when several slots share a type
     * (two dates): "恢复日期改成1月10日" then changes this one.
     */
    mentions: z.array(z.string().min(1)).optional(),
    /** Why the value is needed, said when the merchant asks "why" (PIPL: say why you collect). */
    why: Localized.optional(),
    /**
     * A required file the merchant says they do not have ("小票丢了", "没有签购单"): what follows from that,
     * said at once with a person offered, instead of asking for the file again (a lost slip is for the
     * provider to judge, not for the bot to insist on).
     */
    missing: Localized.optional(),
    examples: z.array(z.string()).default([]),
    options: z
      .object({
        values: z
          .array(
            z
              .object({
                id: z.string().min(1),
                labels: z.array(z.string().min(1)).min(1),
                /**
                 * The option a plain yes or no chooses when the question is a yes/no one ("您在终端上试过撤销吗？"
                 * → "yes" is `failed`). Options with the id `yes` / `no` answer so without saying it.
                 */
                answers: z.enum(['yes', 'no']).optional(),
              })
              .strict(),
          )
          .optional(),
        /**
         * `enum`: the option an answer that names none of them is taken as ("换结算账户" when asked why:
         * `other`), its words kept by the text slot that `explains` this one. Without it such an answer is
         * refused and the question asked again.
         */
        otherwise: z.string().min(1).optional(),
        /**
         * `enum`: options that win when a message says several ("教育局来检查 … 要停课整改": a regulator's order
         * is the reason, not the classes stopped), in this order.
         */
        prefer: z.array(z.string().min(1)).optional(),
        minLength: z.number().int().min(0).optional(),
        maxLength: z.number().int().positive().optional(),
        maxAgeDays: z.union([z.number().int().positive(), z.string().regex(/^settings\.\w+$/)]).optional(),
        /** `date`: a planned day (a suspension's start or resume) may be after today. */
        allowFuture: z.boolean().optional(),
        /** `date`: a planned day that must not be in the past (a suspension's start: today or later). */
        notPast: z.boolean().optional(),
        /** `date`: the name of another date slot of the flow this date must not be before (resume ≥ start). */
        notBefore: SlotName.optional(),
        /**
         * `date`: the name of another date slot this one may be told as a length of time from ("从下周一开始，
         * 停两个礼拜", "for 2 weeks"): the day is that slot's plus the days, once both are known.
         */
        durationFrom: SlotName.optional(),
        /**
         * `date`, optional: a day nobody knows yet ("待定", "等新账户弄好再说", "until further notice") is an
         * answer — the question skipped, also when said before it is asked.
         */
        openEnded: z.boolean().optional(),
        maxAmount: z.number().positive().optional(),
        maxFiles: z.number().int().positive().optional(),
        /**
         * `attachments`: the photos are sales slips (签购单). They are read offline (src/slips) and what they
         * show fills the flow's empty slots of the same types (merchant_id, terminal_id, date, amount,
         * voucher_no, reference_no, card_last4…); a value the merchant typed is never replaced.
         */
        readSlips: z.boolean().optional(),
        /**
         * Words said beside this slot's value: of several values of its type in one message, the one in a
         * clause with one of them is taken ("顾客今天拿回来了 是前天刷的": the day of the sale is the day
         * the card was swiped, not the day the customer came back).
         */
        saidWith: z.array(z.string().min(1)).optional(),
        /**
         * Words that make a value said beside them (and none of `saidWith`) another event's: "今天又来说不要了"
         * is the day the customer came back, so the day of the sale is still to be asked.
         */
        notSaidWith: z.array(z.string().min(1)).optional(),
        /**
         * An optional slot taken when the merchant says it and never asked for (a ticket number: without
         * one the merchant's recent requests are listed, so asking first would only cost a turn).
         */
        neverAsked: z.boolean().optional(),
        /**
         * `text`: how to find this text in a message that carries other values too ("…560元，顾客退货"):
         * after one of `labels` ("原因是…", "because …"), else the clause with one of `cues` (退货, 刷错).
         * `explains`: an enum slot this text explains — a clause that only names one of its options
         * ("原因资金周转") explains nothing and is not taken; "店要关门装修一阵子" is.
         */
        from: z
          .object({
            labels: z.array(z.string().min(1)).default([]),
            cues: z.array(z.string().min(1)).default([]),
            explains: z.string().min(1).optional(),
            /**
             * The message that starts the flow, when it tells a story (a sale, what happened after it, what
             * the merchant wants) and no label or cue found the text: the story is the text ("…摄影棚进水了
             * 最少一个月拍不了 人家下个月就办酒等不了 只能把钱还给人家" says why the sale is undone).
             */
            story: z.boolean().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((slot, ctx) => {
    if (slot.type === 'enum' && !slot.options.values?.length) {
      ctx.addIssue({ code: 'custom', path: ['options', 'values'], message: 'an enum slot needs options.values' });
    }
    const otherwise = slot.options.otherwise;
    if (otherwise !== undefined && (slot.type !== 'enum' || !slot.options.values?.some((v) => v.id === otherwise))) {
      ctx.addIssue({ code: 'custom', path: ['options', 'otherwise'], message: 'otherwise must name one of the enum slot\'s options' });
    }
    if (slot.options.from !== undefined && slot.type !== 'text') {
      ctx.addIssue({ code: 'custom', path: ['options', 'from'], message: 'only a text slot takes options.from' });
    }
    if (slot.options.neverAsked && slot.required) {
      ctx.addIssue({ code: 'custom', path: ['options', 'neverAsked'], message: 'only an optional slot (required: false) can go unasked' });
    }
    if (slot.options.readSlips !== undefined && slot.type !== 'attachments') {
      ctx.addIssue({ code: 'custom', path: ['options', 'readSlips'], message: 'only an attachments slot takes options.readSlips' });
    }
    for (const [i, a] of (slot.assume ?? []).entries()) {
      if (slot.type !== 'enum') ctx.addIssue({ code: 'custom', path: ['assume'], message: 'only an enum slot takes assume' });
      else if (!slot.options.values?.some((v) => v.id === a.value)) {
        ctx.addIssue({ code: 'custom', path: ['assume', i, 'value'], message: `"${a.value}" is not one of the slot's options` });
      }
    }
    for (const key of ['allowFuture', 'notBefore', 'notPast', 'maxAgeDays', 'durationFrom', 'openEnded'] as const) {
      if (slot.options[key] !== undefined && slot.type !== 'date') {
        ctx.addIssue({ code: 'custom', path: ['options', key], message: `only a date slot takes options.${key}` });
      }
    }
  });
export type Slot = z.infer<typeof Slot>;

/** A test on the slots gathered so far. Numbers may name a setting: "settings.onlineRefundDays". */
const Limit = z.union([z.number().int(), z.string().regex(/^settings\.\w+$/, 'must be a number or settings.<name>')]);
export const Condition = z
  .object({
    slot: SlotName,
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    in: z.array(z.union([z.string(), z.number()])).optional(),
    present: z.boolean().optional(),
    /** For date slots: days between the date and today (in the merchants' time zone, TIME_ZONE). */
    ageDaysAtLeast: Limit.optional(),
    ageDaysAtMost: Limit.optional(),
    /** Strictly more days than the limit (past a window of N days). */
    ageDaysOver: Limit.optional(),
  })
  .strict();
export type Condition = z.infer<typeof Condition>;

export const Rule = z
  .object({
    id: SlotName,
    /** All conditions must hold. */
    when: z.array(Condition).min(1),
    then: z
      .object({
        say: Localized.optional(),
        /** Offer a human agent (the handoff issue wires the transfer). */
        handoff: z.boolean().optional(),
        /** Stop the flow here (nothing is filed). */
        stop: z.boolean().optional(),
        /** Sets slots, e.g. the request's sub-kind (refund / manual refund). */
        set: z.record(SlotName, z.union([z.string(), z.number(), z.boolean()])).optional(),
        /** Makes optional slots required from here on (a manual refund needs the slip). */
        require: z.array(SlotName).optional(),
      })
      .strict(),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;

export const Flow = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be kebab-case'),
    title: Localized,
    description: Localized.optional(),
    intents: z.object({ 'zh-CN': z.array(z.string().min(2)).min(3), en: z.array(z.string().min(2)).min(2) }).strict(),
    /**
     * How merchants state this request without the flow's words ("前天那笔九百九的，顾客要退钱", "店要装修，钱先别打
     * 到卡上了"): a message that is not a question and has a word of `act` and a word of `about` starts the
     * flow. `questions: true` lets a question start it too (asking about one's own request is the request:
     * "那个退款申请批了没").
     */
    statement: z
      .object({
        act: z.array(z.string().min(1)).min(1),
        about: z.array(z.string().min(1)).min(1),
        questions: z.boolean().default(false),
        /** A message that is only a ticket number ("CX-20261201-0001") starts this flow (the status check). */
        ticketAlone: z.boolean().default(false),
      })
      .strict()
      .optional(),
    settings: z.record(z.string().regex(/^\w+$/), z.union([z.number(), z.string(), z.boolean()])).default({}),
    slots: z.array(Slot).min(1),
    rules: z.array(Rule).default([]),
    confirm: z
      .object({
        summary: Localized,
        /**
         * The flow's last question, optional and free text, asked with the summary (`say`, its placeholders the
         * summary's): its answer — a note, or none ("没有", "就这个", "好的 谢谢") — files the request, with no
         * "确认提交吗？" after it. For a small addition to a request already filed (a supplement), where merchants
         * take the file sent for the end of it.
         */
        lastQuestion: z.object({ slot: z.string(), say: Localized }).strict().optional(),
      })
      .strict()
      .optional(),
    action: z
      .object({
        type: z.enum(['create-request', 'show-status', 'add-supplement']),
        kind: z.enum(['cancel-transaction', 'suspend-settlement']).optional(),
      })
      .strict(),
    /** Failed attempts on one slot before a human agent is offered. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
  })
  .strict()
  .superRefine((flow, ctx) => {
    const names = new Set<string>();
    flow.slots.forEach((slot, i) => {
      if (names.has(slot.name)) ctx.addIssue({ code: 'custom', path: ['slots', i, 'name'], message: `duplicate slot "${slot.name}"` });
      names.add(slot.name);
    });
    const known = (name: string) => names.has(name);
    flow.slots.forEach((slot, i) => {
      for (const key of ['notBefore', 'durationFrom'] as const) {
        const other = slot.options[key];
        if (other === undefined) continue;
        const target = flow.slots.find((s) => s.name === other);
        const path = ['slots', i, 'options', key];
        if (!target) ctx.addIssue({ code: 'custom', path, message: `unknown slot "${other}"` });
        else if (other === slot.name) ctx.addIssue({ code: 'custom', path, message: 'a slot cannot refer to itself' });
        else if (target.type !== 'date') ctx.addIssue({ code: 'custom', path, message: `"${other}" is not a date slot` });
      }
    });
    const checkCondition = (c: Condition, path: (string | number)[]) => {
      if (!known(c.slot)) ctx.addIssue({ code: 'custom', path: [...path, 'slot'], message: `unknown slot "${c.slot}"` });
      for (const key of ['ageDaysAtLeast', 'ageDaysAtMost', 'ageDaysOver'] as const) {
        const v = c[key];
        if (typeof v === 'string' && !(v.slice('settings.'.length) in flow.settings)) {
          ctx.addIssue({ code: 'custom', path: [...path, key], message: `unknown setting "${v}"` });
        }
      }
    };
    flow.slots.forEach((slot, i) => {
      const age = slot.options.maxAgeDays;
      if (typeof age === 'string' && !(age.slice('settings.'.length) in flow.settings)) {
        ctx.addIssue({ code: 'custom', path: ['slots', i, 'options', 'maxAgeDays'], message: `unknown setting "${age}"` });
      }
    });
    flow.slots.forEach((slot, i) => slot.askWhen?.forEach((c, j) => checkCondition(c, ['slots', i, 'askWhen', j])));
    flow.slots.forEach((slot, i) => {
      slot.promptWhen?.forEach((c, j) => checkCondition(c, ['slots', i, 'promptWhen', j]));
      // A required slot must be asked sooner or later: only an optional one can go unasked.
      if (slot.promptWhen && slot.required) ctx.addIssue({ code: 'custom', path: ['slots', i, 'promptWhen'], message: 'promptWhen is for optional slots (required: false)' });
    });
    flow.rules.forEach((rule, i) => {
      rule.when.forEach((c, j) => checkCondition(c, ['rules', i, 'when', j]));
      for (const [k, name] of [...Object.keys(rule.then.set ?? {}), ...(rule.then.require ?? [])].entries()) {
        if (!known(name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'then', k], message: `unknown slot "${name}"` });
      }
    });
    const last = flow.confirm?.lastQuestion;
    for (const [path, text] of [
      [['confirm', 'summary'], `${flow.confirm?.summary['zh-CN'] ?? ''} ${flow.confirm?.summary.en ?? ''}`],
      [['confirm', 'lastQuestion', 'say'], `${last?.say['zh-CN'] ?? ''} ${last?.say.en ?? ''}`],
    ] as const) {
      for (const m of text.matchAll(/\{(\w+)\}/g)) if (!known(m[1]!)) ctx.addIssue({ code: 'custom', path: [...path], message: `unknown slot "{${m[1]}}"` });
    }
    if (last) {
      const slot = flow.slots.at(-1);
      if (slot?.name !== last.slot || slot.type !== 'text' || slot.required) {
        ctx.addIssue({ code: 'custom', path: ['confirm', 'lastQuestion', 'slot'], message: `"${last.slot}" is not the flow's last slot, optional and of type text` });
      }
    }
    if (flow.action.type === 'create-request' && !flow.action.kind) {
      ctx.addIssue({ code: 'custom', path: ['action', 'kind'], message: 'create-request needs a kind' });
    }
  });
export type Flow = z.infer<typeof Flow>;
