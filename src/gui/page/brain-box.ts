import type { GenerateLine } from "../api-types.js";
import { describeFailure } from "./api.js";

export interface BrainBoxElements {
  readonly brainName: HTMLInputElement;
  readonly bundleDir: HTMLInputElement;
  readonly prompt: HTMLTextAreaElement;
  readonly maxNewTokens: HTMLInputElement;
  readonly temperature: HTMLInputElement;
  readonly topK: HTMLInputElement;
  readonly topP: HTMLInputElement;
  readonly seed: HTMLInputElement;
  readonly stop: HTMLInputElement;
  readonly generate: HTMLButtonElement;
  readonly output: HTMLElement;
  readonly status: HTMLElement;
}

/**
 * "Try the brain": posts the box's settings to `/api/generate` and appends the text to the
 * output as the server relays it (NDJSON lines, read from the response body as they arrive).
 */
export class BrainBox {
  constructor(private readonly el: BrainBoxElements) {
    el.generate.addEventListener("click", () => void this.run());
  }

  /** Prefills the brain from the training form (the brain just trained is the one to try). */
  setBrain(name: string, bundleDir: string): void {
    if (name !== "") this.el.brainName.value = name;
    if (bundleDir !== "") this.el.bundleDir.value = bundleDir;
  }

  private async run(): Promise<void> {
    const { el } = this;
    el.generate.disabled = true;
    el.output.textContent = "";
    el.status.textContent = "Generating…";
    try {
      const response = await fetch("/api/generate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          brainName: el.brainName.value,
          bundleDir: el.bundleDir.value,
          prompt: el.prompt.value,
          maxNewTokens: el.maxNewTokens.value,
          temperature: el.temperature.value,
          topK: el.topK.value,
          topP: el.topP.value,
          seed: el.seed.value,
          stop: el.stop.value,
        }),
      });
      if (response.body === null) throw new Error(`HTTP ${response.status} without a body`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let newline = buffer.indexOf("\n");
        while (newline !== -1) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line !== "") this.show(JSON.parse(line) as GenerateLine | { error: unknown });
          newline = buffer.indexOf("\n");
        }
      }
    } catch (error) {
      el.status.textContent = describeFailure(error);
    } finally {
      el.generate.disabled = false;
    }
  }

  private show(line: GenerateLine | { error: unknown }): void {
    if ("text" in line) this.el.output.append(line.text);
    else if ("done" in line) this.el.status.textContent = `Done: ${line.done.summary}`;
    else {
      const error = line.error as { message?: string; hint?: string | null };
      this.el.status.textContent =
        error.hint === null || error.hint === undefined
          ? String(error.message)
          : `${error.message} (${error.hint})`;
    }
  }
}
