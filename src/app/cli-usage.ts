import { AppError } from './errors.js';

/** Throws the error the CLI turns into its usage message and exit code 2. */
export function usageError(message: string): never {
  throw new AppError('CLI_USAGE', message);
}
