/**
 * A flow file removed or renamed between two runs (issue 16, item 5): a conversation saved inside it is
 * told the request cannot go on and carries on, instead of failing on the unknown flow id every turn.
 * Real runtimes on one SQLite data directory, the second one started with the changed flows folder.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startRuntime, tempDir, terminalConversation, type TestRuntime } from '../helpers/runtime.js';

const RETIRED = '已无法继续';

describe('a conversation inside a flow that is no longer loaded', () => {
  const dataDir = tempDir();
  const flowsDir = tempDir('pos-assist-flows-');
  cpSync(join(import.meta.dirname, '../../flows'), flowsDir, { recursive: true });
  const started: TestRuntime[] = [];
  const start = async () => {
    const env = await startRuntime({ DATA_DIR: dataDir, FLOWS_DIR: flowsDir });
    started.push(env);
    return env;
  };

  afterAll(async () => {
    for (const env of started) await env.runtime.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(flowsDir, { recursive: true, force: true });
  });

  it('is told once that the request ended, and the same message is then answered normally', async () => {
    const first = await start();
    const before = terminalConversation(first.runtime, 'retired-1');
    const opening = await before.say('我要撤销一笔交易');
    expect(opening.map((a) => a.text).join('\n')).toMatch(/商户/);
    const returning = terminalConversation(first.runtime, 'retired-2');
    await returning.say('我要撤销一笔交易');
    // Halfway through, the operator renames the flow (a new id) and restarts.
    await first.runtime.close();
    started.pop();
    const file = join(flowsDir, 'cancel-transaction.yaml');
    writeFileSync(join(flowsDir, 'void-or-refund.yaml'), readFileSync(file, 'utf8').replace(/^id: cancel-transaction$/m, 'id: void-or-refund'));
    rmSync(file);

    const second = await start();
    const after = terminalConversation(second.runtime, 'retired-1');
    const reply = (await after.say('退货的时限是多久？')).map((a) => a.text ?? '');
    expect(reply[0]).toContain(RETIRED);
    // A merchant coming back to the chat is not offered to resume it either.
    const back = (await terminalConversation(second.runtime, 'retired-2').start()).map((a) => a.text ?? '').join('\n');
    expect(back).toContain(RETIRED);
    expect(back).not.toMatch(/欢迎回来/);

    // The question itself still gets its answer, not an internal error.
    expect(reply.slice(1).join('\n')).toMatch(/退货/);
    expect(reply.join('\n')).not.toMatch(/出错|went wrong/);

    // Told once; the renamed flow starts as usual.
    const again = (await after.say('我要撤销一笔交易')).map((a) => a.text ?? '').join('\n');
    expect(again).not.toContain(RETIRED);
    expect(again).toMatch(/撤销 \/ 退货申请/);
  });
});
