// bibun workbench: the cards app.js hands over — the values and the three-way check at
// the point, the plot of f and f′ with its tangent
// (dragged along the curve) and Taylor polynomial, the sigmoid gain, and the answer
// checker.  Drawn by plot.js (the page's own SVG); everything from the server goes
// through app.js's sanitizer or textContent.  Uses window.bibun and fills its RENDER
// (point, verify, plot, tangent, series) and EXT (setSlider, setX0, sigmoid, clearCheck).
"use strict";

(() => {
  const B = window.bibun;
  const { $, t, el, fmt, math, inner, api, state, mark, refresh, css, baseLayout, derivName, removeNotes,
    saveUrl, exactOr, AFTER_POINT } = B;
  const P = window.bibunPlot;

  // ---------------------------------------------------------------- at a point
  function renderPoint(r) {
    const box = $("values");
    box.replaceChildren();
    const where = Object.entries(r.at || {}).map(([k, v]) => `${k} = ${fmt(typeof v === "number" ? v : parseFloat(v))}`).join(", ");
    const line = (label, value) => { const p = el("p"); p.append(el("strong", "", label), ` = ${value}`); box.appendChild(p); };
    line(`f(${where})`, exactOr(r.value));
    line(`${derivName(r.order, r.variable, (r.variables || state.variables).filter((v) => !(r.constants || []).includes(v)).length > 1)}(${where})`, exactOr(r.derivative_value));
    box.dataset.derivative = r.derivative_value ? String(r.derivative_value.exact ?? r.derivative_value.value) : "";
  }

  function renderVerify(v) {
    removeNotes("verify");
    const tb = $("verify").tBodies[0];
    tb.replaceChildren();
    if (!v) return;
    const row = (cells, cls) => {
      const tr = el("tr", cls || "");
      for (const s of cells) tr.appendChild(el("td", "", s ?? ""));
      tb.appendChild(tr);
    };
    row([t("symbolic"), exactOr(v.symbolic), t("exact")]);
    row([t("numeric"), fmt(v.numeric.value), v.numeric.error_estimate != null ? `± ${fmt(v.numeric.error_estimate)}` : ""]);
    row([t("automatic"), fmt(v.automatic.value), ""]);
    row([v.agree ? "✓" : "✗", v.agree ? t("agree") : t("disagree"),
      v.max_abs_difference != null ? `max |Δ| = ${fmt(v.max_abs_difference)}` : ""], v.agree ? "good" : "bad");
  }

  // what a plot says under the pointer, by the same rule: "(x, y)" for each point
  const hoverTexts = (xs, ys) => xs.map((x, i) => (ys[i] === null || ys[i] === undefined ? "" : `(${fmt(x)}, ${fmt(ys[i])})`));
  // a trace whose `text` (the readout under the pointer) is written when first read, not
  // on every redraw: 800 numbers through the formatter would hold the main thread while typing
  function withHover(trace) {
    let cache = null;
    Object.defineProperty(trace, "text", { enumerable: true, get() {
      if (!cache || cache.x !== this.x || cache.y !== this.y) cache = { x: this.x, y: this.y, text: hoverTexts(this.x || [], this.y || []) };
      return cache.text;
    } });
    return trace;
  }

  // y-limits that show the interesting part: Tukey's fences (quartiles ± 1.5 × IQR) of f and
  // f′, never beyond the data, the point always inside; a pole or a steep end does not
  // flatten the rest to a line
  function yRange(arrs, keep) {
    const vals = arrs.flat().filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
    if (!vals.length) return [-1, 1];
    const q = (p) => vals[Math.min(vals.length - 1, Math.max(0, Math.floor(p * (vals.length - 1))))];
    const iqr = q(0.75) - q(0.25);
    let lo = Math.max(vals[0], q(0.25) - 1.5 * iqr), hi = Math.min(vals[vals.length - 1], q(0.75) + 1.5 * iqr);
    for (const y of keep) if (Number.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.08;
    return [lo - pad, hi + pad];
  }

  function interp(xs, ys, x) {
    if (!xs || xs.length < 2) return null;
    const n = xs.length, u = (x - xs[0]) / (xs[n - 1] - xs[0]) * (n - 1);
    const i = Math.max(0, Math.min(n - 2, Math.floor(u)));
    const a = ys[i], b = ys[i + 1];
    return a === null || b === null ? null : a + (b - a) * (u - i);
  }
  function tangentTrace(x0, y0, m) {
    if (y0 === null || m === null) return { x: [], y: [] };
    return { x: [state.lo, state.hi], y: [y0 + m * (state.lo - x0), y0 + m * (state.hi - x0)] };
  }

  const plotEl = $("plot");
  function renderPlot(s) {
    removeNotes("plot");
    delete plotEl.dataset.mode;
    state.samples = s;
    {
      const x0 = Math.min(state.hi, Math.max(state.lo, state.x0));
      const y0 = interp(s.x, s.f, x0), m = interp(s.x, s.df, x0);
      const tan = tangentTrace(x0, y0, m);
      const v = s.variable;
      const traces = [
        withHover({ x: s.x, y: s.f, name: `f(${v})`, mode: "lines", line: { color: css("--f"), width: 2.5 }, connectgaps: false, hoverinfo: "text+name" }),
        withHover({ x: s.x, y: s.df, name: state.variables.filter((n) => !(B.constants() || []).includes(n)).length > 1 ? `${derivName(1, v, true)}` : `f′(${v})`, mode: "lines", line: { color: css("--df"), width: 2, dash: "dash" }, connectgaps: false, hoverinfo: "text+name" }),
        { x: tan.x, y: tan.y, name: t("legend_tangent"), mode: "lines", line: { color: css("--tan"), width: 1.5 } },
        withHover({ x: [x0], y: [y0], name: t("legend_point"), mode: "markers", marker: { size: 14, color: css("--tan"), line: { color: "#fff", width: 2 } }, hoverinfo: "text" }),
        { x: [], y: [], name: t("legend_taylor", { n: state.taylor }), mode: "lines", line: { color: css("--taylor"), width: 2, dash: "dot" }, showlegend: false, connectgaps: false },
      ];
      const layout = baseLayout({
        xaxis: { ...baseLayout().xaxis, range: [state.lo, state.hi], title: { text: v } },
        yaxis: { ...baseLayout().yaxis, range: yRange([s.f, s.df], [y0]) },
        shapes: undefinedShading(s.x, s.f),
      });
      plotEl.dataset.undefined = String(layout.shapes.length);
      P.react(plotEl, traces, layout);
      state.plotReady = true;
      plotEl.dataset.x0 = String(x0);
      plotEl.setAttribute("aria-label", t("plot_label", { lo: fmt(state.lo), hi: fmt(state.hi) }) + `: f = ${s.expression.text}, f′ = ${s.derivative.text}`);
      if (state.tangent) snapTangent(state.tangent);
      if (state.series) drawSeries(state.series);
    }
  }

  // where f is undefined (log of a negative, a square root below 0): shaded bands, so an
  // empty stretch of the plot says "not defined here" instead of looking like a bug
  function undefinedShading(xs, fs) {
    const bands = [];
    let start = null;
    const step = xs.length > 1 ? (xs[1] - xs[0]) / 2 : 0;
    for (let i = 0; i <= xs.length; i++) {
      const missing = i < xs.length && (fs[i] === null || !Number.isFinite(fs[i]));
      if (missing && start === null) start = i;
      if (!missing && start !== null) {
        // a lone missing sample is a pole, not a stretch where f is undefined
        if (i - start > 1) bands.push({ type: "rect", xref: "x", yref: "paper", x0: xs[start] - step, x1: xs[i - 1] + step,
          y0: 0, y1: 1, fillcolor: css("--muted"), opacity: 0.15, line: { width: 0 }, layer: "below" });
        start = null;
      }
    }
    return bands;
  }

  function moveTangent(x0) {
    const s = state.samples;
    if (!s || !state.plotReady) return;
    const y0 = interp(s.x, s.f, x0), m = interp(s.x, s.df, x0);
    const tan = tangentTrace(x0, y0, m);
    P.restyle(plotEl, { x: [tan.x, [x0]], y: [tan.y, [y0]] }, [2, 3]);
    plotEl.dataset.x0 = String(x0);
  }
  function snapTangent(r) {
    if (!state.plotReady || r.y0 === null || r.slope === null) return;
    const tan = tangentTrace(r.x0, r.y0, r.slope);
    P.restyle(plotEl, { x: [tan.x, [r.x0]], y: [tan.y, [r.y0]] }, [2, 3]);
  }

  function renderTangent(r) {
    const box = $("tangent");
    box.replaceChildren();
    state.tangent = r;
    box.dataset.x0 = String(r.x0);
    box.dataset.slope = String(r.slope);
    const p = el("p");
    p.append(t("tangent_at", { at: `${r.variable} = ${fmt(r.x0)}`, slope: fmt(r.slope) }), " ");
    if (r.line) {
      const m = el("span");
      m.appendChild(math(r.line.mathml.replace(/^(<math[^>]*>)/, "$1<mi>y</mi><mo>=</mo>"), "y = " + r.line.text));
      m.className = "exact-line";
      p.appendChild(m);
      // an exact line with σ(1), cos(2)…: also as a person would use it
      if (/[a-zπ]{2,}|π|√/i.test(r.line.text.replaceAll(r.variable, "")) && r.slope !== null && r.y0 !== null) {
        const c = r.y0 - r.slope * r.x0;
        p.append(`  ≈  y = ${fmt(r.slope)}${r.variable} ${c < 0 ? "−" : "+"} ${fmt(Math.abs(c))}`);
      }
    }
    box.appendChild(p);
    snapTangent(r);
  }

  function drawSeries(r) {
    if (!state.plotReady) return;
    const on = !!(r && r.x);
    P.restyle(plotEl, { x: [on ? r.x : []], y: [on ? r.y : []], showlegend: [on], name: [t("legend_taylor", { n: state.taylor })] }, [4]);
  }
  function renderSeries(r) {
    const box = $("series");
    box.replaceChildren();
    state.series = r;
    if (!r) { if (state.plotReady) drawSeries(null); return; }
    const p = el("p");
    p.append(t("taylor_of", { n: r.order, at: `${r.variable} = ${fmt(r.at)}` }), " ");
    // ascending degree: c₀ + c₁(x − a) + c₂(x − a)² + …
    const parts = r.terms.map((term, i) => `${i === 0 && term.sign === "+" ? "" : `<mo>${term.sign === "-" ? "−" : "+"}</mo>`}${inner(term.formula.mathml)}`);
    const m = el("span");
    m.appendChild(math(`<math>${parts.join("") || "<mn>0</mn>"}</math>`, r.series.text));
    p.appendChild(m);
    box.appendChild(p);
    box.dataset.terms = r.terms.map((x) => x.formula.text).join(" | ");
    drawSeries(r);
  }

  // dragging the point on the plot: the tangent follows at once, the exact values arrive on release
  function xFromEvent(ev) {
    const p = P.toData(plotEl, ev.clientX, ev.clientY);
    if (!p || p.fx * p.width < -10 || (p.fx - 1) * p.width > 10) return null;
    return Math.min(state.hi, Math.max(state.lo, p.x));
  }
  function setSlider() {
    const s = $("x0");
    s.min = state.lo; s.max = state.hi; s.step = (state.hi - state.lo) / 600; s.value = state.x0;
    $("x0-out").textContent = fmt(state.x0);
  }
  function setX0(x) {
    state.x0 = +(+x).toPrecision(6);
    setSlider();
    const inp = document.querySelector(`#point-inputs input[data-name="${CSS.escape($("var").value)}"]`);
    if (inp && document.activeElement !== inp) inp.value = state.x0;
    moveTangent(state.x0);
  }
  let dragging = false;
  plotEl.addEventListener("pointerdown", (ev) => {
    if (!state.plotReady) return;
    const x = xFromEvent(ev);
    if (x === null) return;
    dragging = true;
    plotEl.setPointerCapture(ev.pointerId);
    plotEl.classList.add("dragging");
    setX0(x);
    mark(AFTER_POINT, true);
    ev.preventDefault();
  }, true);
  plotEl.addEventListener("pointermove", (ev) => {
    if (!dragging) return;
    const x = xFromEvent(ev);
    if (x !== null) setX0(x);
  }, true);
  const endDrag = () => {
    if (!dragging) return;
    dragging = false;
    plotEl.classList.remove("dragging");
    refresh(AFTER_POINT, 0);
  };
  plotEl.addEventListener("pointerup", endDrag, true);
  plotEl.addEventListener("pointercancel", endDrag, true);
  $("x0").addEventListener("input", (ev) => { setX0(parseFloat(ev.target.value)); refresh(AFTER_POINT, 150); });


  // ---------------------------------------------------------------- sigmoid gain
  let sigCtrl = null;
  async function sigmoidPlot() {
    if (sigCtrl) sigCtrl.abort();
    const ctrl = new AbortController();
    sigCtrl = ctrl;
    const a = state.a;
    $("gain-out").textContent = a.toFixed(1);
    $("sigmoid-panel").classList.add("pending");
    const res = await api("sample", { expr: "sigmoid(a x)", var: "x", lo: -6, hi: 6, n: 241, params: { a }, lang: state.lang }, ctrl.signal);
    if (res.aborted) return;
    $("sigmoid-panel").classList.remove("pending");
    if (!res.ok) { $("sigmoid-note").textContent = res.error.message; return; }
    const s = res.data;
    P.react($("sigmoid-plot"), [
      { x: s.x, y: s.x.map((x) => (x >= 0 ? 1 : 0)), name: "step(x)", mode: "lines", line: { color: css("--muted"), width: 1, shape: "hv", dash: "dot" } },
      { x: s.x, y: s.f, name: `σ(${a.toFixed(1)}x)`, mode: "lines", line: { color: css("--f"), width: 2.5 } },
      { x: s.x, y: s.df, name: "σ′", mode: "lines", line: { color: css("--df"), width: 2, dash: "dash" } },
    ], baseLayout({ margin: { l: 40, r: 10, t: 10, b: 30 }, yaxis: { ...baseLayout().yaxis, range: [-0.1, Math.max(1.1, a / 4 + 0.1)] } }));
    $("sigmoid-note").textContent = t("sigmoid_note", { a: a.toFixed(1), slope: (a / 4).toFixed(3) });
  }
  $("gain").addEventListener("input", () => { state.a = parseFloat($("gain").value) || 1; sigmoidPlot(); saveUrl(); });

  // ---------------------------------------------------------------- answer checker
  let checkCtrl = null;
  function clearCheck() {
    if (checkCtrl) checkCtrl.abort();
    const box = $("check-result");
    box.replaceChildren();
    box.className = "check-result panel";
    delete box.dataset.correct;
  }
  async function checkAnswer() {
    clearCheck();
    const box = $("check-result");
    const ctrl = new AbortController();
    checkCtrl = ctrl;
    mark(["check"], true);
    const res = await api("check", { expr: state.f, syntax: state.syntax, answer: $("answer").value, var: $("var").value,
      constants: B.constants(), lang: state.lang }, ctrl.signal);
    if (res.aborted) return;
    mark(["check"], false);
    if (!res.ok) { box.classList.add("bad"); box.appendChild(el("p", "panel-error", res.error.message)); return; }
    const r = res.data;
    box.classList.add(r.correct ? "good" : "bad");
    box.dataset.correct = String(r.correct);
    box.appendChild(el("p", "verdict", r.correct ? t("correct") : t("wrong")));
    // the answer as bibun read it, when that could be doubted (1/2x, e^2x, sin x^2)
    if (r.answer_read_as) box.appendChild(el("p", "read-as", t("answer_read_as", { answer: r.answer_read_as })));
    if (r.correct) return;
    // the hint first (the likely mistake, the counterexample); the answer on request
    const lines = String(r.message || "").split("\n").filter(Boolean);
    const hint = lines.slice(1);
    if (hint.length) { box.appendChild(el("p", "", `${t("hint")}: ${hint[0]}`)); for (const l of hint.slice(1)) box.appendChild(el("p", "", l)); }
    if (r.diagnosis && r.diagnosis.length) box.dataset.diagnosis = r.diagnosis.map((d) => d.code).join(" ");
    if (r.expected && r.expected.mathml) {
      const b = el("button", "reveal", t("show_answer"));
      b.type = "button";
      b.addEventListener("click", () => {
        const p = el("p");
        p.append(el("strong", "", `${t("expected")}: `), math(r.expected.mathml, r.expected.text));
        p.className = "expected";
        b.replaceWith(p);
      });
      box.appendChild(b);
    }
  }
  B.REGION.check = "check-result";
  $("check-btn").addEventListener("click", checkAnswer);
  $("answer").addEventListener("keydown", (ev) => { if (ev.key === "Enter") checkAnswer(); });

  Object.assign(B.RENDER, { point: renderPoint, verify: renderVerify, plot: renderPlot, tangent: renderTangent,
    series: renderSeries });
  Object.assign(B.ext, { setSlider, setX0, sigmoid: sigmoidPlot, clearCheck });
})();
