// The capacity model on paper (issue 17): how many due runs per minute each
// Supabase compute size can carry, from the per-run costs this run measured.
// Disk limits: Supabase's published IO table
// (https://supabase.com/docs/guides/troubleshooting/interpreting-supabase-grafana-io-charts-MUynDR);
// cores: Supabase's compute add-ons (Micro to Medium share 2 ARM cores, Large
// has 2 dedicated, XL 4, 2XL 8, 4XL 16).
export const computeSizes = [
  { name: "Micro", cores: 2, shared: true, mbps: 11, iops: 500 },
  { name: "Small", cores: 2, shared: true, mbps: 22, iops: 1000 },
  { name: "Medium", cores: 2, shared: true, mbps: 43, iops: 2000 },
  { name: "Large", cores: 2, shared: false, mbps: 79, iops: 3600 },
  { name: "XL", cores: 4, shared: false, mbps: 149, iops: 6000 },
  { name: "2XL", cores: 8, shared: false, mbps: 297, iops: 12000 },
  { name: "4XL", cores: 16, shared: false, mbps: 594, iops: 20000 },
];

/**
 * Runs per minute each size carries if the scheduler may use `cpuShare` of
 * its cores (a shared core counted as `sharedCore` of one) and `ioShare` of
 * its baseline disk throughput (WAL is written once, and again by the
 * checkpoint: `walFactor`).
 */
export function capacityModel({ dbCpuMsPerRun, walBytesPerRun, cpuShare = 0.5, ioShare = 0.5, sharedCore = 0.5, walFactor = 2 }) {
  return computeSizes.map((s) => {
    const cpuMsPerMinute = s.cores * (s.shared ? sharedCore : 1) * cpuShare * 60_000;
    const byCpu = cpuMsPerMinute / dbCpuMsPerRun;
    const byIo = (s.mbps * 1e6 * ioShare * 60) / (walBytesPerRun * walFactor);
    return { ...s, byCpu, byIo, carried: Math.min(byCpu, byIo), bottleneck: byCpu <= byIo ? "DB CPU" : "WAL / disk IO" };
  });
}
