// The one database seam: executeSql(text, values). A client is made per
// invocation (no module-level singleton) with one connection and no prepared
// statements, as Supavisor's transaction pooler needs, and closed when the
// invocation's work is done. One connection, because every statement here is
// short and they queue well on it, while a project's direct connections are
// few: with two per action call, 10,000 runs a minute ran the bench database
// out of connections (start gates failed with "too many clients").
import postgres from "postgres";

/** The statements of one transaction (Db.transaction). */
export interface DbTransaction {
  executeSql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
}

export interface Db {
  executeSql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  /**
   * Runs `work` in one transaction on a connection of its own: committed when
   * `work` resolves, rolled back when it throws (the error is rethrown). Only
   * the sql action (the call and its completion commit together) and the
   * watch action's sql source (the call and record_watcher_poll) use it.
   */
  transaction?<T>(work: (tx: DbTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
export type DbFactory = () => Db;

export function postgresDb(url: string, max = 1): DbFactory {
  return () => {
    const sql = postgres(url, { max, prepare: false, idle_timeout: 5, connect_timeout: 10, onnotice: () => {} });
    return {
      executeSql: async <T>(text: string, values: unknown[] = []) =>
        (await sql.unsafe(text, values as never[])) as unknown as T[],
      transaction: async <T>(work: (tx: DbTransaction) => Promise<T>) =>
        (await sql.begin((tx) =>
          work({ executeSql: async <R>(text: string, values: unknown[] = []) => (await tx.unsafe(text, values as never[])) as unknown as R[] })
        )) as T,
      close: () => sql.end({ timeout: 5 }),
    };
  };
}
