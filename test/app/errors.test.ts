import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOGUE, isAppError } from '../../src/app/errors.js';

describe('error catalogue', () => {
  it('every code is documented in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(readme, code).toContain(`\`${code}\``);
  });

  it('errors carry code, status, detail and cause', () => {
    const cause = new Error('disk');
    const err = new AppError('KNOWLEDGE_INDEX_CORRUPT', '/data/index', { cause });
    expect(err.message).toBe('The knowledge index on disk is unreadable: /data/index');
    expect(err).toMatchObject({ code: 'KNOWLEDGE_INDEX_CORRUPT', status: 500, cause });
    expect(isAppError(err, 'KNOWLEDGE_INDEX_CORRUPT')).toBe(true);
    expect(isAppError(err, 'CLI_USAGE')).toBe(false);
    expect(isAppError(new Error('x'))).toBe(false);
  });
});
