/**
 * The slot-filling engine: a pure step function over a serialisable state. The bot keeps the state in
 * conversation state (SQL storage), so a restart mid-flow continues where it stood; the engine itself
 * keeps nothing between calls, which makes every behaviour a plain input → output test.
 *
 * One step takes the merchant's message (text and files) and returns the new state (or none when the
 * flow ended), what to say, and an outcome for the bot to act on: submit, cancelled, stopped by a rule,
 * hand off to a person, or a digression (a knowledge question asked mid-flow: the bot answers it, then
 * repeats the pending prompt with `reprompt`).
 */
import type { Locale } from '../i18n/messages.js';
import { conditionsHold, todayIn } from './conditions.js';
import type { Flow, Slot } from './flow-schema.js';
import { flowText } from './flow-messages.js';
import type { Invalid, SlotContext, SlotType } from './slot-types/types.js';

export interface SlotValue {
  value: unknown;
  display: string;
}

export interface FileRef {
  file: string;
  contentType: string;
  size: number;
  name: string;
}

export interface FlowState {
  flowId: string;
  values: Record<string, SlotValue>;
  skipped: string[];
  attempts: Record<string, number>;
  /** The slot whose prompt was said last. */
  pending?: string;
  stage: 'collecting' | 'confirming' | 'confirm-cancel';
  /** The stage to return to when the merchant does not confirm a cancellation. */
  resumeStage?: 'collecting' | 'confirming';
  /** Slots made required by rules (a manual refund needs the slip). */
  required: string[];
  /** Rules whose message was said already (said once). */
  announced: string[];
}

export interface FlowInput {
  text: string;
  files?: FileRef[];
}

export interface Say {
  text: string;
  suggestedActions?: string[];
}

export type Outcome =
  | { type: 'submit'; flow: Flow; values: Record<string, SlotValue> }
  | { type: 'cancelled' }
  | { type: 'stopped'; rule: string }
  | { type: 'handoff'; reason: 'slot_retry_limit' | 'business_rule'; detail: string }
  | { type: 'digression'; question: string };

export interface Step {
  /** The state after this step; undefined when the flow has ended. */
  state: FlowState | undefined;
  say: Say[];
  outcome?: Outcome;
}

export interface EngineOptions {
  slotTypes: Record<string, SlotType>;
  timeZone?: string;
}

