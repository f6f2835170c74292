// The one database seam: executeSql(text, values). A client is made per
// invocation (no module-level singleton) with at most two connections and no
// prepared statements, as Supavisor's transaction pooler needs, and closed
// when the invocation's work is done.
import postgres from "postgres";

export interface Db {
  executeSql<T = Record<string, unknown>>(text: string, values?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}
export type DbFactory = () => Db;

export function postgresDb(url: string, max = 2): DbFactory {
  return () => {
    const sql = postgres(url, { max, prepare: false, idle_timeout: 5, connect_timeout: 10, onnotice: () => {} });
    return {
      executeSql: async <T>(text: string, values: unknown[] = []) =>
        (await sql.unsafe(text, values as never[])) as unknown as T[],
      close: () => sql.end({ timeout: 5 }),
    };
  };
}
