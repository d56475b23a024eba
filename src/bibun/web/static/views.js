// bibun workbench: the two views that teach by picture.
//
// * Gradient descent on the contour: the path of one optimizer, or the classic four side
//   by side (SGD, Momentum, AdaGrad, Adam at the learning rates of bibun.descend.CLASSIC,
//   which the server sends as `presets`: one place for them, the CLI plot's too), on a
//   window that fits the start and the paths; the loss per step of each; a path that
//   diverges or leaves the domain ends in a ✗ with the reason written beside it.
// * The computational graph: an SVG from bibun.autodiff at its natural size (the text
//   stays readable at any formula size), zoomed with Ctrl + wheel or the buttons, panned
//   by dragging or with the arrow keys, "Fit" to see it whole; labels the drawing
//   shortens are listed in full under it.
// Uses app.js's helpers (window.bibun); everything from the server goes through
// textContent, plot.js's SVG text nodes or an <img> (which never runs scripts inside an SVG).
"use strict";

(() => {
  const B = window.bibun;
  const { $, t, el, fmt } = B;
  const P = window.bibunPlot;
  const COLORS = { SGD: "#ff7f0e", Momentum: "#e377c2", AdaGrad: "#17becf", Adam: "#bcbd22" };
  const END_MARK = new Set(["diverged", "left the domain"]);

  // ---------------------------------------------------------------- contour and descent
  function arrows(field, xr, yr) {   // -∇f as short arrows, lengths scaled to the grid
    const { x, y, u, v } = field;
    const mags = u.map((a, i) => (a === null || v[i] === null ? 0 : Math.hypot(a, v[i])));
    const maxm = Math.max(...mags, 1e-300);
    const cell = Math.min(xr[1] - xr[0], yr[1] - yr[0]) / Math.max(Math.round(Math.sqrt(x.length)), 1);
    const ax = [], ay = [];
    for (let i = 0; i < x.length; i++) {
      if (!mags[i]) continue;
      const len = cell * 0.85 * Math.sqrt(mags[i] / maxm);
      const dx = -u[i] / mags[i] * len, dy = -v[i] / mags[i] * len, ex = x[i] + dx, ey = y[i] + dy;
      const hx = dx * 0.35, hy = dy * 0.35;
      ax.push(x[i], ex, null, ex, ex - hx - hy * 0.5, null, ex, ex - hx + hy * 0.5, null);
      ay.push(y[i], ey, null, ey, ey - hy + hx * 0.5, null, ey, ey - hy - hx * 0.5, null);
    }
    return { x: ax, y: ay };
  }

  const contourEl = $("contour");

  // contour levels that show the valley: when a quarter of the window lies below the
  // first of 25 even levels (Rosenbrock's floor beside its 100(y − x²)² walls), colour by
  // log₁₀(f − min) instead of f, so the valley is not one flat colour
  function contourLevels(z) {
    const vals = z.flat().filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
    if (vals.length < 4) return { z, log: false, title: "f" };
    const lo = vals[0], q = (p) => vals[Math.floor(p * (vals.length - 1))] - lo;
    if (!(q(0.25) < (vals[vals.length - 1] - lo) / 25)) return { z, log: false, title: "f" };
    const eps = Math.max(q(0.25) * 1e-3, 1e-12);
    return { log: true, title: `log₁₀(f − ${fmt(lo)})`,
      z: z.map((row) => row.map((v) => (v === null || !Number.isFinite(v) ? null : Math.log10(v - lo + eps)))) };
  }
  const nameOf = (r, compare) => (compare ? r.label : r.optimizer);
  const colorOf = (r, compare) => (compare ? COLORS[r.label] || "#ff7f0e" : "#ff7f0e");

  function renderDescent(d) {
    const panel = $("descent-panel");
    const status = $("descent-status");
    if (!d) {   // not a two-variable formula
      panel.classList.add("empty");
      B.purge("contour"); B.purge("loss");
      status.textContent = t("needs2");
      delete contourEl.dataset.reason;
      delete contourEl.dataset.ends;
      return;
    }
    panel.classList.remove("empty");
    B.state.presets = d.presets;
    if (B.state.lr === "") $("lr").value = d.run.lr;   // the preset the server used
    const runs = d.runs || [d.run];
    const compare = !!d.compare;
    {
      const arr = arrows(d.field, d.xrange, d.yrange);
      const paths = runs.map((r) => {
        const upto = r.path.slice(0, Math.min(r.path.length, r.shown + 1));   // one beyond: the line runs off the edge
        return { x: upto.map((p) => p[0]), y: upto.map((p) => p[1]), mode: "lines+markers", name: nameOf(r, compare),
          line: { color: colorOf(r, compare), width: 2 }, marker: { size: compare ? 4 : 5 } };
      });
      // where a path stopped for a reason to see: diverged (off the plot from here) or left
      // the domain: a ✗ there, the reason in a label (paths ending at one point share it)
      const ends = new Map();
      for (const r of runs.filter((q) => END_MARK.has(q.reason) && q.shown > 0)) {
        const p = r.path[r.shown - 1], key = `${p[0]},${p[1]}`;
        const reason = t(`reason.${r.reason.replace(/ /g, "_")}`);
        if (!ends.has(key)) ends.set(key, { p, lines: [] });
        ends.get(key).lines.push(compare ? `${nameOf(r, compare)}: ${reason}` : reason);
      }
      const marks = [...ends.values()];
      const endTrace = { x: marks.map((m) => m.p[0]), y: marks.map((m) => m.p[1]), mode: "markers", name: "✗",
        hovertext: marks.map((m) => m.lines.join("; ")), hoverinfo: "text", showlegend: false,
        marker: { symbol: "x-thin", size: 18, line: { color: "#d62728", width: 3 } } };
      const notes = marks.map((m) => ({ x: m.p[0], y: m.p[1], text: m.lines.join("<br>"), showarrow: true, arrowhead: 0,
        ax: 0, ay: -36, bgcolor: "rgba(255,255,255,0.9)", bordercolor: "#d62728", font: { color: "#9b1c1c", size: 12 } }));
      const shade = contourLevels(d.z);
      contourEl.dataset.scale = shade.log ? "log" : "linear";
      P.react(contourEl, [
        { type: "contour", x: d.x, y: d.y, z: shade.z, zraw: d.z, colorscale: "Viridis", ncontours: 25,
          contours: { coloring: "heatmap" }, colorbar: { thickness: 12, title: { text: shade.title } },
          hoverinfo: "x+y+z", name: "f", showlegend: false },
        { x: arr.x, y: arr.y, mode: "lines", line: { color: "rgba(255,255,255,0.75)", width: 1 }, hoverinfo: "skip", name: "−∇f", showlegend: false },
        paths[0],
        { x: [B.state.sx], y: [B.state.sy], mode: "markers", marker: { size: 12, color: "#fff", line: { color: "#000", width: 2 } }, name: t("start"), showlegend: false },
        ...paths.slice(1), endTrace,
      ], B.baseLayout({
        annotations: notes,
        xaxis: { ...B.baseLayout().xaxis, range: d.xrange, title: { text: d.vars[0] } },
        yaxis: { ...B.baseLayout().yaxis, range: d.yrange, title: { text: d.vars[1] }, scaleanchor: "x" },
        showlegend: compare, legend: { orientation: "h", y: 1.12 },
      }));
      // the loss axis follows the runs that did not diverge (a diverging one runs off it)
      const steady = runs.filter((r) => r.reason !== "diverged");
      const vals = (steady.length ? steady : runs).flatMap((r) => r.values).filter((v) => v !== null && Number.isFinite(v));
      const logy = vals.length > 2 && vals.every((v) => v > 0) && Math.max(...vals) / Math.min(...vals) > 100;
      const lo = Math.min(...vals), hi = Math.max(...vals), pad = (hi - lo) * 0.06 || 1;
      const yrange = !vals.length ? undefined : logy ? [Math.log10(lo) - 0.2, Math.log10(hi) + 0.2] : [lo - pad, hi + pad];
      P.react($("loss"), runs.map((r, i) => ({ x: r.values.map((_, k) => k), y: r.values, mode: "lines",
        name: compare ? nameOf(r, compare) : t("loss"), line: { color: compare ? colorOf(r, compare) : B.css("--f"), width: 2 } })),
      B.baseLayout({ margin: { l: 60, r: 16, t: 28, b: 40 }, title: { text: t("loss"), font: { size: 13 } },
        xaxis: { ...B.baseLayout().xaxis, title: { text: t("step_axis") }, integer: true },
        yaxis: { ...B.baseLayout().yaxis, type: logy ? "log" : "linear", range: yrange, title: { text: "f" } },
        showlegend: compare, legend: { orientation: "h", y: -0.25 } }));
    }
    status.replaceChildren(...runs.map((r) => {
      const last = r.path[r.path.length - 1] || [];
      const reason = t(`reason.${String(r.reason || "").replace(/ /g, "_")}`);
      const p = el("span", "run", t("descent_status", { optimizer: nameOf(r, compare), lr: fmt(r.lr), reason, steps: r.path.length - 1,
        point: last.map(fmt).join(", "), f: fmt(r.values[r.values.length - 1]) }) + " ");
      p.title = r.detail || "";
      return p;
    }), t("click_start"));
    contourEl.dataset.steps = String(d.run.path.length - 1);
    contourEl.dataset.reason = d.run.reason || "";
    contourEl.dataset.reasons = runs.map((r) => `${nameOf(r, compare)}:${r.reason}`).join("|");
    contourEl.dataset.ends = String(runs.filter((r) => END_MARK.has(r.reason) && r.shown > 0).length);   // paths with a ✗
    contourEl.dataset.range = JSON.stringify([d.xrange, d.yrange]);
  }
  B.RENDER.descent = renderDescent;
  // a click on the contour map starts the descent there
  contourEl.addEventListener("click", (ev) => {
    const p = P.toData(contourEl, ev.clientX, ev.clientY);
    if (!p || p.fx < 0 || p.fx > 1 || p.fy < 0 || p.fy > 1) return;
    B.state.sx = +p.x.toPrecision(3); B.state.sy = +p.y.toPrecision(3);
    $("sx").value = B.state.sx; $("sy").value = B.state.sy;
    B.refresh(["descent"]);
  });

  // the comparison runs the four at their presets: the single optimizer's settings rest
  function setCompare(on) {
    B.state.cmp = on ? 1 : 0;
    $("compare").checked = on;
    $("optimizer").disabled = on; $("lr").disabled = on;
  }
  $("compare").addEventListener("change", () => { setCompare($("compare").checked); B.refresh(["descent"], 0); });
  document.addEventListener("bibun:state", () => setCompare(!!B.state.cmp));

  // ---------------------------------------------------------------- graph
  const view = { scale: 1, x: 0, y: 0, w: 0, h: 0 };
  const box = $("graph");
  function place() {
    const img = box.querySelector("img");
    if (!img) return;
    // the box grows with the drawing up to 640 px; beyond that the learner pans
    box.style.height = `${Math.max(160, Math.min(640, view.h * view.scale + 8))}px`;
    if (view.h * view.scale <= 632) view.y = 0;
    img.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    box.dataset.scale = view.scale.toFixed(3);
    $("graph-zoom-out").disabled = view.scale <= 0.1;
    $("graph-zoom-in").disabled = view.scale >= 8;
  }
  // the box's width as the last layout left it (a ResizeObserver, no forced layout while
  // an answer is drawn); a box that has not been laid out yet is asked
  let boxWidth = 0;
  new ResizeObserver(() => { boxWidth = box.clientWidth; }).observe(box);
  // by default the drawing at its own size (its 12 px text readable; a wide graph is
  // panned, not shrunk to 7 px), centred when it is narrower than the box; "Fit" (or 0)
  // shows the whole of it
  function fit(whole) {
    const bw = boxWidth || box.clientWidth || 1;
    view.scale = whole === true ? Math.min(1, bw / Math.max(view.w, 1)) : 1;
    view.x = Math.max(0, (bw - view.w * view.scale) / 2); view.y = 0;
    place();
  }
  function zoom(f, cx, cy) {   // about the point (cx, cy) of the box
    const s = Math.min(8, Math.max(0.1, view.scale * f));
    const k = s / view.scale;
    view.x = cx - (cx - view.x) * k; view.y = cy - (cy - view.y) * k; view.scale = s;
    place();
  }
  const centre = () => [box.clientWidth / 2, box.clientHeight / 2];

  function renderGraph(r) {
    const status = $("graph-status");
    box.replaceChildren();
    status.replaceChildren();
    const img = el("img");
    img.alt = t("graph_alt", { f: B.state.f });
    img.draggable = false;
    // an <img> never runs scripts inside an SVG, whatever the SVG contains
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(r.svg);
    const size = /<svg[^>]*\swidth="([\d.]+)[^"]*"[^>]*\sheight="([\d.]+)/.exec(r.svg);
    view.w = size ? parseFloat(size[1]) : 600; view.h = size ? parseFloat(size[2]) : 300;
    img.width = view.w; img.height = view.h;   // natural size: its text is the size it was drawn at
    box.appendChild(img);
    fit();
    $("graph-tools").hidden = false;
    // labels the drawing shortened, in full: never cut without the whole text on the page
    const long = $("graph-labels");
    long.hidden = !(r.labels && r.labels.length);
    long.querySelector("ul").replaceChildren(...(r.labels || []).map((l) => el("li", "", `${l.short} = ${l.full}`)));
    long.open = true;
    if (r.value === null) { status.textContent = t("graph_undefined"); return; }
    const grads = Object.entries(r.gradients).map(([k, v]) => `∂f/∂${k} = ${fmt(v)}`).join(", ");
    status.textContent = `f = ${fmt(r.value)}; ${grads}`;
  }
  B.RENDER.graph = renderGraph;

  box.addEventListener("wheel", (ev) => {
    if (!box.querySelector("img") || !(ev.ctrlKey || ev.metaKey)) return;
    ev.preventDefault();   // the page scrolls unless the learner is zooming the graph
    const r = box.getBoundingClientRect();
    zoom(ev.deltaY < 0 ? 1.2 : 1 / 1.2, ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });
  let drag = null;
  box.addEventListener("pointerdown", (ev) => {
    if (!box.querySelector("img")) return;
    drag = { x: ev.clientX - view.x, y: ev.clientY - view.y };
    box.setPointerCapture(ev.pointerId);
    box.classList.add("dragging");
  });
  box.addEventListener("pointermove", (ev) => { if (drag) { view.x = ev.clientX - drag.x; view.y = ev.clientY - drag.y; place(); } });
  const stop = () => { drag = null; box.classList.remove("dragging"); };
  box.addEventListener("pointerup", stop);
  box.addEventListener("pointercancel", stop);
  box.addEventListener("keydown", (ev) => {
    const step = 40, moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[ev.key]) { view.x += moves[ev.key][0]; view.y += moves[ev.key][1]; place(); ev.preventDefault(); }
    if (ev.key === "+" || ev.key === "=") { zoom(1.25, ...centre()); ev.preventDefault(); }
    if (ev.key === "-") { zoom(0.8, ...centre()); ev.preventDefault(); }
    if (ev.key === "0") { fit(true); ev.preventDefault(); }
  });
  $("graph-zoom-in").addEventListener("click", () => zoom(1.25, ...centre()));
  $("graph-zoom-out").addEventListener("click", () => zoom(0.8, ...centre()));
  $("graph-fit").addEventListener("click", () => fit(true));
  $("graph-actual").addEventListener("click", () => { view.scale = 1; view.x = 0; view.y = 0; place(); });
})();
