/**
 * `pos-assist <command>`: the operator's and developer's entry point.
 *
 *   serve                              the web server (what `npm start` runs)
 *   ingest [--rebuild] [--json]        build or update the knowledge index
 *   ask "<question>" [--json]          one answer, as the bot would give it
 *   chat [--jsonl] [--user ID]         a conversation with the bot in the terminal
 *   eval [--json] [--fixtures FILE] [--model]
 *                                      answer quality on the labelled questions (--model: with the LLM)
 *   agents add NAME [--role R] [--display-name D]
 *                                      an agent of the console (password from a prompt or stdin)
 *   agents list [--json]               the console's agents
 *   agents disable|enable|reset-password NAME, agents display-name NAME D
 *                                      what an operator does to an account
 *   usage [--hours N] [--json]         the language model's calls: outcomes, tokens, latency
 *   knowledge export [--dry-run] [--json]
 *                                      the console's paraphrases and curated answers into knowledge/
 *
 * stdout carries results only (answers, JSON); logs go to stderr. Exit codes: 0 ok, 1 failure,
 * 2 bad usage. `main` is the whole command line; cli.ts only runs it with the process's arguments, so
 * tests can run a command in their own process (test/app/cli.test.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from './config.js';
import { checkChatUser, checkFixturesFile, usageError } from './cli-usage.js';
import { isAppError } from './errors.js';
import type { Logger } from './logger.js';

const USAGE = `Usage: pos-assist <command> [options]

Commands:
  serve                              Start the web server: demo page, web chat widget, Direct Line API.
  ingest [--rebuild] [--json]        Build or update the knowledge index from the knowledge folder.
  ask "<question>" [--json]          Answer one question from the knowledge base, with its sources.
  chat [--jsonl] [--user ID]         Talk to the bot in the terminal. With --jsonl, read one message per
                                     stdin line (text, or {"text": "..."}) and print one JSON object per
                                     bot activity per line.
  eval [--json] [--fixtures FILE] [--model]
                                     Measure answer quality on the labelled questions (hybrid vs BM25
                                     alone). With --model, also the answer path with the configured
                                     language model (LLM_*: rewrite, rerank, grounded answer), scored
                                     the same way, and the calls it made.
  agents add <name> [--role agent|supervisor] [--display-name <shown name>] [--password-stdin]
                                     Create an agent of the console at /agent (role: agent by default).
                                     The password (at least 10 characters) is asked twice without echo,
                                     or read from stdin with --password-stdin (for scripts). Merchants
                                     see the display name (e.g. 李华), never the login name; without
                                     one they see "#<id>".
  agents list [--json]               List the console's agents.
  agents display-name <name> <shown name>
                                     Set the name merchants see for this agent.
  agents disable <name>              Switch an account off: no login, its sessions and open consoles end.
  agents enable <name>               Switch it on again.
  agents reset-password <name> [--password-stdin]
                                     Set a new password; every session of the agent ends.
  usage [--hours N] [--json]         The language model's calls in the last N hours (default 24): by
                                     outcome and purpose, tokens, latency.
  knowledge export [--dry-run] [--json]
                                     Write the paraphrases and curated answers made in the console into
                                     the knowledge folder (the sections' "### 问法" lists and
                                     curated-answers.md), to review and commit. --dry-run only reports.
  help                               Show this help.

Configuration comes from environment variables (see .env.example).`;

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMANDS: Record<string, { options: Options; positionals: [min: number, max: number] }> = {
  serve: { options: {}, positionals: [0, 0] },
  ingest: { options: { rebuild: { type: 'boolean' }, json: { type: 'boolean' } }, positionals: [0, 0] },
  ask: { options: { json: { type: 'boolean' } }, positionals: [1, Infinity] },
  chat: { options: { jsonl: { type: 'boolean' }, user: { type: 'string' } }, positionals: [0, 0] },
  eval: { options: { json: { type: 'boolean' }, fixtures: { type: 'string' }, model: { type: 'boolean' } }, positionals: [0, 0] },
  agents: {
    options: { role: { type: 'string' }, 'display-name': { type: 'string' }, 'password-stdin': { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: [1, 3],
  },
  usage: { options: { hours: { type: 'string' }, json: { type: 'boolean' } }, positionals: [0, 0] },
  knowledge: { options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, positionals: [1, 1] },
  help: { options: {}, positionals: [0, 0] },
};

/** `agents <subcommand> …` (see USAGE): checked before anything loads. */
function checkAgentsUsage(positionals: string[], values: Record<string, string | boolean | undefined>): void {
  const [sub, ...rest] = positionals;
  const only = (allowed: string[]) => {
    for (const option of ['role', 'display-name', 'password-stdin', 'json']) {
      if (values[option] !== undefined && values[option] !== false && !allowed.includes(option)) {
        usageError(`"agents ${sub}" takes ${allowed.length ? allowed.map((o) => `--${o}`).join(', ') : 'no options'}, not --${option}`);
      }
    }
  };
  const needsPassword = () => {
    if (!values['password-stdin'] && !process.stdin.isTTY) {
      usageError(`"agents ${sub}" asks for the password on a terminal; give it on stdin with --password-stdin`);
    }
  };
  if (sub === 'add') {
    if (rest.length !== 1) usageError('"agents add" needs exactly one name: pos-assist agents add <name> --role agent|supervisor');
    if (values.role !== undefined && values.role !== 'agent' && values.role !== 'supervisor') {
      usageError(`--role must be agent or supervisor (got "${values.role}")`);
    }
    only(['role', 'display-name', 'password-stdin']);
    needsPassword();
  } else if (sub === 'list') {
    if (rest.length > 0) usageError(`"agents list" takes no argument "${rest[0]}"`);
    only(['json']);
  } else if (sub === 'disable' || sub === 'enable' || sub === 'reset-password') {
    if (rest.length !== 1) usageError(`"agents ${sub}" needs exactly one name: pos-assist agents ${sub} <name>`);
    only(sub === 'reset-password' ? ['password-stdin'] : []);
    if (sub === 'reset-password') needsPassword();
  } else if (sub === 'display-name') {
    if (rest.length !== 2) usageError('"agents display-name" needs the name and the shown name: pos-assist agents display-name <name> "李华"');
    only([]);
  } else {
    const subs = 'add, list, display-name, disable, enable or reset-password';
    usageError(sub === undefined ? `"agents" needs a subcommand: ${subs}` : `unknown subcommand "agents ${sub}" (${subs})`);
  }
}

