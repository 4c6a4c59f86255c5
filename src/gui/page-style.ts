/** The page's stylesheet, inlined into the HTML shell. */
export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d5dae3; --accent: #2456c9;
  --bad: #b3261e; --panel: #f6f8fb; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; }
header { display: flex; align-items: baseline; gap: 1rem; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
header h1 { font-size: 1.2rem; margin: 0; }
header .tagline { color: var(--muted); }
#save-status { margin-left: auto; color: var(--muted); }
main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.2rem; padding: 1rem 1.2rem; }
h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
form { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .6rem .8rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem .7rem; margin: 0; background: var(--panel);
  display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .3rem .8rem; align-content: start; }
fieldset[hidden] { display: none; }
legend { font-weight: 600; padding: 0 .3rem; }
.section-dataset, .section-mixture, .section-hf, .section-webdataset { grid-column: 1 / -1; }
.mix-rows { display: flex; flex-direction: column; gap: .3rem; align-items: start; }
.mix-rows-body { display: flex; flex-direction: column; gap: .3rem; width: 100%; }
.mix-row { display: grid; grid-template-columns: minmax(0, 1fr) 6rem max-content; gap: .4rem; }
.section-dataset { grid-template-columns: minmax(0, 3fr) minmax(10rem, 1fr); }
.field { display: flex; flex-direction: column; gap: .15rem; min-width: 0; }
.field-wide { grid-column: 1 / -1; }
.field-boolean { flex-direction: row; flex-wrap: wrap; align-items: center; gap: .4rem; padding-top: 1.2rem; }
.field-boolean .help, .field-boolean .error { flex-basis: 100%; }
label { font-weight: 500; }
input[type=text], select { font: inherit; padding: .3rem .4rem; border: 1px solid #aab2c0; border-radius: 4px; background: #fff; width: 100%; }
input[aria-invalid=true], select[aria-invalid=true] { border-color: var(--bad); outline: 1px solid var(--bad); }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.help { color: var(--muted); font-size: .85em; }
.error { color: var(--bad); margin: 0; font-size: .85em; min-height: 0; }
.error:empty { display: none; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .8rem 0 .4rem; }
button { font: inherit; padding: .35rem .8rem; border-radius: 4px; border: 1px solid var(--accent); background: #fff; color: var(--accent); cursor: pointer; }
button.primary { background: var(--accent); color: #fff; }
button:disabled { opacity: .5; cursor: default; }
#validate-result, #run-status, #memory-message { color: var(--muted); margin: .3rem 0; }
.pairs { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .3rem 0; }
.pairs dt { color: var(--muted); }
.pairs dd { margin: 0; font-variant-numeric: tabular-nums; }
.estimates { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
.estimates ol { margin: .2rem 0; padding-left: 1.2rem; color: var(--muted); font-size: .85em; }
.estimates li { overflow-wrap: anywhere; }
#loss-chart { width: 100%; max-width: 480px; height: auto; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
#loss-chart .axes { stroke: #99a2b2; fill: none; }
#loss-chart .loss-line { stroke: var(--accent); stroke-width: 2; fill: none; }
#loss-chart .axis-label { fill: var(--muted); font-size: 10px; }
#run-output { white-space: pre-wrap; font-size: .8em; color: var(--bad); max-height: 12rem; overflow: auto; }
#run-output:empty { display: none; }
aside section { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; background: var(--panel); margin-bottom: 1rem; }
.row { display: flex; gap: .6rem; align-items: end; flex-wrap: wrap; }
.row .field { flex: 1 1 8rem; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
th, td { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid var(--line); }
@media (max-width: 900px) { main { grid-template-columns: 1fr; } form { grid-template-columns: 1fr; } }
`;
