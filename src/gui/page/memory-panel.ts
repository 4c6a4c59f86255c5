import type { CollectionView, LatencySummary, QueryView } from "../api-types.js";
import { describeFailure, getJson, sendJson } from "./api.js";
import { formatBytes, formatCount, formatMs } from "./format.js";

export interface MemoryPanelElements {
  readonly backend: HTMLSelectElement;
  readonly collection: HTMLInputElement;
  readonly refresh: HTMLButtonElement;
  readonly count: HTMLElement;
  readonly dimension: HTMLElement;
  readonly storage: HTMLElement;
  readonly p50: HTMLElement;
  readonly p95: HTMLElement;
  readonly message: HTMLElement;
  readonly queryId: HTMLInputElement;
  readonly byId: HTMLButtonElement;
  readonly byRandom: HTMLButtonElement;
  readonly results: HTMLElement;
}

/** The vector memory view: a collection's figures, and queries by id or by a random vector. */
export class MemoryPanel {
  private randomSeed = 1;

  constructor(private readonly el: MemoryPanelElements) {
    el.refresh.addEventListener("click", () => void this.refresh());
    el.byId.addEventListener("click", () => void this.query({ id: el.queryId.value.trim() }));
    el.byRandom.addEventListener("click", () => void this.query({ randomSeed: this.randomSeed++ }));
  }

  async refresh(): Promise<void> {
    this.el.message.textContent = "Loading…";
    try {
      const params = new URLSearchParams({
        backend: this.el.backend.value,
        collection: this.el.collection.value.trim(),
      });
      const view = await getJson<CollectionView>(`/api/memory/collection?${params}`);
      this.el.count.textContent = formatCount(view.count);
      this.el.dimension.textContent =
        view.dimension === null ? "– (empty)" : String(view.dimension);
      this.el.storage.textContent =
        view.storageBytes === null ? "not reported" : formatBytes(view.storageBytes);
      this.showLatency(view.latency);
      this.el.message.textContent = `${view.collection} on ${view.backend}; index: ${view.index}`;
    } catch (error) {
      this.el.message.textContent = describeFailure(error);
    }
  }

  private async query(source: { id: string } | { randomSeed: number }): Promise<void> {
    if ("id" in source && source.id === "") {
      this.el.message.textContent = "Type an id to query by, or query with a random vector.";
      this.el.queryId.focus();
      return;
    }
    try {
      const view = await sendJson<QueryView>("POST", "/api/memory/query", {
        backend: this.el.backend.value,
        collection: this.el.collection.value.trim(),
        topK: 5,
        ...source,
      });
      this.showLatency(view.latency);
      this.el.message.textContent = `${view.hits.length} results in ${formatMs(view.latencyMs)}`;
      this.el.results.replaceChildren(
        ...view.hits.map((hit, i) => {
          const row = document.createElement("tr");
          for (const cell of [
            String(i + 1),
            hit.id,
            hit.score === null ? "–" : hit.score.toFixed(4),
          ]) {
            const td = document.createElement("td");
            td.textContent = cell;
            row.append(td);
          }
          return row;
        }),
      );
    } catch (error) {
      this.el.message.textContent = describeFailure(error);
    }
  }

  private showLatency(latency: LatencySummary): void {
    this.el.p50.textContent = formatMs(latency.p50Ms);
    this.el.p95.textContent = `${formatMs(latency.p95Ms)} (${latency.queries} queries)`;
  }
}
