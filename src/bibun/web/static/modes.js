// bibun workbench: the formula panel's modes beyond y = f(x).
//
// * an equation with y (x^2 + y^2 = 1) turns the Derivative card into implicit
//   differentiation (dy/dx, its steps, d²y/dx²), the point card into the slope and the
//   tangent at a point on the curve, and the plot into the curve F = 0 with that tangent;
//   a parametric curve (x = cos t, y = sin t) gives dy/dx = (dy/dt)/(dx/dt);
// * the Steps' "Method" chooses the worked derivation: the rules, from the definition,
//   through the inverse function, or logarithmic differentiation;
// * the backprop card steps through the forward and the backward pass one node (one
//   edge) at a time over a drawing of the graph, with the numbers of `bibun backprop`.
// Panels that work on a function say so for an equation instead of keeping an old answer.
// Uses app.js's helpers (window.bibun); everything from the server goes through its
// sanitizer or textContent.
"use strict";

(() => {
  const B = window.bibun;
  const { $, t, el, fmt, math, inner } = B;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const EQUATION_OWN = new Set(["diff", "point", "plot", "tangent"]);
  // a parametric curve has a Taylor panel too: x(t) and y(t) are functions of t
  const ownPanel = (n, mode) => EQUATION_OWN.has(n) || (n === "series" && mode === "parametric");

  // ---------------------------------------------------------------- worked steps
  // a worked derivation (implicit, from the definition, …) in the Steps box, one step per
  // "next step", like the rule steps
  function renderWorked(w) {
    const box = $("steps");
    box.replaceChildren();
    box.lang = B.state.lang;
    const list = el("ol", "worked");
    w.steps.forEach((s, i) => {
      const li = el("li", "bibun-step");
      li.dataset.group = String(i + 1);
      li.dataset.key = s.key;
      li.appendChild(el("p", "", s.text));
      if (s.mathml) { const m = el("div", "bibun-formula"); m.appendChild(math(s.mathml, s.math)); li.appendChild(m); }
      list.appendChild(li);
    });
    box.appendChild(list);
    box.dataset.total = String(Math.max(w.steps.length, 1));
    B.showSteps();
  }

  B.ext.method = (panel) => {
    const title = $("method-title");
    $("method").disabled = false;
    title.replaceChildren();
    if (B.state.m === "rules" || !panel) return;   // the rule steps app.js drew stay
    const box = $("steps");
    if (panel.error) {   // this method does not reach the formula: say so where the steps were
      box.replaceChildren(el("p", "panel-error", panel.error.message));
      box.dataset.total = "1";
      $("step-next").parentElement.hidden = true;
      return;
    }
    title.textContent = panel.data.title;
    renderWorked(panel.data);
  };

  // ---------------------------------------------------------------- equations
  const frac = (a, b) => `<mfrac><mi>${a}</mi><mi>${b}</mi></mfrac>`;
  function equationLine(lhs, formula, more) {
    let m = `<math display="block">${lhs}<mo>=</mo>${inner(formula.mathml)}`;
    if (more) m += `<mo>=</mo>${inner(more.mathml)}`;
    return math(`${m}</math>`, `${formula.text}`);
  }

  B.ext.equation = (r, names) => {
    const eq = r.panels.equation;
    const mode = eq.data ? eq.data.mode : r.mode;
    for (const n of names) { B.mark([n], false); if (!ownPanel(n, mode)) B.panelMessage(n, "panel-wait", t("for_functions")); }
    $("method").disabled = true;
    $("method-title").textContent = "";
    if (eq.error) {
      for (const n of EQUATION_OWN) if (names.includes(n)) B.panelMessage(n, n === "diff" ? "panel-error" : "panel-wait", n === "diff" ? eq.error.message : t("for_functions"));
      return;
    }
    const d = eq.data;
    B.removeNotes("diff");
    const dv = $("derivative");
    const x = d.mode === "parametric" ? "x" : d.x, y = d.mode === "parametric" ? "y" : d.y;
    dv.replaceChildren(equationLine(frac(`d${y}`, `d${x}`), d.derivative));
    dv.dataset.text = d.derivative.text;
    dv.dataset.mode = d.mode;
    const forms = $("forms");
    forms.replaceChildren(el("h3", "", t("second_derivative")));
    const row = el("div", "form");
    const second = `<mfrac><mrow><msup><mi>d</mi><mn>2</mn></msup><mi>${y}</mi></mrow><mrow><mi>d</mi><msup><mi>${x}</mi><mn>2</mn></msup></mrow></mfrac>`;
    row.appendChild(equationLine(second, d.second, d.second_on_curve));
    forms.appendChild(row);
    if (d.mode === "parametric") {
      const p = el("div", "form");
      p.append(el("span", "fname", t("parametric_curve")));
      p.appendChild(math(`<math><mi>x</mi><mo>=</mo>${inner(d.x_of_t.mathml)}<mo>,</mo><mspace width="1em"></mspace><mi>y</mi><mo>=</mo>${inner(d.y_of_t.mathml)}</math>`, `x = ${d.x_of_t.text}, y = ${d.y_of_t.text}`));
      forms.appendChild(p);
    }
    $("notes").replaceChildren();
    renderWorked(d.steps);
    if (d.mode === "parametric") {
      renderParametricPoint(d);
      renderParametricTaylor(d);
      renderParametricCurve(d);
      return;
    }
    renderImplicitPoint(d);
    renderCurve(d);
  };

  function renderImplicitPoint(d) {
    const box = $("values"), tan = $("tangent");
    box.replaceChildren(); tan.replaceChildren();
    delete box.dataset.derivative;
    const pt = d.point;
    if (!pt) return;
    if (pt.error) { box.appendChild(el("p", "panel-error", pt.error.message)); return; }
    const where = Object.entries(pt.data.at).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ");
    const p = el("p");
    p.append(el("strong", "", `d${d.y}/d${d.x} (${where})`), ` = ${pt.data.value.exact ?? fmt(pt.data.value.value)}`);
    box.appendChild(p);
    box.dataset.derivative = String(pt.data.value.exact ?? pt.data.value.value);
    if (pt.data.tangent) {
      const q = el("p");
      q.append(t("tangent_at", { at: where, slope: fmt(pt.data.value.value) }), " ");
      const m = el("span", "exact-line");
      m.appendChild(math(pt.data.tangent.mathml.replace(/^(<math[^>]*>)/, `$1<mi>${d.y}</mi><mo>=</mo>`), `${d.y} = ${pt.data.tangent.text}`));
      q.appendChild(m);
      tan.appendChild(q);
      tan.dataset.slope = String(pt.data.value.value);
    }
  }

  // a parametric curve: the point at t = t₀ (the page's point), its slope dy/dx there
  // and the tangent; no slope where dx/dt = 0 (a vertical tangent)
  function renderParametricPoint(d) {
    const box = $("values"), tan = $("tangent");
    box.replaceChildren(); tan.replaceChildren();
    delete box.dataset.derivative; delete tan.dataset.slope;
    B.removeNotes("point"); B.removeNotes("tangent");
    const a = d.at;
    if (!a) return;
    const p = el("p");
    p.append(el("strong", "", `${d.t} = ${fmt(a.t)}`), `: (x, y) = (${fmt(a.x)}, ${fmt(a.y)}), `,
      el("strong", "", "dy/dx"), ` = ${fmt(a.slope)}`);
    box.appendChild(p);
    box.dataset.derivative = a.slope === null ? "" : String(a.slope);
    if (a.slope !== null && a.x !== null && a.y !== null) {
      const c = a.y - a.slope * a.x;
      tan.appendChild(el("p", "", `${t("tangent_at", { at: `${d.t} = ${fmt(a.t)}`, slope: fmt(a.slope) })}  y = ${fmt(a.slope)}x ${c < 0 ? "−" : "+"} ${fmt(Math.abs(c))}`));
      tan.dataset.slope = String(a.slope);
    }
  }

  // the Taylor panel of a curve: the polynomials of x(t) and y(t) about t₀, ascending
  function renderParametricTaylor(d) {
    const box = $("series");
    box.replaceChildren();
    delete box.dataset.terms;
    B.removeNotes("series");
    const s = d.taylor;
    if (!s) return;
    if (s.error) { box.appendChild(el("p", "panel-error", s.error.message)); return; }
    const poly = (terms) => terms.map((term, i) => `${i === 0 && term.sign === "+" ? "" : `<mo>${term.sign === "-" ? "−" : "+"}</mo>`}${inner(term.formula.mathml)}`).join("") || "<mn>0</mn>";
    const p = el("p");
    p.append(t("taylor_of", { n: s.order, at: `${d.t} = ${fmt(s.t0)}` }), " ");
    for (const [name, terms, f] of [["x", s.x_terms, s.x], ["y", s.y_terms, s.y]]) {
      const m = el("span", "series-line");
      m.appendChild(math(`<math><mi>${name}</mi><mo>≈</mo>${poly(terms)}</math>`, `${name} ≈ ${f.text}`));
      p.append(m, " ");
    }
    box.appendChild(p);
    box.dataset.terms = [...s.x_terms, ...s.y_terms].map((x) => x.formula.text).join(" | ");
  }

  function renderParametricCurve(d) {
    const plot = $("plot");
    B.state.samples = null; B.state.plotReady = false; B.state.tangent = null; B.state.series = null;
    B.removeNotes("plot");
    if (!d.curve) { B.panelMessage("plot", "panel-wait", t("for_functions")); return; }
    {
      const c = d.curve, a = d.at;
      const fin = [...c.x, ...c.y].filter((v) => v !== null && Number.isFinite(v));
      const lo = Math.min(...fin), hi = Math.max(...fin), pad = (hi - lo) * 0.08 || 1;
      const range = [lo - pad, hi + pad];
      const traces = [{ x: c.x, y: c.y, mode: "lines", name: `(${d.x_of_t.text}, ${d.y_of_t.text})`, line: { color: B.css("--f"), width: 2.5 },
        customdata: c.t, text: c.t.map((tv, i) => `${d.t} = ${fmt(tv)}<br>(${fmt(c.x[i])}, ${fmt(c.y[i])})`), hoverinfo: "text" }];
      if (d.taylor && d.taylor.curve) {
        traces.push({ x: d.taylor.curve.x, y: d.taylor.curve.y, mode: "lines", name: t("legend_taylor", { n: d.taylor.order }),
          line: { color: B.css("--taylor"), width: 2, dash: "dot" }, connectgaps: false });
      }
      if (a && a.x !== null && a.y !== null) {
        const far = [a.x - 10 * (hi - lo + 1), a.x + 10 * (hi - lo + 1)];   // the axes clip it
        if (a.slope !== null) traces.push({ x: far, y: far.map((x) => a.y + a.slope * (x - a.x)), mode: "lines", name: t("legend_tangent"), line: { color: B.css("--tan"), width: 1.5 } });
        traces.push({ x: [a.x], y: [a.y], mode: "markers", name: t("legend_point"), marker: { size: 12, color: B.css("--tan"), line: { color: "#fff", width: 2 } } });
      }
      const layout = B.baseLayout({
        xaxis: { ...B.baseLayout().xaxis, range, title: { text: "x" } },
        yaxis: { ...B.baseLayout().yaxis, range, title: { text: "y" }, scaleanchor: "x" },
      });
      window.bibunPlot.react(plot, traces, layout);
      plot.dataset.mode = "parametric";
      plot.setAttribute("aria-label", t("curve_label", { equation: `x = ${d.x_of_t.text}, y = ${d.y_of_t.text}` }));
    }
  }

  function renderCurve(d) {
    const plot = $("plot");
    B.state.samples = null; B.state.plotReady = false; B.state.tangent = null; B.state.series = null;
    B.removeNotes("plot");
    if (!d.curve) { B.panelMessage("plot", "panel-wait", t("for_functions")); return; }
    {
      const lo = B.state.lo, hi = B.state.hi;
      const traces = [{ type: "contour", x: d.curve.x, y: d.curve.y, z: d.curve.z, name: d.equation.text, showscale: false,
        contours: { start: 0, end: 0, size: 1, coloring: "lines" }, line: { color: B.css("--f"), width: 2.5 },
        colorscale: [[0, B.css("--f")], [1, B.css("--f")]], hoverinfo: "skip", showlegend: true }];
      const pt = d.point && d.point.data;
      if (pt) {
        const x0 = pt.at[d.x], y0 = pt.at[d.y], m = pt.value.value;
        if (m !== null) traces.push({ x: [lo, hi], y: [y0 + m * (lo - x0), y0 + m * (hi - x0)], mode: "lines", name: t("legend_tangent"), line: { color: B.css("--tan"), width: 1.5 } });
        traces.push({ x: [x0], y: [y0], mode: "markers", name: t("legend_point"), marker: { size: 12, color: B.css("--tan"), line: { color: "#fff", width: 2 } } });
      }
      const layout = B.baseLayout({
        xaxis: { ...B.baseLayout().xaxis, range: [lo, hi], title: { text: d.x } },
        yaxis: { ...B.baseLayout().yaxis, range: [lo, hi], title: { text: d.y }, scaleanchor: "x" },
      });
      window.bibunPlot.react(plot, traces, layout);
      plot.dataset.mode = "implicit";
      plot.setAttribute("aria-label", t("curve_label", { equation: d.equation.text }));
    }
  }

  // ---------------------------------------------------------------- backprop stepper
  const bp = { data: null, pos: 0 };

  B.ext.clearBackprop = () => {
    bp.data = null; bp.pos = 0;
    $("bp-graph").replaceChildren(); $("bp-step").replaceChildren(); $("bp-summary").replaceChildren();
    $("bp-progress").textContent = "";
    for (const id of ["bp-first", "bp-prev", "bp-next", "bp-last"]) $(id).disabled = true;
  };

  B.ext.backprop = (d) => {
    if (!d) { B.ext.clearBackprop(); return; }
    B.removeNotes("backprop");
    const same = bp.data && bp.data.timeline.length === d.timeline.length && bp.data.expression.text === d.expression.text;
    bp.data = d;
    if (!same) bp.pos = 0;
    const s = $("bp-summary");
    s.textContent = Object.keys(d.gradient).map((k) => t("bp_check", { name: k, ours: fmt(d.gradient[k]), auto: fmt(d.autodiff[k]), cd: fmt(d.central[k]) })).join("  ");
    drawBackprop();
  };

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // the state of the passes after the first `pos` steps of the timeline
  function progressAt(d, pos) {
    const shown = new Set(), grads = new Map(), edgesDone = new Set();
    let current = null;
    d.timeline.slice(0, pos).forEach((s, i) => {
      if (s.phase === "forward") shown.add(s.node);
      if (s.key === "backprop.backward_intro") grads.set(d.nodes[d.nodes.length - 1].id, 1);
      if (s.phase === "backward") {
        const e = d.edges[s.edge];
        edgesDone.add(s.edge);
        grads.set(e.child, (grads.get(e.child) || 0) + e.contribution);
      }
      if (i === pos - 1) current = s;
    });
    return { shown, grads, edgesDone, current };
  }

  function drawBackprop() {
    const d = bp.data;
    const { shown, grads, edgesDone, current } = progressAt(d, bp.pos);
    const W = 168, H = 62, GX = 70, GY = 22, PAD = 12;
    const cols = new Map();
    for (const n of d.nodes) { if (!cols.has(n.depth)) cols.set(n.depth, []); cols.get(n.depth).push(n); }
    const rows = Math.max(...[...cols.values()].map((c) => c.length));
    const width = PAD * 2 + cols.size * W + (cols.size - 1) * GX, height = PAD * 2 + rows * H + (rows - 1) * GY;
    const pos = new Map();
    for (const [depth, list] of cols) {
      const top = PAD + (height - PAD * 2 - (list.length * H + (list.length - 1) * GY)) / 2;
      list.forEach((n, i) => pos.set(n.id, { x: PAD + depth * (W + GX), y: top + i * (H + GY) }));
    }
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", class: "bp-svg" });
    root.appendChild(svg("title", {}, t("bp_graph_label", { f: d.expression.text })));
    d.edges.forEach((e, i) => {
      const a = pos.get(e.child), b = pos.get(e.parent);
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      const isCur = current && current.phase === "backward" && current.edge === i;
      const g = svg("g", { class: `bp-edge${edgesDone.has(i) ? " done" : ""}${isCur ? " current" : ""}`, "data-edge": i });
      g.appendChild(svg("line", { x1, y1, x2, y2 }));
      if (edgesDone.has(i)) g.appendChild(svg("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 5, "text-anchor": "middle" }, `×${fmt(e.local)}`));
      root.appendChild(g);
    });
    for (const n of d.nodes) {
      const p = pos.get(n.id);
      const isCur = current && current.node === n.id;
      const g = svg("g", { class: `bp-node${n.input ? " input" : ""}${isCur ? " current" : ""}`, "data-node": n.id, "data-name": n.name });
      g.appendChild(svg("rect", { x: p.x, y: p.y, width: W, height: H, rx: 8 }));
      const head = n.input ? n.name : `${n.name} = ${n.op}`;
      g.appendChild(svg("text", { x: p.x + 8, y: p.y + 18, class: "name" }, head.length > 24 ? head.slice(0, 23) + "…" : head));
      if (head.length > 24) g.appendChild(svg("title", {}, head));
      g.appendChild(svg("text", { x: p.x + 8, y: p.y + 37, class: "value" }, shown.has(n.id) ? `${t("bp_value")} ${fmt(n.value)}` : ""));
      g.appendChild(svg("text", { x: p.x + 8, y: p.y + 55, class: "grad" }, grads.has(n.id) ? `∂${d.nodes[d.nodes.length - 1].name}/∂${n.name} ${fmt(grads.get(n.id))}` : ""));
      if (shown.has(n.id)) g.dataset.value = String(n.value);
      if (grads.has(n.id)) g.dataset.grad = String(grads.get(n.id));
      root.appendChild(g);
    }
    $("bp-graph").replaceChildren(root);
    const step = $("bp-step");
    step.replaceChildren();
    step.lang = B.state.lang;
    if (current) {
      step.appendChild(el("p", "", current.text));
      if (current.mathml) step.appendChild(math(current.mathml, current.math));
      step.dataset.phase = current.phase;
    } else {
      step.appendChild(el("p", "note", t("bp_start", { f: d.expression.text })));
      delete step.dataset.phase;
    }
    const total = d.timeline.length;
    $("bp-progress").textContent = t("steps_progress", { n: bp.pos, total });
    $("bp-first").disabled = $("bp-prev").disabled = bp.pos === 0;
    $("bp-next").disabled = $("bp-last").disabled = bp.pos >= total;
  }

  const go = (p) => { if (!bp.data) return; bp.pos = Math.max(0, Math.min(bp.data.timeline.length, p)); drawBackprop(); };
  $("bp-first").addEventListener("click", () => go(0));
  $("bp-prev").addEventListener("click", () => go(bp.pos - 1));
  $("bp-next").addEventListener("click", () => go(bp.pos + 1));
  $("bp-last").addEventListener("click", () => go(Infinity));
  B.ext.clearBackprop();
  document.addEventListener("bibun:lang", () => { if (bp.data) drawBackprop(); });
})();
