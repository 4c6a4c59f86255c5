import type {
  DatasetEstimate,
  FormValues,
  MemoryEstimateView,
  ValidateResponse,
} from "../api-types.js";
import { describeFailure, sendJson } from "./api.js";
import { formatBytes, formatCount } from "./format.js";

type EstimateResponse<T> = ValidateResponse | { ok: true; estimate: T };

/**
 * The dataset estimator (first samples, tokens per sample) and the memory estimator (parameters
 * and training memory of the chosen model size).
 */
export function wireEstimators(
  buttons: { dataset: HTMLButtonElement; memory: HTMLButtonElement },
  outputs: { dataset: HTMLElement; memory: HTMLElement },
  values: () => FormValues,
  onProblems: (response: ValidateResponse) => void,
): { reset(): void } {
  const placeholders = { dataset: outputs.dataset.textContent, memory: outputs.memory.textContent };
  buttons.dataset.addEventListener("click", async () => {
    outputs.dataset.textContent = "Reading the first samples…";
    try {
      const r = await sendJson<EstimateResponse<DatasetEstimate>>("POST", "/api/estimate/dataset", {
        values: values(),
      });
      if (!r.ok || !("estimate" in r)) {
        onProblems(r);
        outputs.dataset.textContent = "Fix the fields marked above first.";
        return;
      }
      showDataset(outputs.dataset, r.estimate);
    } catch (error) {
      outputs.dataset.textContent = describeFailure(error);
    }
  });
  buttons.memory.addEventListener("click", async () => {
    try {
      const r = await sendJson<EstimateResponse<MemoryEstimateView>>(
        "POST",
        "/api/estimate/memory",
        {
          values: values(),
        },
      );
      if (!r.ok || !("estimate" in r)) {
        onProblems(r);
        outputs.memory.textContent = "Fix the fields marked above first.";
        return;
      }
      showMemory(outputs.memory, r.estimate);
    } catch (error) {
      outputs.memory.textContent = describeFailure(error);
    }
  });
  return {
    /** The fields changed: what was estimated no longer describes them. */
    reset() {
      outputs.dataset.textContent = placeholders.dataset;
      outputs.memory.textContent = placeholders.memory;
    },
  };
}

function showDataset(out: HTMLElement, estimate: DatasetEstimate): void {
  out.replaceChildren();
  const head = document.createElement("p");
  head.textContent = `${estimate.description}: ${estimate.samples.length} samples, ${estimate.tokensPerSample.toFixed(1)} tokens per sample`;
  head.className = "estimate-head";
  const list = document.createElement("ol");
  for (const sample of estimate.samples) {
    const item = document.createElement("li");
    item.textContent = `(${sample.tokens} tokens) ${sample.text}`;
    list.append(item);
  }
  out.append(head, list);
}

function showMemory(out: HTMLElement, e: MemoryEstimateView): void {
  out.replaceChildren();
  const rows: [string, string][] = [
    ["Parameters", formatCount(e.trainableParams)],
    ["Weights + AdamW moments", formatBytes(e.weightsAndOptimizerBytes)],
    ["Gradients", formatBytes(e.gradientBytes)],
    ["Worker weight copies", formatBytes(e.replicaBytes)],
    ["Activations (rough)", formatBytes(e.activationBytes)],
    ["Training memory", formatBytes(e.totalBytes)],
  ];
  const dl = document.createElement("dl");
  dl.className = "pairs";
  for (const [term, value] of rows) {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  }
  out.append(dl);
}
