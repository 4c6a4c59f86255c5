import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { AiosError, errnoCode } from "../core/errors.js";
import type { FormValues, GuiState } from "./api-types.js";
import { defaultFormValues } from "./form-values.js";

/** Where `aios gui` keeps the panel's state unless told otherwise (relative to the cwd). */
export const DEFAULT_STATE_FILE = "artifacts/gui/state.json";

/**
 * The panel's `get_state` / `set_state`: every field and the chosen backend, in one JSON file,
 * so they survive page reloads and server restarts. A value the current schema no longer knows
 * is dropped on load; a missing one takes its default.
 */
export class GuiStateStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly defaultVectorStore: string,
  ) {}

  async get(): Promise<GuiState> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return this.fresh();
      throw new AiosError("IO", `cannot read the GUI state file ${this.path}: ${String(error)}`);
    }
    try {
      return this.sanitize(JSON.parse(text) as unknown);
    } catch {
      // A damaged file must not keep the GUI from starting: begin again from the defaults.
      return this.fresh();
    }
  }

  /** Saves the state (sanitized) and returns what was saved. Writes are serialized. */
  async set(state: unknown): Promise<GuiState> {
    const clean = this.sanitize(state);
    const write = this.writing.then(() => this.write(clean));
    this.writing = write.catch(() => undefined);
    await write;
    return clean;
  }

  private async write(state: GuiState): Promise<void> {
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
      // rename is atomic: a crash leaves the old state or the new one, never half of one.
      await rename(temporary, this.path);
    } catch (error) {
      throw new AiosError("IO", `cannot write the GUI state file ${this.path}: ${String(error)}`, {
        hint: "pass aios gui --state-file a path in a writable directory",
      });
    }
  }

  private fresh(): GuiState {
    return {
      version: 1,
      training: defaultFormValues(),
      memory: { backend: this.defaultVectorStore, collection: "default" },
    };
  }

  private sanitize(input: unknown): GuiState {
    const base = this.fresh();
    if (!isRecord(input)) return base;
    const training: FormValues = { ...base.training };
    if (isRecord(input.training)) {
      for (const [key, fallback] of Object.entries(base.training)) {
        const value = input.training[key];
        if (typeof value === typeof fallback) training[key] = value as string | boolean;
      }
    }
    const memory = isRecord(input.memory) ? input.memory : {};
    return {
      version: 1,
      training,
      memory: {
        backend: typeof memory.backend === "string" ? memory.backend : base.memory.backend,
        collection:
          typeof memory.collection === "string" ? memory.collection : base.memory.collection,
      },
    };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
