import type { GuiState } from "../api-types.js";
import { describeFailure, sendJson } from "./api.js";

/**
 * The panel's `set_state`: every change is saved, one request after another so the last state
 * wins, and the status line says "Saved" once nothing is pending.
 */
export class StateSaver {
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly snapshot: () => GuiState,
    private readonly status: HTMLElement,
  ) {}

  save(): void {
    this.pending += 1;
    this.status.textContent = "Saving…";
    this.chain = this.chain.then(async () => {
      try {
        await sendJson("PUT", "/api/state", this.snapshot());
        this.pending -= 1;
        if (this.pending === 0) this.status.textContent = "Saved";
      } catch (error) {
        this.pending -= 1;
        this.status.textContent = `Not saved: ${describeFailure(error)}`;
      }
    });
  }
}
