import type { FieldProblem, FieldView, FormValue, FormValues, FormView } from "../api-types.js";
import { MixRows } from "./mix-rows.js";

type Control = HTMLInputElement | HTMLSelectElement;

/**
 * The training form, built from the server's description of the config schema: one labelled
 * control per field, its help as tooltip (and as visible text where `explain`), an error slot
 * beside it, and sections that show only with their dataset backend.
 */
export class TrainingForm {
  private readonly controls = new Map<string, Control>();
  private readonly errors = new Map<string, HTMLElement>();
  private readonly rowFields = new Map<string, MixRows>();
  private readonly backendSections: { backend: string; element: HTMLElement }[] = [];

  constructor(
    readonly element: HTMLFormElement,
    view: FormView,
  ) {
    for (const section of view.sections) {
      const fieldset = document.createElement("fieldset");
      fieldset.id = `section-${section.id}`;
      fieldset.className = `section section-${section.id}`;
      const legend = document.createElement("legend");
      legend.textContent = section.title;
      fieldset.append(legend);
      for (const field of section.fields) fieldset.append(this.renderField(field));
      if (section.backend !== null)
        this.backendSections.push({ backend: section.backend, element: fieldset });
      element.append(fieldset);
    }
  }

  values(): FormValues {
    const values: FormValues = {};
    for (const [key, control] of this.controls) {
      values[key] =
        control instanceof HTMLInputElement && control.type === "checkbox"
          ? control.checked
          : control.value;
    }
    return values;
  }

  get(key: string): FormValue | undefined {
    return this.values()[key];
  }

  set(values: FormValues): void {
    for (const [key, value] of Object.entries(values)) {
      const control = this.controls.get(key);
      if (control === undefined) continue;
      if (control instanceof HTMLInputElement && control.type === "checkbox")
        control.checked = value === true;
      else control.value = String(value);
      this.rowFields.get(key)?.load(String(value));
    }
    this.showBackend();
  }

  /** Calls `listener` with the field's key whenever the user changes a field. */
  onChange(listener: (key: string) => void): void {
    for (const [key, control] of this.controls) {
      control.addEventListener("input", () => listener(key));
      if (control instanceof HTMLSelectElement || control.type === "checkbox")
        control.addEventListener("change", () => listener(key));
    }
  }

  /** Shows the selected backend's fields and hides the others'. */
  showBackend(): void {
    const backend = this.get("dataset_backend");
    for (const { backend: own, element } of this.backendSections) element.hidden = own !== backend;
  }

  showProblems(problems: readonly FieldProblem[]): void {
    this.clearProblems();
    for (const problem of problems) {
      const slot = this.errors.get(problem.key);
      const control = this.controls.get(problem.key);
      if (slot === undefined || control === undefined) continue;
      slot.textContent = `${slot.textContent ?? ""}${slot.textContent ? " " : ""}${problem.message}${problem.fix ? `. Fix: ${problem.fix}` : ""}`;
      control.setAttribute("aria-invalid", "true");
    }
  }

  clearProblems(): void {
    for (const [key, slot] of this.errors) {
      slot.textContent = "";
      this.controls.get(key)?.removeAttribute("aria-invalid");
    }
  }

  private renderField(field: FieldView): HTMLElement {
    const wrapper = document.createElement("div");
    wrapper.className = `field field-${field.kind}${field.wide ? " field-wide" : ""}`;
    wrapper.dataset.key = field.key;
    const id = `field-${field.key}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = field.label;
    const rows = field.rows ? new MixRows(field.label) : null;
    if (rows !== null) this.rowFields.set(field.key, rows);
    const control = rows?.control ?? this.renderControl(field);
    control.id = id;
    control.name = field.key;
    control.title = field.help;
    const help = document.createElement("small");
    help.id = `help-${field.key}`;
    help.className = "help";
    help.textContent = field.help;
    help.hidden = !field.explain;
    const error = document.createElement("p");
    error.id = `error-${field.key}`;
    error.className = "error";
    error.setAttribute("aria-live", "polite");
    control.setAttribute("aria-describedby", `${help.id} ${error.id}`);
    if (field.kind === "boolean") wrapper.append(control, label, help, error);
    else wrapper.append(label, rows?.element ?? control, help, error);
    this.controls.set(field.key, control);
    this.errors.set(field.key, error);
    return wrapper;
  }

  private renderControl(field: FieldView): Control {
    if (field.kind === "enum") {
      const select = document.createElement("select");
      for (const choice of field.choices ?? []) select.append(new Option(choice, choice));
      select.value = String(field.initial);
      return select;
    }
    const input = document.createElement("input");
    if (field.kind === "boolean") {
      input.type = "checkbox";
      input.checked = field.initial === true;
      return input;
    }
    // Text, not type=number: the schema, not the browser, judges the value and words the error.
    input.type = "text";
    if (field.kind === "number") input.inputMode = "decimal";
    input.placeholder = String(field.initial);
    input.value = String(field.initial);
    input.spellcheck = false;
    input.autocomplete = "off";
    return input;
  }
}
