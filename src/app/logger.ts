/**
 * The program's logger: pino, JSON lines, card numbers masked in every line.
 *
 * - Logs go to stderr (fd 2) by default and never to stdout: stdout carries the CLI's machine-readable
 *   output. Writes to the fd are synchronous so nothing is lost when the CLI exits right after logging.
 * - Card numbers (README, "Card data and privacy") are masked before pino formats anything: the
 *   `logMethod` hook masks the message, the interpolation arguments and the merging object (deep copy,
 *   errors included — pino takes an error's message as the line's `msg`); `child()` and `setBindings()`
 *   mask the bindings (and a child's `msgPrefix`). The caller's objects are never mutated.
 *
 * Limits: a card number assembled only by interpolation across two arguments (`'%s%s'`) is not seen, and
 * serializers added later run after masking, so a serializer must not produce card numbers itself.
 */
import pino from 'pino';
import type { Config } from './config.js';
import { maskCardNumbers, maskDeep } from '../privacy/card-mask.js';

export type { Logger } from '../core/logger.js';
type Logger = pino.Logger;

export interface LoggerOptions {
  /** Shown as `name` in every line (e.g. the channel or the CLI command). */
  name?: string;
  /** A stream (tests) or a file descriptor. Default: 2 (stderr). */
  destination?: NodeJS.WritableStream | number;
}

/**
 * One logged argument, masked. Numbers are left alone, as in `maskDeep`: card numbers arrive as text,
 * while 13-digit millisecond timestamps pass Luhn one time in ten.
 */
function maskArgument(arg: unknown): unknown {
  if (typeof arg === 'string') return maskCardNumbers(arg).text;
  if (typeof arg === 'object' && arg !== null) return maskDeep(arg).value;
  return arg;
}

export function createLogger(config: Pick<Config, 'logLevel'>, options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? 2;
  const stream: pino.DestinationStream =
    typeof destination === 'number'
      ? pino.destination({ dest: destination, sync: true })
      : (destination as pino.DestinationStream);

  const logger = pino(
    {
      level: config.logLevel,
      ...(options.name === undefined ? {} : { name: options.name }),
      hooks: {
        // Runs before pino looks at the arguments, for this logger and every child.
        logMethod(args, method) {
          const masked = (args as unknown[]).map(maskArgument) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    stream,
  );

  // Child bindings are serialised once, when the child is made, and pino gives children no bindings
  // formatter of their own; so mask them on the way in. Children inherit these methods from the root.
  const { child, setBindings } = logger;
  Object.assign(logger, {
    child(this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions) {
      const maskedOptions =
        typeof childOptions?.msgPrefix === 'string'
          ? { ...childOptions, msgPrefix: maskCardNumbers(childOptions.msgPrefix).text }
          : childOptions;
      return Reflect.apply(child, this, [maskDeep(bindings).value, maskedOptions]) as Logger;
    },
    setBindings(this: Logger, bindings: pino.Bindings) {
      Reflect.apply(setBindings, this, [maskDeep(bindings).value]);
    },
  });
  return logger;
}
