/** Telegram's formatting rules and the channel's state file, without a server. */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callbackDataFor,
  chatIdOf,
  conversationIdFor,
  escapeHtml,
  layoutKeyboard,
  localeFromLanguageCode,
  splitText,
  TELEGRAM_TEXT_LIMIT,
} from '../../src/channels/telegram/format.js';
import { TelegramState } from '../../src/channels/telegram/telegram-state.js';
import { tempDir } from '../helpers/runtime.js';

describe('escapeHtml', () => {
  it('escapes the three characters HTML parse mode requires, and nothing else', () => {
    expect(escapeHtml('a & b < c > d "e" \'f\' 《g》')).toBe('a &amp; b &lt; c &gt; d "e" \'f\' 《g》');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});

describe('splitText', () => {
  it('keeps a short text whole and trims it', () => {
    expect(splitText('  你好。  ')).toEqual(['你好。']);
    expect(splitText('')).toEqual([]);
  });

  it('prefers paragraph, then line, then sentence boundaries', () => {
    const para = `${'甲'.repeat(30)}。\n\n${'乙'.repeat(30)}。`;
    expect(splitText(para, 40)).toEqual([`${'甲'.repeat(30)}。`, `${'乙'.repeat(30)}。`]);
    const sentences = `${'丙'.repeat(20)}。${'丁'.repeat(20)}！${'戊'.repeat(20)}？`;
    expect(splitText(sentences, 45)).toEqual([`${'丙'.repeat(20)}。${'丁'.repeat(20)}！`, `${'戊'.repeat(20)}？`]);
    const english = 'The refund goes back to the card. It takes a few days. Ask your acquirer if it does not arrive.';
    const parts = splitText(english, 40);
    expect(parts[0]).toBe('The refund goes back to the card.');
    expect(parts.join(' ')).toBe(english);
  });

  it('cuts a sentence longer than a message at a clause or, failing that, hard — never inside a surrogate pair', () => {
    const clauses = `${'己'.repeat(30)}，${'庚'.repeat(30)}。`;
    expect(splitText(clauses, 40)).toEqual([`${'己'.repeat(30)}，`, `${'庚'.repeat(30)}。`]);
    const emoji = '😀'.repeat(30); // 60 code units
    const parts = splitText(emoji, 41);
    expect(parts.join('')).toBe(emoji);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(41);
    expect(parts[0]!.length % 2).toBe(0);
  });

  it('measures the escaped length (what Telegram receives), so no part is over the limit once escaped', () => {
    const text = '<&>'.repeat(3000);
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(escapeHtml(p).length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(parts.join('')).toBe(text);
  });

  it('splits a realistic long reply into parts below 4096 that end at sentence ends', () => {
    const text = Array.from({ length: 200 }, (_, i) => `第${i}句：已经结算的交易不能撤销，只能做退货。`).join('');
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(p.endsWith('。')).toBe(true);
    }
    expect(parts.join('')).toBe(text);
  });
});

describe('callback data and keyboards', () => {
  it('carries short answers inline and long ones (over 64 bytes) as a 16-character key', () => {
    expect(callbackDataFor('确认提交')).toEqual({ data: 'v:确认提交' });
    const long = '已结算的交易怎么退货'.repeat(3); // 30 CJK characters = 90 bytes
    const { data, key } = callbackDataFor(long);
    expect(key).toBe(data);
    expect(data).toMatch(/^k:[A-Za-z0-9_-]{16}$/);
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    expect(callbackDataFor(long).data).toBe(data); // stable
    // 62 bytes of value fit exactly; 63 do not.
    expect(callbackDataFor('a'.repeat(62)).data).toBe(`v:${'a'.repeat(62)}`);
    expect(callbackDataFor('a'.repeat(63)).key).toBeDefined();
  });

  it('puts short labels in one row and longer ones one per row', () => {
    const rating = ['1', '2', '3', '4', '5'].map((t) => ({ text: t, callback_data: `v:${t}` }));
    expect(layoutKeyboard(rating)).toEqual([rating]);
    const topics = ['当天的交易怎么撤销', '已结算的交易怎么退货'].map((t) => ({ text: t, callback_data: `v:${t}` }));
    expect(layoutKeyboard(topics)).toEqual([[topics[0]], [topics[1]]]);
  });
});

describe('ids and locales', () => {
  it('maps chats to tg:<chat id> and back', () => {
    expect(conversationIdFor(-1001234567890)).toBe('tg:-1001234567890');
    expect(chatIdOf('tg:-1001234567890')).toBe(-1001234567890);
    expect(chatIdOf('tg:42')).toBe(42);
    expect(() => chatIdOf('directline:abc')).toThrow(/not a Telegram conversation/);
  });

  it('maps language_code to the bot locales', () => {
    expect(localeFromLanguageCode('zh-hans')).toBe('zh-CN');
    expect(localeFromLanguageCode('zh')).toBe('zh-CN');
    expect(localeFromLanguageCode('en')).toBe('en');
    expect(localeFromLanguageCode('ru')).toBe('ru');
    expect(localeFromLanguageCode(undefined)).toBeUndefined();
  });
});

describe('TelegramState', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('remembers long button answers across instances, and starts empty from an unreadable file', () => {
    dir = tempDir('pos-assist-tg-');
    const file = join(dir, 'bot.json');
    new TelegramState(file).rememberAnswer('k:abc', '很长的回答');
    expect(new TelegramState(file).answerFor('k:abc')).toBe('很长的回答');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{not json');
    const state = new TelegramState(broken);
    expect(state.loadError).toBeInstanceOf(Error);
    expect(state.answerFor('k:abc')).toBeUndefined();
  });

  it("reads an earlier version's file (update ids, now in the inbound journal) and drops the ids at the next write", () => {
    dir = tempDir('pos-assist-tg-');
    const file = join(dir, 'bot.json');
    writeFileSync(file, JSON.stringify({ version: 1, updates: [[10, 1]], answers: [['k:old', '旧的回答']] }));
    const state = new TelegramState(file);
    expect(state.loadError).toBeUndefined();
    expect(state.answerFor('k:old')).toBe('旧的回答');
    state.rememberAnswer('k:new', '新的回答');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, answers: [['k:old', '旧的回答'], ['k:new', '新的回答']] });
  });
});
