import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["shared/**/*.test.ts", "supabase/functions/**/*.test.ts", "scripts/**/*.test.ts", "tests/**/*.test.ts"],
    exclude: ["**/node_modules/**", ".local/**", "bench/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
