import { dropSuperseded } from "../superseded-records.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 480;
const HEIGHT = 160;
const PAD = 36;

/** The loss curve: an SVG polyline over step, rescaled as points arrive. */
export class LossChart {
  private readonly points: { step: number; loss: number }[] = [];
  private readonly line: SVGPolylineElement;
  private readonly labels: SVGTextElement[];

  constructor(private readonly svg: SVGSVGElement) {
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    const axes = document.createElementNS(SVG, "path");
    axes.setAttribute("d", `M${PAD} ${PAD / 2} V${HEIGHT - PAD} H${WIDTH - PAD / 2}`);
    axes.setAttribute("class", "axes");
    this.line = document.createElementNS(SVG, "polyline");
    this.line.setAttribute("class", "loss-line");
    this.labels = [0, 1, 2].map(() => {
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("class", "axis-label");
      text.setAttribute("text-anchor", "end");
      return text;
    });
    svg.append(axes, this.line, ...this.labels);
  }

  reset(): void {
    this.points.length = 0;
    this.draw();
  }

  /** A run resumed from the checkpoint of `step`: the points after it are superseded. */
  resume(step: number): void {
    const kept = dropSuperseded(this.points, step);
    this.points.splice(0, this.points.length, ...kept);
    this.draw();
  }

  add(step: number, loss: number): void {
    if (!Number.isFinite(loss)) return;
    this.points.push({ step, loss });
    this.draw();
  }

  private draw(): void {
    const [top, bottom, right] = this.labels;
    if (this.points.length === 0) {
      this.line.setAttribute("points", "");
      for (const label of this.labels) label.textContent = "";
      return;
    }
    const steps = this.points.map((p) => p.step);
    const losses = this.points.map((p) => p.loss);
    const [s0, s1] = [Math.min(...steps), Math.max(...steps)];
    const [l0, l1] = [Math.min(...losses), Math.max(...losses)];
    const x = (s: number) => PAD + ((s - s0) / Math.max(1, s1 - s0)) * (WIDTH - 1.5 * PAD);
    const y = (l: number) =>
      PAD / 2 + (1 - (l - l0) / Math.max(1e-9, l1 - l0)) * (HEIGHT - 1.5 * PAD);
    this.line.setAttribute("points", this.points.map((p) => `${x(p.step)},${y(p.loss)}`).join(" "));
    this.svg.setAttribute(
      "aria-label",
      `Loss curve: ${this.points.length} steps, loss from ${losses[0]?.toFixed(3)} to ${losses.at(-1)?.toFixed(3)}`,
    );
    place(top, PAD - 4, PAD / 2 + 4, l1.toFixed(2));
    place(bottom, PAD - 4, HEIGHT - PAD, l0.toFixed(2));
    place(right, WIDTH - PAD / 2, HEIGHT - 8, `step ${s1}`);
  }
}

function place(text: SVGTextElement | undefined, x: number, y: number, content: string): void {
  if (text === undefined) return;
  text.setAttribute("x", String(x));
  text.setAttribute("y", String(y));
  text.textContent = content;
}