const YES = /^(是|是的|对|对的|确认|确认提交|提交|没问题|好的?|可以|ok|okay|yes|y|confirm|submit|sure)[!！。.\s]*$/i;
const NO = /^(不|否|不是|不对|不用|no|n|nope)[!！。.\s]*$/i;
const CANCEL = /^(取消|算了|不办了|不要了|不用了|不申请了|退出|结束|cancel|stop|quit|never ?mind)[!！。.\s]*$/i;
const SKIP = /^(跳过|没有|无|不知道|不清楚|不记得了?|skip|none|n\/a|no idea|don't know)[!！。.\s]*$/i;
const CORRECTION = /不对|错了|改成|改为|应该是|更正|修改|改一下|actually|correction|change/i;
const QUESTION = /[?？]|吗|呢|怎么|如何|什么|为什么|为啥|多久|哪些|能不能|可不可以|是不是|how|what|why|when|which|can i|should i/i;

export class FlowEngine {
  private readonly timeZone: string;

  constructor(private readonly flows: Map<string, Flow>, private readonly options: EngineOptions) {
    this.timeZone = options.timeZone ?? 'Asia/Shanghai';
  }

  flow(id: string): Flow {
    const flow = this.flows.get(id);
    if (!flow) throw new Error(`unknown flow "${id}"`);
    return flow;
  }

  /** Starts a flow with the message that triggered it (which may already carry several values). */
  start(flowId: string, input: FlowInput, now: Date, locale: Locale): Step {
    const state: FlowState = { flowId, values: {}, skipped: [], attempts: {}, stage: 'collecting', required: [], announced: [] };
    const flow = this.flow(flowId);
    const say: Say[] = [{ text: flowText(locale, 'flowStart', { title: flow.title[locale] }) }];
    const step = this.collect(flow, state, input, now, locale, { fromStart: true });
    return { ...step, say: [...say, ...step.say] };
  }

  handle(state: FlowState, input: FlowInput, now: Date, locale: Locale): Step {
    const flow = this.flow(state.flowId);
    const text = input.text.trim();
    const next = structuredClone(state);

    if (next.stage === 'confirm-cancel') {
      if (YES.test(text) || CANCEL.test(text)) return { state: undefined, say: [{ text: flowText(locale, 'flowCancelled') }], outcome: { type: 'cancelled' } };
      next.stage = next.resumeStage ?? 'collecting';
      delete next.resumeStage;
      return { state: next, say: [{ text: flowText(locale, 'flowContinue') }, ...this.ask(flow, next, now, locale)] };
    }
    if (CANCEL.test(text) && !(input.files?.length)) {
      next.resumeStage = next.stage;
      next.stage = 'confirm-cancel';
      return {
        state: next,
        say: [{ text: flowText(locale, 'flowCancelConfirm'), suggestedActions: [flowText(locale, 'actionYesCancel'), flowText(locale, 'actionNoContinue')] }],
      };
    }
    if (next.stage === 'confirming') return this.confirming(flow, next, input, now, locale);
    return this.collect(flow, next, input, now, locale, { fromStart: false });
  }

  /** The pending prompt again (after a digression was answered, or after a restart). */
  reprompt(state: FlowState, now: Date, locale: Locale): Say[] {
    const flow = this.flow(state.flowId);
    if (state.stage === 'confirming') return [this.summary(flow, state, locale)];
    if (state.stage === 'confirm-cancel') return [{ text: flowText(locale, 'flowCancelConfirm') }];
    return this.ask(flow, structuredClone(state), now, locale);
  }

  // ── Collecting ─────────────────────────────────────────────────────────────────────────────────────

  private collect(flow: Flow, state: FlowState, input: FlowInput, now: Date, locale: Locale, opts: { fromStart: boolean }): Step {
    const say: Say[] = [];
    const text = input.text.trim();
    const pending = state.pending ? flow.slots.find((s) => s.name === state.pending) : undefined;
    let progressed = false;

    // Files go to the pending file slot, else to the first file slot still open.
    if (input.files?.length) {
      const target = pending?.type === 'attachments' ? pending : flow.slots.find((s) => s.type === 'attachments' && !state.values[s.name]);
      if (target) {
        const result = this.addFiles(target, state, input.files, locale);
        if (result) say.push(result);
        else progressed = true;
      } else {
        say.push({ text: flowText(locale, 'flowFileNotExpected') });
      }
    }

    if (text && pending && !pending.required && !state.required.includes(pending.name) && SKIP.test(text)) {
      state.skipped.push(pending.name);
      progressed = true;
    } else if (text) {
      const changed = this.extractInto(flow, state, text, now, locale, say);
      progressed ||= changed.length > 0;
      if (pending && !changed.includes(pending.name) && pending.type !== 'attachments' && !opts.fromStart) {
        const parsed = this.parse(pending, state, text, now, locale);
        if (parsed.ok) {
          state.values[pending.name] = { value: parsed.value, display: parsed.display };
          progressed = true;
        } else if (changed.length === 0) {
          if (QUESTION.test(text)) return { state, say, outcome: { type: 'digression', question: text } };
          return this.failedAttempt(flow, state, pending, parsed, say, now, locale);
        }
      } else if (pending?.type === 'attachments' && !changed.length && !input.files?.length && !opts.fromStart) {
        if (QUESTION.test(text)) return { state, say, outcome: { type: 'digression', question: text } };
        say.push({ text: flowText(locale, 'flowNeedFiles') });
      }
    }
    void progressed;
    return this.advance(flow, state, now, locale, say);
  }

  private failedAttempt(flow: Flow, state: FlowState, slot: Slot, invalid: Invalid, say: Say[], now: Date, locale: Locale): Step {
    const attempts = (state.attempts[slot.name] ?? 0) + 1;
    state.attempts[slot.name] = attempts;
    if (attempts >= flow.maxAttempts) {
      return {
        state,
        say: [...say, { text: invalid.message[locale] }, { text: flowText(locale, 'flowRetryLimit'), suggestedActions: [flowText(locale, 'actionHuman'), flowText(locale, 'actionTryAgain')] }],
        outcome: { type: 'handoff', reason: 'slot_retry_limit', detail: `${flow.id}.${slot.name}: ${invalid.reason}` },
      };
    }
    return { state, say: [...say, { text: `${invalid.message[locale]}${flowText(locale, 'flowTryAgainSuffix')}` }, this.prompt(slot, locale)] };
  }

  /** Applies rules, then asks the next open slot, or moves to the confirmation. */
  private advance(flow: Flow, state: FlowState, now: Date, locale: Locale, say: Say[]): Step {
    const ruleStep = this.applyRules(flow, state, now, locale, say);
    if (ruleStep) return ruleStep;
    const next = this.nextSlot(flow, state, now);
    if (next) {
      state.pending = next.name;
      return { state, say: [...say, this.prompt(next, locale)] };
    }
    delete state.pending;
    if (!flow.confirm) return { state: undefined, say, outcome: { type: 'submit', flow, values: state.values } };
    state.stage = 'confirming';
    return { state, say: [...say, this.summary(flow, state, locale)] };
  }

  private ask(flow: Flow, state: FlowState, now: Date, locale: Locale): Say[] {
    const next = state.pending ? flow.slots.find((s) => s.name === state.pending) : this.nextSlot(flow, state, now);
    return next ? [this.prompt(next, locale)] : [this.summary(flow, state, locale)];
  }

  private nextSlot(flow: Flow, state: FlowState, now: Date): Slot | undefined {
    const values = this.plainValues(state);
    for (const slot of flow.slots) {
      if (state.values[slot.name] || state.skipped.includes(slot.name)) continue;
      const required = slot.required || state.required.includes(slot.name);
      if (!required && slot.group === undefined) {
        // Optional slots are asked once (they can be skipped), unless a rule set them.
        if (slot.askWhen && !conditionsHold(slot.askWhen, values, flow.settings, todayIn(now, this.timeZone))) continue;
        if (this.isRuleSet(flow, slot)) continue;
        return slot;
      }
      if (slot.group && flow.slots.some((o) => o.group === slot.group && state.values[o.name])) continue;
      if (slot.askWhen && !conditionsHold(slot.askWhen, values, flow.settings, todayIn(now, this.timeZone))) continue;
      return slot;
    }
    return undefined;
  }

  /** A slot that only rules fill (`set`) is never asked. */
  private isRuleSet(flow: Flow, slot: Slot): boolean {
    return flow.rules.some((r) => r.then.set && slot.name in r.then.set);
  }

  private applyRules(flow: Flow, state: FlowState, now: Date, locale: Locale, say: Say[]): Step | undefined {
    const today = todayIn(now, this.timeZone);
    for (const rule of flow.rules) {
      if (!conditionsHold(rule.when, this.plainValues(state), flow.settings, today)) continue;
      const first = !state.announced.includes(rule.id);
      if (rule.then.set) {
        for (const [name, value] of Object.entries(rule.then.set)) {
          const slot = flow.slots.find((s) => s.name === name);
          const label = slot?.options.values?.find((v) => v.id === String(value))?.labels[0] ?? String(value);
          state.values[name] = { value, display: label };
        }
      }
      for (const name of rule.then.require ?? []) if (!state.required.includes(name)) state.required.push(name);
      if (rule.then.say && first) say.push({ text: rule.then.say[locale] });
      if (first) state.announced.push(rule.id);
      if (rule.then.handoff) {
        return {
          state: undefined,
          say: [...say, { text: flowText(locale, 'flowRuleHandoff'), suggestedActions: [flowText(locale, 'actionHuman')] }],
          outcome: { type: 'handoff', reason: 'business_rule', detail: `${flow.id}.${rule.id}` },
        };
      }
      if (rule.then.stop) return { state: undefined, say, outcome: { type: 'stopped', rule: rule.id } };
    }
    return undefined;
  }

  // ── Confirming ─────────────────────────────────────────────────────────────────────────────────────

  private confirming(flow: Flow, state: FlowState, input: FlowInput, now: Date, locale: Locale): Step {
    const text = input.text.trim();
    if (YES.test(text) && !input.files?.length) {
      return { state: undefined, say: [], outcome: { type: 'submit', flow, values: state.values } };
    }
    const say: Say[] = [];
    if (input.files?.length) {
      const target = flow.slots.find((s) => s.type === 'attachments');
      const problem = target ? this.addFiles(target, state, input.files, locale) : { text: flowText(locale, 'flowFileNotExpected') };
      if (problem) say.push(problem);
    }
    const changed = text ? this.extractInto(flow, state, text, now, locale, say, { correction: true }) : [];
    if (!changed.length && !input.files?.length && !say.length) {
      if (NO.test(text) || CORRECTION.test(text)) return { state, say: [{ text: flowText(locale, 'flowWhatToChange') }] };
      if (QUESTION.test(text)) return { state, say: [], outcome: { type: 'digression', question: text } };
      return { state, say: [{ text: flowText(locale, 'flowConfirmHint') }, this.summary(flow, state, locale)] };
    }
    // Values changed: rules may now say otherwise (a corrected date can make it a manual refund).
    state.stage = 'collecting';
    return this.advance(flow, state, now, locale, say);
  }

  // ── Values ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Fills slots from values found anywhere in the text. A type used by one slot of the flow fills that
   * slot (a new value replaces the old: the merchant restated it); a type shared by several slots (two
   * dates) only fills the pending one. An invalid restatement ("参考号是12345") keeps the earlier value
   * and says why.
   */
  private extractInto(flow: Flow, state: FlowState, text: string, now: Date, locale: Locale, say: Say[], opts: { correction?: boolean } = {}): string[] {
    const changed: string[] = [];
    const byType = new Map<string, Slot[]>();
    for (const slot of flow.slots) {
      if (slot.type === 'attachments' || slot.type === 'text' || slot.type === 'enum') continue;
      byType.set(slot.type, [...(byType.get(slot.type) ?? []), slot]);
    }
    for (const [type, slots] of byType) {
      const target = slots.length === 1 ? slots[0]! : slots.find((s) => s.name === state.pending);
      if (!target) continue;
      const found = this.slotType(type).extract(text, this.context(target, now, locale, flow));
      if (found.length > 0) {
        const f = found[0]!;
        const before = state.values[target.name]?.display;
        state.values[target.name] = { value: f.value, display: f.display };
        if (state.skipped.includes(target.name)) state.skipped = state.skipped.filter((n) => n !== target.name);
        if (before !== f.display) changed.push(target.name);
        // A value of one slot in a group of alternatives satisfies the group.
      }
    }
    // Enum answers while confirming ("没有通知合作方") and corrections naming an enum's label.
    if (opts.correction) {
      for (const slot of flow.slots.filter((s) => s.type === 'enum' && !this.isRuleSet(flow, s))) {
        const parsed = this.parse(slot, state, text, now, locale);
        if (parsed.ok && state.values[slot.name]?.display !== parsed.display && (slot.options.values?.length ?? 0) > 0) {
          const labels = slot.options.values!.flatMap((v) => v.labels);
          if (labels.some((l) => text.includes(l))) {
            state.values[slot.name] = { value: parsed.value, display: parsed.display };
            changed.push(slot.name);
          }
        }
      }
    }
    if (changed.length === 0 && CORRECTION.test(text)) {
      // "不对，参考号是12345": find the slot the merchant meant and say why the new value was not taken.
      for (const slot of flow.slots) {
        if (!state.values[slot.name] || slot.type === 'attachments' || slot.type === 'enum' || slot.type === 'text') continue;
        const stripped = text.replace(CORRECTION, '').replace(/^[，,。.\s:：]+/, '');
        const parsed = this.parse(slot, state, stripped.replace(/^[^0-9０-９¥￥一二三四五六七八九十两零]*?(是|为|:|：)/, ''), now, locale);
        if (!parsed.ok && mentionsSlot(slot, stripped)) {
          say.push({ text: `${parsed.message[locale]}${flowText(locale, 'flowKeptValue', { value: state.values[slot.name]!.display })}` });
          break;
        }
      }
    }
    return changed;
  }

  private parse(slot: Slot, state: FlowState, text: string, now: Date, locale: Locale) {
    const flow = this.flow(state.flowId);
    return this.slotType(slot.type).parse(text, this.context(slot, now, locale, flow));
  }

  private addFiles(slot: Slot, state: FlowState, files: FileRef[], locale: Locale): Say | undefined {
    const accepted = files.filter((f) => /^(image\/(jpeg|png|webp|gif)|application\/pdf)$/.test(f.contentType));
    if (accepted.length < files.length) return { text: flowText(locale, 'flowFileType') };
    const existing = (state.values[slot.name]?.value as FileRef[] | undefined) ?? [];
    const all = [...existing, ...accepted.filter((f) => !existing.some((e) => e.file === f.file))];
    const max = slot.options.maxFiles ?? 5;
    if (all.length > max) return { text: flowText(locale, 'flowTooManyFiles', { max }) };
    state.values[slot.name] = { value: all, display: flowText(locale, 'flowFilesDisplay', { count: all.length }) };
    return undefined;
  }

  private context(slot: Slot, now: Date, locale: Locale, flow: Flow): SlotContext {
    const maxAgeDays = typeof slot.options.maxAgeDays === 'string' ? Number(flow.settings[slot.options.maxAgeDays.slice('settings.'.length)]) : slot.options.maxAgeDays;
    return {
      now,
      timeZone: this.timeZone,
      locale,
      options: {
        values: slot.options.values,
        minLength: slot.options.minLength,
        maxLength: slot.options.maxLength,
        maxAgeDays,
        maxAmount: slot.options.maxAmount,
      },
    };
  }

  private slotType(name: string): SlotType {
    const type = this.options.slotTypes[name];
    if (!type) throw new Error(`no slot type "${name}"`);
    return type;
  }

  private plainValues(state: FlowState): Record<string, unknown> {
    return Object.fromEntries(Object.entries(state.values).map(([k, v]) => [k, v.value]));
  }

  private prompt(slot: Slot, locale: Locale): Say {
    const actions = slot.type === 'enum' ? slot.options.values?.map((v) => pickLabel(v.labels, locale)) : undefined;
    const optional = !slot.required ? [flowText(locale, 'actionSkip')] : [];
    const suggested = [...(actions ?? []), ...optional];
    return suggested.length ? { text: slot.prompt[locale], suggestedActions: suggested } : { text: slot.prompt[locale] };
  }

  private summary(flow: Flow, state: FlowState, locale: Locale): Say {
    const template = flow.confirm?.summary[locale] ?? '';
    const text = template.replace(/\{(\w+)\}/g, (_, name: string) => state.values[name]?.display ?? flowText(locale, 'flowNotGiven'));
    return { text, suggestedActions: [flowText(locale, 'actionConfirm'), flowText(locale, 'actionCancel')] };
  }
}

function pickLabel(labels: string[], locale: Locale): string {
  const cjk = labels.find((l) => /[\u4e00-\u9fff]/.test(l));
  const latin = labels.find((l) => !/[\u4e00-\u9fff]/.test(l));
  return (locale === 'en' ? latin : cjk) ?? labels[0]!;
}

/** Whether a correction message names this slot (by its type's usual words). */
function mentionsSlot(slot: Slot, text: string): boolean {
  const words: Record<string, RegExp> = {
    merchant_id: /商户(编)?号|mid|merchant/i,
    terminal_id: /终端(编)?号|tid|terminal/i,
    batch_no: /批次号|batch/i,
    voucher_no: /凭证号|流水号|voucher|trace/i,
    reference_no: /参考号|rrn|ref/i,
    auth_code: /授权码|auth/i,
    date: /日期|哪天|号|date|day/i,
    amount: /金额|元|块|amount|¥|￥/i,
    phone: /电话|手机|phone|mobile/i,
    card_last4: /后四位|后4位|尾号|last ?4/i,
  };
  return words[slot.type]?.test(text) ?? false;
}
