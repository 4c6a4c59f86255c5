import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Starts the worker script `baseName` that sits beside the calling module (`callerUrl`, its
 * `import.meta.url`): the compiled JS under dist/, or, under the test runner, the TypeScript
 * source. Node 20 cannot start a `.ts` worker even with `--import tsx` in its execArgv, so a
 * small ES module registers tsx's loader inside the worker first, then imports the source.
 */
export function startWorker(callerUrl: string, baseName: string, options: WorkerOptions): Worker {
  if (!callerUrl.endsWith(".ts"))
    return new Worker(new URL(`./${baseName}.js`, callerUrl), options);
  const source = new URL(`./${baseName}.ts`, callerUrl).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(source)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
