import { formatMixFlag, type MixEntry, parseMixEntries } from "../../config/mix-syntax.js";

/**
 * `--dataset-mix` as rows of source + weight. The field's value stays the flag text (the hidden
 * `control`), which the server checks like any other; the rows edit it. A source's own dataset
 * options (set in YAML or JSON) are kept through edits, though not shown.
 */
export class MixRows {
  readonly element: HTMLElement;
  /** Holds the flag text; an `input` event fires on it whenever a row changes. */
  readonly control: HTMLInputElement;
  private readonly body: HTMLElement;
  private rows: { uri: HTMLInputElement; weight: HTMLInputElement; extra: MixEntry | null }[] = [];

  constructor(label: string) {
    this.element = document.createElement("div");
    this.element.className = "mix-rows";
    this.control = document.createElement("input");
    this.control.type = "hidden";
    this.body = document.createElement("div");
    this.body.className = "mix-rows-body";
    const add = document.createElement("button");
    add.type = "button";
    add.textContent = "Add source";
    add.setAttribute("aria-label", `${label}: add a source`);
    add.addEventListener("click", () => {
      this.addRow("", "", null).uri.focus();
      this.changed();
    });
    this.element.append(this.control, this.body, add);
  }

  /** Shows the sources of flag text (from saved state). Text it cannot read stays as it is. */
  load(value: string): void {
    this.control.value = value;
    this.body.replaceChildren();
    this.rows = [];
    if (value.trim() === "") return;
    const entries = parseMixEntries(value);
    if (typeof entries === "string") return;
    for (const entry of entries)
      this.addRow(entry.uri, entry.weight === null ? "" : String(entry.weight), entry);
  }

  private addRow(uri: string, weight: string, extra: MixEntry | null) {
    const row = document.createElement("div");
    row.className = "mix-row";
    const uriInput = text(uri, "hf://NAME:CONFIG:SPLIT, wds://PATTERN or a path", "Source");
    const weightInput = text(weight, "weight", "Weight");
    weightInput.inputMode = "decimal";
    weightInput.className = "mix-weight";
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    const entry = { uri: uriInput, weight: weightInput, extra };
    remove.addEventListener("click", () => {
      this.rows = this.rows.filter((r) => r !== entry);
      row.remove();
      this.changed();
    });
    for (const input of [uriInput, weightInput])
      input.addEventListener("input", () => this.changed());
    row.append(uriInput, weightInput, remove);
    this.body.append(row);
    this.rows.push(entry);
    return entry;
  }

  /** Rows → flag text. A weight that is not a number goes through as typed, for Validate to name. */
  private changed(): void {
    const filled = this.rows.filter((r) => r.uri.value.trim() !== "");
    const entries = filled.map((r) => {
      const { uri: _uri, weight: _weight, ...own } = r.extra ?? {};
      const typed = r.weight.value.trim();
      const weight = typed === "" ? null : Number(typed);
      return { ...own, uri: r.uri.value.trim(), weight: Number.isNaN(weight) ? typed : weight };
    });
    const valid = entries.every((e) => typeof e.weight !== "string");
    this.control.value =
      entries.length === 0
        ? ""
        : valid
          ? formatMixFlag(entries as MixEntry[])
          : JSON.stringify(entries);
    this.control.dispatchEvent(new Event("input"));
  }
}

function text(value: string, placeholder: string, label: string): HTMLInputElement {
  const input = document.createElement("input");
  input.type = "text";
  input.value = value;
  input.placeholder = placeholder;
  input.spellcheck = false;
  input.autocomplete = "off";
  input.setAttribute("aria-label", label);
  return input;
}
