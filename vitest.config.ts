import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["shared/**/*.test.ts", "supabase/functions/**/*.test.ts", "scripts/**/*.test.ts", "tests/**/*.test.ts", "bench/**/*.test.ts"],
    exclude: ["**/node_modules/**", ".local/**"],
    testTimeout: 30_000,
    // the test files share one live stack whose dispatcher claims whatever is
    // due; one file at a time keeps each file's tasks its own
    fileParallelism: false,
    hookTimeout: 60_000,
  },
});
