import { PAGE_CSS } from "./page-style.js";

/**
 * The page's shell. The training form itself is built in the browser from `/api/form` (the
 * config schema), so no field is written here; `/page/...` are the compiled browser modules.
 */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aios: HRM training and vector memory</title>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
  <h1>aios</h1><span class="tagline">HRM-ACTV1 training panel and vector memory</span>
  <span id="save-status" role="status" aria-live="polite"></span>
</header>
<main>
  <section id="training-panel" aria-labelledby="training-title">
    <h2 id="training-title">HRM training</h2>
    <form id="training-form" novalidate aria-label="Training configuration"></form>
    <div class="actions">
      <button type="button" id="validate">Validate</button>
      <button type="button" id="estimate-dataset">Estimate dataset</button>
      <button type="button" id="estimate-memory">Estimate memory</button>
      <button type="button" id="start" class="primary">Start training</button>
      <button type="button" id="stop" disabled>Stop</button>
    </div>
    <p id="validate-result" role="status" aria-live="polite"></p>
    <div class="estimates">
      <section aria-labelledby="dataset-estimate-title"><h3 id="dataset-estimate-title">Dataset estimate</h3>
        <div id="dataset-estimate" aria-live="polite">Press "Estimate dataset" to preview the first samples.</div></section>
      <section aria-labelledby="memory-estimate-title"><h3 id="memory-estimate-title">Memory estimate</h3>
        <div id="memory-estimate" aria-live="polite">Press "Estimate memory" for parameters and training memory.</div></section>
    </div>
  </section>
  <aside>
    <section aria-labelledby="run-title">
      <h2 id="run-title">Live metrics</h2>
      <p id="run-status" role="status" aria-live="polite">Idle.</p>
      <div id="run-choice" class="actions"></div>
      <dl class="pairs">
        <dt>Step</dt><dd id="metric-step">–</dd>
        <dt>Loss</dt><dd id="metric-loss">–</dd>
        <dt>Tokens/s</dt><dd id="metric-tokens-per-s">–</dd>
        <dt>Data-wait share</dt><dd id="metric-data-wait">–</dd>
        <dt>Halting steps (mean)</dt><dd id="metric-halt-steps">–</dd>
      </dl>
      <svg id="loss-chart" role="img" aria-label="Loss curve: no steps yet"></svg>
      <pre id="run-output"></pre>
    </section>
    <section aria-labelledby="memory-title">
      <h2 id="memory-title">Vector memory</h2>
      <div class="row">
        <div class="field"><label for="memory-backend">Vector store backend</label><select id="memory-backend"></select></div>
        <div class="field"><label for="memory-collection">Collection</label><input type="text" id="memory-collection" spellcheck="false" autocomplete="off"></div>
        <button type="button" id="memory-refresh">Refresh</button>
      </div>
      <dl class="pairs">
        <dt>Count</dt><dd id="memory-count">–</dd>
        <dt>Dimension</dt><dd id="memory-dimension">–</dd>
        <dt>Storage size</dt><dd id="memory-storage">–</dd>
        <dt>Query latency p50</dt><dd id="memory-p50">–</dd>
        <dt>Query latency p95</dt><dd id="memory-p95">–</dd>
      </dl>
      <p id="memory-message" role="status" aria-live="polite"></p>
      <div class="row">
        <div class="field"><label for="memory-query-id">Record id</label><input type="text" id="memory-query-id" spellcheck="false" autocomplete="off"></div>
        <button type="button" id="memory-query-by-id">Query by id</button>
        <button type="button" id="memory-query-random">Query random vector</button>
      </div>
      <table aria-label="Query results"><thead><tr><th scope="col">Rank</th><th scope="col">Id</th><th scope="col">Score</th></tr></thead>
        <tbody id="memory-results"></tbody></table>
    </section>
  </aside>
</main>
<script type="module" src="/page/gui/page/main.js"></script>
</body>
</html>
`;
