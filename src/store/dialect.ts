/** Which SQL dialect a Kysely instance speaks, for the few statements that must differ. */
import { PostgresAdapter, type Kysely } from 'kysely';

/** SQL dialects the store supports. */
export type SqlDialectName = 'sqlite' | 'postgres';

// The adapter is the one thing a transaction and its parent share, so this works on both.
export function dialectOf(db: Kysely<any>): SqlDialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`). */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(?:ql)?:\/\//i.test(url);
}
