/**
 * A worker script beside the calling module (`import.meta.url`): compiled JS under dist/, or the
 * TypeScript source under the test runner, which needs tsx's loader inside the worker too.
 */
export function workerEntry(callerUrl: string, baseName: string): { url: URL; execArgv: string[] } {
  return callerUrl.endsWith(".ts")
    ? { url: new URL(`./${baseName}.ts`, callerUrl), execArgv: ["--import", "tsx"] }
    : { url: new URL(`./${baseName}.js`, callerUrl), execArgv: [] };
}
