// graphile-worker's connections, in a pool of the bench's own that it ends:
// a pool graphile-worker makes from a connection string outlives the
// runner's stop(), so a later drop of its database kills idle clients (an
// uncaught error), and its sessions report their table counters, which the
// cost meter reads, only when they end.
export async function graphilePool(dbUrl, max) {
  const { default: pg } = await import("pg");
  const pgPool = new pg.Pool({ connectionString: dbUrl, max });
  pgPool.on("error", () => {});
  pgPool.on("connect", (client) => client.on("error", () => {}));
  let ended = false;
  return {
    pgPool,
    get ended() { return ended; },
    async end() {
      if (ended) return;
      ended = true;
      await pgPool.end();
    },
  };
}
