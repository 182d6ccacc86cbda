import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/app/errors.js';
import { createLogger } from '../../src/app/logger.js';

const PAN = '4111111111111111';
const MASKED = '411111******1111';
const PAN19 = '6222021234567890128';
const MASKED19 = '622202*********0128';

/** Everything written to the stream so far, as parsed JSON lines. */
function lines(stream: PassThrough): Array<Record<string, any>> {
  let text = '';
  for (let chunk = stream.read() as Buffer | null; chunk !== null; chunk = stream.read() as Buffer | null) {
    text += chunk.toString('utf8');
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createLogger', () => {
  it('writes JSON lines at the configured level, with the name', () => {
    const stream = new PassThrough();
    const log = createLogger({ logLevel: 'info' }, { name: 'cli', destination: stream });
    log.debug('hidden');
    log.info({ turn: 3 }, 'hello');
    const out = lines(stream);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ level: 30, name: 'cli', msg: 'hello', turn: 3 });
  });

  it('masks card numbers in the message and in nested fields without touching the caller’s object', () => {
    const stream = new PassThrough();
    const log = createLogger({ logLevel: 'info' }, { destination: stream });
    const activity = {
      text: `卡号${PAN}帮我退款`,
      from: { id: 'u1' },
      attachments: [{ content: { note: `备用卡 6222 0212 3456 7890 128` } }],
      amount: 128,
    };
    log.info({ activity }, `merchant typed 卡号 ${PAN} in chat`);

    const [line] = lines(stream);
    expect(line?.msg).toBe(`merchant typed 卡号 ${MASKED} in chat`);
    expect(line?.activity).toEqual({
      text: `卡号${MASKED}帮我退款`,
      from: { id: 'u1' },
      attachments: [{ content: { note: `备用卡 ${MASKED19}` } }],
      amount: 128,
    });
    expect(activity.text).toBe(`卡号${PAN}帮我退款`);
  });

  it('masks interpolation arguments, message-only calls and child bindings', () => {
    const stream = new PassThrough();
    const log = createLogger({ logLevel: 'info' }, { destination: stream });
    log.info('card %s seen %d times', PAN, 2);
    log.info(`plain ${PAN19}`);
    const child = log.child({ conversation: { lastCard: PAN } }, { msgPrefix: `[${PAN19}] ` });
    child.warn({ extra: [PAN19] }, 'child');
    const grandchild = child.child({ card: PAN19 });
    grandchild.setBindings({ later: `卡号${PAN}` });
    grandchild.info('grandchild');
    const out = lines(stream);
    expect(out[0]?.msg).toBe(`card ${MASKED} seen 2 times`);
    expect(out[1]?.msg).toBe(`plain ${MASKED19}`);
    expect(out[2]).toMatchObject({ msg: `[${MASKED19}] child`, conversation: { lastCard: MASKED }, extra: [MASKED19] });
    expect(out[3]).toMatchObject({ conversation: { lastCard: MASKED }, card: MASKED19, later: `卡号${MASKED}` });
    for (const line of out) expect(JSON.stringify(line)).not.toMatch(/4111111111111111|6222021234567890128/);
  });

  it('masks errors: the message taken from the error, its stack and its fields', () => {
    const stream = new PassThrough();
    const log = createLogger({ logLevel: 'info' }, { destination: stream });
    const err = new AppError('CONFIG_INVALID', `bad card ${PAN}`, { details: { pan: PAN } });
    log.error(err);
    log.error({ err }, 'with object');
    const out = lines(stream);
    expect(out[0]?.msg).toBe(`Invalid configuration: bad card ${MASKED}`);
    expect(out[0]?.err).toMatchObject({
      type: 'AppError',
      code: 'CONFIG_INVALID',
      message: `Invalid configuration: bad card ${MASKED}`,
      details: { pan: MASKED },
    });
    expect(out[0]?.err.stack).toContain(MASKED);
    expect(out[1]?.msg).toBe('with object');
    expect(out[1]?.err.message).toBe(`Invalid configuration: bad card ${MASKED}`);
    expect(err.message).toContain(PAN);
    for (const line of out) expect(JSON.stringify(line)).not.toContain(PAN);
  });

  it('writes to stderr (fd 2) by default and nothing to stdout', () => {
    const writes: Array<{ fd: number; text: string }> = [];
    vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string | NodeJS.ArrayBufferView) => {
      const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString();
      writes.push({ fd, text });
      return Buffer.byteLength(text);
    }) as typeof fs.writeSync);
    const stdout = vi.spyOn(process.stdout, 'write');

    const log = createLogger({ logLevel: 'info' });
    log.info({ pan: PAN }, `default destination ${PAN}`);
    log.flush();

    expect(stdout).not.toHaveBeenCalled();
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.fd === 2)).toBe(true);
    const line = JSON.parse(writes.map((w) => w.text).join('')) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: `default destination ${MASKED}`, pan: MASKED });
  });

  it('writes nothing at level silent', () => {
    const stream = new PassThrough();
    const log = createLogger({ logLevel: 'silent' }, { destination: stream });
    log.fatal('nothing');
    expect(lines(stream)).toEqual([]);
  });
});
