/**
 * Store tests on both SQL dialects: SQLite (always) and PostgreSQL (when it answers at
 * `TEST_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/test`).
 *
 * On PostgreSQL every store a test opens lives in a schema of its own (random name, set as the
 * `search_path` of every pooled connection, dropped after the test), so parallel workers and files never
 * see each other's rows, and a fresh schema starts as empty as a fresh SQLite file.
 */
import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import pg from 'pg';
import type { SqlDialectName } from '../../src/store/dialect.js';

export type Dialect = SqlDialectName;

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message || err.name : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cases are skipped in this run, or undefined when they run. */
export const postgresUnavailable: string | undefined = await probePostgres();
if (postgresUnavailable !== undefined) {
  console.warn(`PostgreSQL at ${redact(TEST_DATABASE_URL)} does not answer (${postgresUnavailable}): the PostgreSQL cases are skipped; SQLite cases still run.`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * Runs `body` once per dialect, each inside a `describe` named after it. Without PostgreSQL its block is
 * skipped, and its name says why.
 */
export function describeEachDialect(body: (dialect: Dialect) => void): void {
  describe('sqlite', () => body('sqlite'));
  if (postgresUnavailable === undefined) describe('postgres', () => body('postgres'));
  else describe.skip(`postgres (skipped: PostgreSQL does not answer at ${redact(TEST_DATABASE_URL)})`, () => body('postgres'));
}

/** `describe(name, body)` on PostgreSQL only; skipped, saying why, when it does not answer. */
export function describePostgres(name: string, body: () => void): void {
  if (postgresUnavailable === undefined) describe(`postgres: ${name}`, body);
  else describe.skip(`postgres: ${name} (skipped: PostgreSQL does not answer at ${redact(TEST_DATABASE_URL)})`, body);
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty schema with a random name and returns a URL whose connections work in it. */
export async function createTestSchema(): Promise<{ schema: string; url: string }> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await withAdmin((c) => c.query(`create schema ${schema}`));
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, url: url.toString() };
}

export async function dropTestSchema(schema: string): Promise<void> {
  await withAdmin((c) => c.query(`drop schema if exists ${schema} cascade`));
}
