import type { FormView, GuiState, ValidateResponse } from "../api-types.js";
import { describeFailure, getJson, sendJson } from "./api.js";
import { fieldsFromInline, inlineFromFields } from "./dataset-sync.js";
import { wireEstimators } from "./estimates-view.js";
import { TrainingForm } from "./form.js";
import { LossChart } from "./loss-chart.js";
import { MemoryPanel } from "./memory-panel.js";
import { StateSaver } from "./state-saver.js";
import { TrainingView } from "./training-view.js";

function byId<T extends Element>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as unknown as T;
}

async function main(): Promise<void> {
  const [view, state] = await Promise.all([
    getJson<FormView>("/api/form"),
    getJson<GuiState>("/api/state"),
  ]);
  const form = new TrainingForm(byId<HTMLFormElement>("training-form"), view);
  form.set(state.training);
  const backendKeys = new Set(
    view.sections.filter((s) => s.backend !== null).flatMap((s) => s.fields.map((f) => f.key)),
  );

  const memoryBackend = byId<HTMLSelectElement>("memory-backend");
  for (const backend of view.vectorStoreBackends)
    memoryBackend.append(new Option(backend, backend));
  memoryBackend.value = state.memory.backend;
  const memoryCollection = byId<HTMLInputElement>("memory-collection");
  memoryCollection.value = state.memory.collection;

  const saver = new StateSaver(
    () => ({
      version: 1,
      training: form.values(),
      memory: { backend: memoryBackend.value, collection: memoryCollection.value },
    }),
    byId("save-status"),
  );

  memoryBackend.addEventListener("change", () => saver.save());
  memoryCollection.addEventListener("input", () => saver.save());

  const validateResult = byId<HTMLElement>("validate-result");
  const showCheck = (response: ValidateResponse) => {
    if (response.ok) {
      form.clearProblems();
      validateResult.textContent = "Valid: the CLI would accept this configuration.";
    } else {
      form.showProblems(response.problems);
      validateResult.textContent = `${response.problems.length} problem${response.problems.length === 1 ? "" : "s"}: see the marked fields.`;
    }
  };
  const validate = async () => {
    try {
      showCheck(
        await sendJson<ValidateResponse>("POST", "/api/validate", { values: form.values() }),
      );
    } catch (error) {
      validateResult.textContent = describeFailure(error);
    }
  };
  byId<HTMLButtonElement>("validate").addEventListener("click", () => void validate());
  // Enter in a text field validates (a form of many fields and no submit button never submits).
  form.element.addEventListener("keydown", (event) => {
    if (
      event.key === "Enter" &&
      event.target instanceof HTMLInputElement &&
      event.target.type === "text"
    ) {
      event.preventDefault();
      void validate();
    }
  });

  const estimators = wireEstimators(
    { dataset: byId("estimate-dataset"), memory: byId("estimate-memory") },
    { dataset: byId("dataset-estimate"), memory: byId("memory-estimate") },
    () => form.values(),
    showCheck,
  );
  form.onChange((key) => {
    if (key === "dataset_file") {
      const fields = fieldsFromInline(String(form.get("dataset_file") ?? ""));
      if (fields !== null) form.set(fields);
    } else if (key === "dataset_backend" || backendKeys.has(key)) {
      const inline = inlineFromFields(form.values());
      if (inline !== null) form.set({ dataset_file: inline });
    }
    form.showBackend();
    // Results of Validate and the estimators described the fields before this change.
    validateResult.textContent = "";
    estimators.reset();
    saver.save();
  });
  new TrainingView(
    {
      start: byId("start"),
      stop: byId("stop"),
      status: byId("run-status"),
      choice: byId("run-choice"),
      output: byId("run-output"),
      step: byId("metric-step"),
      loss: byId("metric-loss"),
      tokensPerSecond: byId("metric-tokens-per-s"),
      dataWait: byId("metric-data-wait"),
      haltSteps: byId("metric-halt-steps"),
    },
    new LossChart(byId<SVGSVGElement>("loss-chart")),
    () => form.values(),
    showCheck,
    (values) => {
      form.set(values);
      saver.save();
    },
  );
  new MemoryPanel({
    backend: memoryBackend,
    collection: memoryCollection,
    refresh: byId("memory-refresh"),
    count: byId("memory-count"),
    dimension: byId("memory-dimension"),
    storage: byId("memory-storage"),
    p50: byId("memory-p50"),
    p95: byId("memory-p95"),
    message: byId("memory-message"),
    queryId: byId("memory-query-id"),
    byId: byId("memory-query-by-id"),
    byRandom: byId("memory-query-random"),
    results: byId("memory-results"),
  });
  document.body.dataset.ready = "true";
}

main().catch((error: unknown) => {
  byId("save-status").textContent = `The page could not start: ${describeFailure(error)}`;
});
