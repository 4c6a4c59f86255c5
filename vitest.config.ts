import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Training tests run a real model on two cores; keep generous limits, never timing assertions.
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
