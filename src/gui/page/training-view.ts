import type {
  ExistingBrain,
  FormValues,
  MetricView,
  RunStatus,
  StartResponse,
  ValidateResponse,
} from "../api-types.js";
import { describeFailure, sendJson } from "./api.js";
import type { LossChart } from "./loss-chart.js";

export interface TrainingViewElements {
  readonly start: HTMLButtonElement;
  readonly stop: HTMLButtonElement;
  readonly status: HTMLElement;
  /** Where the choice for a brain that already exists appears (Resume, or a new name). */
  readonly choice: HTMLElement;
  readonly output: HTMLElement;
  readonly step: HTMLElement;
  readonly loss: HTMLElement;
  readonly tokensPerSecond: HTMLElement;
  readonly dataWait: HTMLElement;
  readonly haltSteps: HTMLElement;
}

/**
 * Start / Stop and the live metrics: the server streams the run's status and each metrics JSONL
 * record as it is written (Server-Sent Events); this view shows the last values and the curve.
 */
export class TrainingView {
  constructor(
    private readonly el: TrainingViewElements,
    private readonly chart: LossChart,
    private readonly values: () => FormValues,
    private readonly onProblems: (response: ValidateResponse) => void,
    /** Sets fields as if the user had changed them (saved with the panel's state). */
    private readonly setValues: (values: FormValues) => void,
  ) {
    el.start.addEventListener("click", () => void this.start());
    el.stop.addEventListener("click", () => void this.stop());
    const events = new EventSource("/api/train/events");
    events.addEventListener("status", (e) => this.showStatus(JSON.parse(e.data) as RunStatus));
    events.addEventListener("metric", (e) => this.showMetric(JSON.parse(e.data) as MetricView));
  }

  private async start(): Promise<void> {
    this.el.status.textContent = "Starting…";
    this.el.choice.replaceChildren();
    try {
      const response = await sendJson<StartResponse>("POST", "/api/train/start", {
        values: this.values(),
      });
      if (response.ok) return;
      if ("existingBrain" in response) {
        this.offerChoice(response.existingBrain);
        return;
      }
      this.onProblems(response);
      this.el.status.textContent = "Not started: fix the fields marked above.";
    } catch (error) {
      this.el.status.textContent = `Not started: ${describeFailure(error)}`;
    }
  }

  /** A run would overwrite a brain: as AI-OS's resume dialog, offer to resume it or rename. */
  private offerChoice(brain: ExistingBrain): void {
    const steps = brain.trainedSteps === null ? "" : ` (${brain.trainedSteps} steps trained)`;
    this.el.status.textContent = `Brain "${brain.name}" already exists${steps}. Resume it, or start a new brain?`;
    const button = (label: string, values: FormValues) => {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = label;
      element.addEventListener("click", () => {
        this.setValues(values);
        void this.start();
      });
      return element;
    };
    this.el.choice.replaceChildren(
      button(`Resume "${brain.name}"`, { brain_name: brain.name, resume: true }),
      button(`Start new brain "${brain.freeName}"`, { brain_name: brain.freeName, resume: false }),
    );
    this.el.choice.querySelector("button")?.focus();
  }

  private async stop(): Promise<void> {
    try {
      await sendJson("POST", "/api/train/stop", {});
    } catch (error) {
      this.el.status.textContent = `Stop failed: ${describeFailure(error)}`;
    }
  }

  private showStatus(status: RunStatus): void {
    const running = status.state === "running";
    this.el.start.disabled = running;
    this.el.stop.disabled = !running || status.stopping;
    switch (status.state) {
      case "idle":
        this.el.status.textContent = "Idle.";
        return;
      case "running":
        this.el.choice.replaceChildren();
        if (!status.stopping) {
          this.chart.reset();
          this.el.output.textContent = "";
          for (const figure of [
            this.el.step,
            this.el.loss,
            this.el.tokensPerSecond,
            this.el.dataWait,
            this.el.haltSteps,
          ])
            figure.textContent = "–";
        }
        this.el.status.textContent = status.stopping
          ? "Stopping after the current step…"
          : `Running ${status.steps} steps; metrics go to ${status.logFile}`;
        return;
      case "finished": {
        const ok = status.exitCode === 0;
        this.el.status.textContent = ok
          ? `${status.stopped ? "Stopped" : "Finished"}; metrics in ${status.logFile}`
          : `Failed (exit code ${status.exitCode ?? "none"}): see the output below`;
        this.el.output.textContent = ok ? "" : status.output;
        return;
      }
    }
  }

  private showMetric(record: MetricView): void {
    if (record.event === "resume") this.chart.resume(record.step);
    if (record.event !== "step") return;
    this.chart.add(record.step, record.loss);
    this.el.step.textContent = String(record.step);
    this.el.loss.textContent = record.loss.toFixed(4);
    this.el.tokensPerSecond.textContent =
      record.tokens_per_s === undefined ? "–" : record.tokens_per_s.toFixed(0);
    const wait =
      record.step_time_s && record.data_wait_s !== undefined
        ? record.data_wait_s / record.step_time_s
        : null;
    this.el.dataWait.textContent = wait === null ? "–" : `${(100 * wait).toFixed(1)} %`;
    this.el.haltSteps.textContent =
      record.avg_halt_steps === null || record.avg_halt_steps === undefined
        ? "–"
        : record.avg_halt_steps.toFixed(2);
  }
}
