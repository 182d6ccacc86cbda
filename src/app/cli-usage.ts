import { existsSync } from 'node:fs';
import { AppError } from './errors.js';

/** Throws the error the CLI turns into its usage message and exit code 2. */
export function usageError(message: string): never {
  throw new AppError('CLI_USAGE', message);
}

/** `chat --user ID`: the channel user id the terminal chat speaks as. */
export function checkChatUser(user: string | undefined): void {
  if (user !== undefined && !/^[\w.:@-]{1,64}$/.test(user)) usageError('--user must be 1-64 letters, digits or ._:@-');
}

/** `eval --fixtures FILE`: the file must exist. */
export function checkFixturesFile(file: string | undefined): void {
  if (file !== undefined && !existsSync(file)) usageError(`fixtures file not found: ${file}`);
}