/** Runs one command line (the arguments after `pos-assist`); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  let config: Config | undefined;
  let logger: Logger | undefined;
  try {
    const spec = COMMANDS[command];
    if (!spec) usageError(`unknown command "${command}"`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: spec.options, allowPositionals: true, strict: true });
    } catch (err) {
      usageError((err as Error).message);
    }
    const [min, max] = spec.positionals;
    if (command === 'agents') checkAgentsUsage(parsed.positionals, parsed.values as Record<string, string | boolean | undefined>);
    const hours = (parsed.values as Record<string, unknown>).hours;
    if (command === 'usage' && hours !== undefined && !(/^\d+$/.test(String(hours)) && Number(hours) >= 1 && Number(hours) <= 24 * 366)) {
      usageError(`--hours must be a whole number of hours from 1 to 8784 (got "${String(hours)}")`);
    }
    if (command === 'knowledge' && parsed.positionals[0] !== 'export') usageError(`unknown subcommand "knowledge ${parsed.positionals[0] ?? ''}" (export)`);
    if (parsed.positionals.length < min) usageError(`"${command}" needs ${min === 1 ? 'an argument' : `${min} arguments`}`);
    if (parsed.positionals.length > max) usageError(`"${command}" takes no argument "${parsed.positionals[max]}"`);
    // Checked here as well as in the commands, so that a wrong value answers before botbuilder and the index load.
    if (command === 'chat') checkChatUser((parsed.values as { user?: string }).user);
    if (command === 'eval') checkFixturesFile((parsed.values as { fixtures?: string }).fixtures);
    if (command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }

    // The configuration's schema (zod) and the logger load only now: help and usage errors answer without them.
    const [{ loadConfig, loadDotEnv }, { createLogger }] = await Promise.all([import('./config.js'), import('./logger.js')]);
    loadDotEnv();
    config = loadConfig();
    // Interactive and scripted commands keep the terminal clean unless asked for more.
    logger = createLogger(process.env.LOG_LEVEL ? config : { logLevel: 'warn' }, { name: 'cli' });
    const values = parsed.values as Record<string, string | boolean | undefined>;
    // The commands load only once the arguments are known to be right: a usage error answers at once.
    // The bookkeeping commands need only the database; the others load botbuilder, LangChain and jieba.
    if (command === 'agents' || command === 'usage' || command === 'knowledge') {
      const { runAgents, runKnowledgeExport, runUsage } = await import('./admin-commands.js');
      if (command === 'knowledge') return await runKnowledgeExport(config, Boolean(values['dry-run']), Boolean(values.json));
      if (command === 'usage') return await runUsage(config, values.hours === undefined ? 24 : Number(values.hours), Boolean(values.json));
      return await runAgents(config, parsed.positionals, {
        role: values.role as string | undefined,
        displayName: values['display-name'] as string | undefined,
        passwordStdin: Boolean(values['password-stdin']),
        json: Boolean(values.json),
      });
    }
    const { runIngest, runAsk, runChat, runEval, runServe } = await import('./commands.js');
    switch (command) {
      case 'serve':
        return await runServe(config, createLogger(config, { name: 'server' }));
      case 'ingest':
        return await runIngest(config, logger, Boolean(values.rebuild), Boolean(values.json));
      case 'ask':
        return await runAsk(config, logger, parsed.positionals.join(' '), Boolean(values.json));
      case 'chat':
        return await runChat(config, logger, Boolean(values.jsonl), values.user as string | undefined);
      case 'eval':
        return await runEval(config, logger, values.fixtures as string | undefined, Boolean(values.json), Boolean(values.model));
    }
    return 0;
  } catch (err) {
    if (isAppError(err, 'CLI_USAGE')) {
      process.stderr.write(`pos-assist: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (isAppError(err)) {
      process.stderr.write(`pos-assist: [${err.code}] ${err.message}\n`);
      return 1;
    }
    if (logger) logger.error({ err }, 'command failed');
    else process.stderr.write(`pos-assist: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
