/**
 * Intent detection on the real flows: a request starts its flow, a question about the topic does not
 * (it is answered, and the flow offered), and none of the 190+ evaluation questions — merchants asking
 * how things work — starts a flow, except the three that are requests in their own words.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFlows } from '../../src/flows/flow-loader.js';
import { IntentDetector } from '../../src/flows/intent.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const flows = loadFlows(join(ROOT, 'flows'));
const detector = new IntentDetector(flows.values());

function questions(file: string): string[] {
  const data = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', file), 'utf8')) as { questions: { q: string }[]; offTopic: (string | { q: string })[] };
  return [...data.questions.map((x) => x.q), ...data.offTopic.map((x) => (typeof x === 'string' ? x : x.q))];
}

describe('intent detection', () => {
  it('starts each flow from its own examples, in both languages (a question-shaped one is answered first)', () => {
    for (const flow of flows.values()) {
      for (const example of [...flow.intents['zh-CN'], ...flow.intents.en]) {
        const match = detector.detect(example);
        const question = /怎么|吗|[?？]|\b(how|what)\b/i.test(example);
        if (question) expect(match === undefined || match.flowId === flow.id, example).toBe(true);
        else expect(match, example).toMatchObject({ flowId: flow.id, mode: 'start' });
      }
    }
  });

  it('starts the cancel flow from a message that carries the details', () => {
    expect(detector.detect('昨天下午在3号店刷了1280元，凭证号000123，想撤销')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('帮我申请暂停结算')).toMatchObject({ flowId: 'suspend-settlement', mode: 'start' });
    expect(detector.detect('查一下工单进度')).toMatchObject({ flowId: 'request-status', mode: 'start' });
    expect(detector.detect('昨天刷了560元，参考号191919191919，想退货')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    expect(detector.detect('刷错了，要撤销')).toMatchObject({ flowId: 'cancel-transaction', mode: 'start' });
    // Somebody else's wish, as a question, is for the guide.
    expect(detector.detect('顾客要退款怎么办')?.mode).not.toBe('start');
  });

  it('offers, but does not start, on a question about the process', () => {
    expect(detector.detect('怎么申请暂停结算？')).toMatchObject({ flowId: 'suspend-settlement', mode: 'offer' });
    expect(detector.detect('手工退货怎么申请')).toMatchObject({ flowId: 'cancel-transaction', mode: 'offer' });
  });

  it('starts no flow for the evaluation questions, except the three that are requests', () => {
    const started = [...questions('eval-questions.json'), ...questions('eval-holdout.json')]
      .filter((q) => detector.detect(q)?.mode === 'start')
      .sort();
    // "我的申请审核到哪一步了" asks for the merchant's own request: the status flow is the answer.
    expect(started).toEqual(['帮我提交一个取消结算申请', '我想暂停结算 怎么申请', '我的申请审核到哪一步了'].sort());
  });

  it('ignores small talk and empty text', () => {
    for (const text of ['你好', '谢谢', '', '   ', '明天上海会下雨吗', 'hello']) expect(detector.detect(text), text).toBeUndefined();
  });
});
