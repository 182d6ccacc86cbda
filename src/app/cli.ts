#!/usr/bin/env node
/**
 * `pos-assist <command>`: the operator's and developer's entry point (the commands, their usage and
 * exit codes are in cli-main.ts).
 */
import { main } from './cli-main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`pos-assist: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
