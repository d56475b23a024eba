// bibun workbench — the page's own plots, drawn as SVG.  No library, no build step.
//
// Why not plotly.js: its smallest build is 485 KB gzipped and compiling it is one
// ~1 s main-thread task that cannot be split, so a key pressed meanwhile waited
// (bench/web_latency.py --long-tasks).  The page draws a handful of things: lines with
// gaps (null breaks a line: poles, where f is undefined), markers, shaded bands, the
// zero level of F(x, y) (an implicit curve), a contour map with a colour bar, arrows and
// labelled ✗ marks, a legend and two axes.  This file draws exactly those, in a few
// milliseconds, with the figure description plotly used (traces and a layout), so each
// plot element keeps `.data` (the traces) and `.layout` as before; tests read them.
//
//   bibunPlot.react(el, traces, layout)   draw (again) from scratch
//   bibunPlot.restyle(el, update, idx)    change some traces' fields ({x: [xs…]}, [2, 3])
//   bibunPlot.purge(el)                   empty
//   bibunPlot.recolor({old: new})         redraw every figure with some colours swapped
//   bibunPlot.toData(el, clientX, clientY) → { x, y, fx, fy } in data units (fx, fy: the
//                                         fraction across the plot area, 0…1 inside)
//
// Ticks are written by the page's one number formatter (numtext.js: 2×10⁶, never "2M");
// an axis with `integer: true` (steps of a descent) has whole-number ticks only.
// The SVG is aria-hidden: the element around it is role="img" with an aria-label that
// says what the plot shows.  A mouse pointer gets a readout of the nearest point; touch
// leaves the page's scroll alone (the element is touch-action: pan-y).
"use strict";

(() => {
  const NS = "http://www.w3.org/2000/svg";
  const fmt = (v) => window.bibunNumtext.numberText(v);
  const finite = (v) => typeof v === "number" && Number.isFinite(v);
  const VIRIDIS = ["#440154", "#48186a", "#472d7b", "#424086", "#3b528b", "#33638d", "#2c728e",
    "#26828e", "#21918c", "#1fa088", "#28ae80", "#3fbc73", "#5ec962", "#84d44b", "#addc30",
    "#d8e219", "#fde725"];
  const VIRIDIS_RGB = VIRIDIS.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  const DASH = { dash: [6, 4], dot: [2, 3], dashdot: [6, 3, 2, 3] };
  let uid = 0;

  function svg(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // text widths for the layout (tick labels, legend entries), measured once per string
  const measurer = document.createElement("canvas").getContext("2d");
  const widths = new Map();
  function textWidth(s, size, family) {
    const key = `${size}|${family}|${s}`;
    let w = widths.get(key);
    if (w === undefined) {
      if (widths.size > 4000) widths.clear();
      const font = `${size}px ${family}`;
      if (measurer.font !== font) measurer.font = font;
      w = measurer.measureText(s).width;
      widths.set(key, w);
    }
    return w;
  }

  // ---------------------------------------------------------------- scales and ticks
  function niceStep(span, count) {
    const raw = span / Math.max(count, 1);
    const mag = 10 ** Math.floor(Math.log10(raw));
    const f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  }
  function linearTicks(lo, hi, count, integer) {
    if (!(hi > lo)) return [];
    const step = integer ? Math.max(1, niceStep(hi - lo, count)) : niceStep(hi - lo, count);
    const out = [];
    for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
      const v = Number((k * step).toPrecision(12));
      out.push({ v, label: fmt(v === 0 ? 0 : v).replace(/^-/, "−") });   // a typographic minus
    }
    return out;
  }
  const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  function logTicks(lo, hi, count) {   // lo, hi: log₁₀ of the range (as plotly's log axes)
    const first = Math.ceil(lo - 1e-9), last = Math.floor(hi + 1e-9);
    if (last - first < 1) {   // less than a decade: plain numbers at nice places
      return linearTicks(10 ** lo, 10 ** hi, count).filter((t) => t.v > 0).map((t) => ({ v: Math.log10(t.v), label: t.label }));
    }
    const every = Math.max(1, Math.ceil((last - first + 1) / Math.max(count, 2)));
    const out = [];
    for (let k = first; k <= last; k += every) {
      out.push({ v: k, label: k === 0 ? "1" : `10${[...String(k)].map((c) => SUP[c]).join("")}` });
    }
    return out;
  }

  // the extent of the finite values of some traces along one axis, for an axis without a range
  function extent(traces, key, log) {
    let lo = Infinity, hi = -Infinity;
    for (const t of traces) {
      for (const v of t[key] || []) {
        const w = log ? (v > 0 ? Math.log10(v) : NaN) : v;
        if (finite(w)) { if (w < lo) lo = w; if (w > hi) hi = w; }
      }
    }
    if (!(hi >= lo)) return [0, 1];
    if (hi - lo < 1e-12) return [lo - 1, hi + 1];
    return [lo, hi];
  }

  // ---------------------------------------------------------------- contour helpers
  function zRange(z) {
    let lo = Infinity, hi = -Infinity;
    for (const row of z) for (const v of row) if (finite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
    return hi >= lo ? [lo, hi] : [0, 1];
  }
  function viridis(u) {   // u in [0, 1] → [r, g, b]
    const p = Math.min(1, Math.max(0, u)) * (VIRIDIS_RGB.length - 1);
    const i = Math.min(VIRIDIS_RGB.length - 2, Math.floor(p)), f = p - i;
    return VIRIDIS_RGB[i].map((c, k) => Math.round(c + (VIRIDIS_RGB[i + 1][k] - c) * f));
  }
  // where the grid z (rows along y) crosses each of `levels` (marching squares), as one
  // SVG path in pixels; a cell looks only at the levels between its corners' values, and
  // a cell with a missing corner draws nothing
  function isoPath(xs, ys, z, levels, X, Y) {
    const parts = [];
    const px = xs.map(X), py = ys.map(Y);
    const at = (u) => Math.round(u * 10) / 10;
    for (let j = 0; j + 1 < ys.length; j++) {
      const r0 = z[j], r1 = z[j + 1];
      if (!r0 || !r1) continue;
      for (let i = 0; i + 1 < xs.length; i++) {
        const a = r0[i], b = r0[i + 1], c = r1[i + 1], d = r1[i];   // corners counter-clockwise
        if (!finite(a) || !finite(b) || !finite(c) || !finite(d)) continue;
        const lo = Math.min(a, b, c, d), hi = Math.max(a, b, c, d);
        const X0 = px[i], X1 = px[i + 1], Y0 = py[j], Y1 = py[j + 1];
        for (const level of levels) {
          if (level < lo || level > hi) continue;
          const pts = [];
          const edge = (p, q, x0, y0, x1, y1) => {
            if ((p < level) === (q < level)) return;
            const f = (level - p) / (q - p);
            pts.push(at(x0 + (x1 - x0) * f), at(y0 + (y1 - y0) * f));
          };
          edge(a, b, X0, Y0, X1, Y0); edge(b, c, X1, Y0, X1, Y1);
          edge(c, d, X1, Y1, X0, Y1); edge(d, a, X0, Y1, X0, Y0);
          if (pts.length === 4) parts.push(`M${pts[0]},${pts[1]}L${pts[2]},${pts[3]}`);
          else if (pts.length === 8) {   // a saddle: pair the crossings by the centre's side
            const same = ((a + b + c + d) / 4 < level) === (a < level);
            parts.push(same ? `M${pts[0]},${pts[1]}L${pts[2]},${pts[3]}M${pts[4]},${pts[5]}L${pts[6]},${pts[7]}`
              : `M${pts[0]},${pts[1]}L${pts[6]},${pts[7]}M${pts[2]},${pts[3]}L${pts[4]},${pts[5]}`);
          }
        }
      }
    }
    return parts.join("");
  }

  // ---------------------------------------------------------------- drawing
  function legendEntries(traces, layout) {
    if (layout.showlegend === false) return [];
    const all = traces.map((t, i) => ({ t, i })).filter(({ t }) => t.showlegend !== false && t.name);
    return layout.showlegend === true || all.length > 1 ? all : [];
  }

  // lay the legend out in rows that fit the width: [{ x, row, entry }], rows
  function legendRows(entries, width, size, family) {
    const placed = [];
    let x = 0, row = 0;
    for (const e of entries) {
      const w = 30 + textWidth(e.t.name, size, family) + 16;
      if (x > 0 && x + w > width) { x = 0; row += 1; }
      placed.push({ x, row, e });
      x += w;
    }
    return { placed, rows: entries.length ? row + 1 : 0 };
  }

  function lineAttrs(line, fallback) {
    const w = line && line.width !== undefined ? line.width : 2;
    const dash = line && DASH[line.dash];
    return { stroke: (line && line.color) || fallback, "stroke-width": w, fill: "none",
      "stroke-dasharray": dash ? dash.map((d) => d * Math.max(1, w * 0.75)).join(" ") : undefined,
      "stroke-linejoin": "round", "stroke-linecap": dash ? "butt" : "round" };
  }

  function markerNode(x, y, m, fallback) {
    const size = m.size || 8, color = m.color || fallback;
    if (m.symbol === "x-thin") {
      const r = size / 2, ln = m.line || {};
      return svg("path", { d: `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`,
        stroke: ln.color || color, "stroke-width": ln.width || 2, fill: "none" });
    }
    const ln = m.line || {};
    return svg("circle", { cx: x, cy: y, r: size / 2, fill: color,
      stroke: ln.width ? ln.color || "#fff" : undefined, "stroke-width": ln.width || undefined });
  }

  // one path through the points, broken where a value is missing (unless connectgaps)
  function linePath(xs, ys, X, Y, shape, connect) {
    let d = "", open = false, px = 0, py = 0;
    const n = Math.min(xs.length, ys.length);
    for (let i = 0; i < n; i++) {
      const u = X(xs[i]), v = Y(ys[i]);
      if (!finite(u) || !finite(v)) { if (!connect) open = false; continue; }
      const cu = u.toFixed(1), cv = Math.max(-1e5, Math.min(1e5, v)).toFixed(1);
      if (!open) d += `M${cu},${cv}`;
      else if (shape === "hv") d += `H${cu}V${cv}`;
      else d += `L${cu},${cv}`;
      open = true; px = u; py = v;
    }
    return d;
  }

  function draw(el) {
    const traces = el.data || [], layout = el.layout || {};
    // the size the ResizeObserver saw (no forced layout); the first draw asks the element
    const W = Math.max(200, (el._w ?? el.clientWidth) || 600), H = Math.max(150, (el._h ?? el.clientHeight) || 380);
    const font = layout.font || {}, size = font.size || 13, ink = font.color || "#222";
    const family = el._family || getComputedStyle(el).fontFamily || "sans-serif";
    const xa = layout.xaxis || {}, ya = layout.yaxis || {};
    const m = { l: 50, r: 16, t: 10, b: 40, ...(layout.margin || {}) };
    const scatters = traces.filter((t) => t.type !== "contour");
    const contours = traces.filter((t) => t.type === "contour");
    const heat = contours.find((t) => (t.contours || {}).coloring === "heatmap");

    // ranges (log axes in log₁₀ units, as given)
    const ylog = ya.type === "log";
    let xr = xa.range ? [...xa.range] : extent([...scatters, ...contours], "x", false);
    let yr = ya.range ? [...ya.range] : extent([...scatters, ...contours], "y", ylog);
    if (!xa.range && scatters.length && scatters.every((t) => (t.mode || "").includes("lines"))) { /* lines: no padding */ } else if (!xa.range) {
      const p = (xr[1] - xr[0]) * 0.05; xr = [xr[0] - p, xr[1] + p];
    }
    if (!ya.range) { const p = (yr[1] - yr[0]) * 0.06; yr = [yr[0] - p, yr[1] + p]; }

    // room for the legend, the title, the colour bar and the tick labels
    const legend = legendEntries(traces, layout);
    const lay = legendRows(legend, W - 20, size, family);
    const legendH = lay.rows * (size + 8);
    const below = (layout.legend || {}).y < 0;
    const title = layout.title && layout.title.text;
    const titleH = title ? size + 12 : 0;
    const bar = heat && heat.showscale !== false && heat.colorbar ? 70 : 0;
    const yTicksGuess = ylog ? logTicks(yr[0], yr[1], 6) : linearTicks(yr[0], yr[1], 6);
    const tickW = Math.max(0, ...yTicksGuess.map((t) => textWidth(t.label, size * 0.92, family)));
    const yTitle = ya.title && ya.title.text;
    const left = Math.max(m.l, tickW + 12 + (yTitle ? size + 8 : 0));
    const top = m.t + titleH + (below ? 0 : legendH);
    const bottom = m.b + (below ? legendH + 8 : 0);
    let px0 = left, px1 = W - m.r - bar, py0 = top, py1 = H - bottom;
    if (px1 - px0 < 40) px1 = px0 + 40;
    if (py1 - py0 < 40) py1 = py0 + 40;
    // one unit is as long across as up (a circle looks round): the plot area shrinks
    if (ya.scaleanchor === "x") {
      const kx = (px1 - px0) / (xr[1] - xr[0]), ky = (py1 - py0) / (yr[1] - yr[0]), k = Math.min(kx, ky);
      const w = k * (xr[1] - xr[0]), h = k * (yr[1] - yr[0]);
      px0 += (px1 - px0 - w) / 2; px1 = px0 + w;
      py0 += (py1 - py0 - h) / 2; py1 = py0 + h;
    }
    const X = (v) => (finite(v) ? px0 + (v - xr[0]) / (xr[1] - xr[0]) * (px1 - px0) : NaN);
    const Y = (v) => {
      const w = ylog ? (v > 0 ? Math.log10(v) : NaN) : v;
      return finite(w) ? py1 - (w - yr[0]) / (yr[1] - yr[0]) * (py1 - py0) : NaN;
    };
    el._plot = { xr, yr, px0, px1, py0, py1, ylog };

    const root = svg("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, "aria-hidden": "true", focusable: "false",
      class: "plot-svg", "font-size": size, "font-family": family, fill: ink });
    const clipId = `bibun-clip-${el._plotId || (el._plotId = ++uid)}`;
    const defs = svg("defs");
    const clip = svg("clipPath", { id: clipId });
    clip.appendChild(svg("rect", { x: px0, y: py0, width: px1 - px0, height: py1 - py0 }));
    defs.appendChild(clip);
    root.appendChild(defs);
    root.appendChild(svg("rect", { class: "plot-area", x: px0, y: py0, width: px1 - px0, height: py1 - py0,
      fill: layout.plot_bgcolor || "transparent" }));
    const inside = svg("g", { "clip-path": `url(#${clipId})` });

    // the contour map: an image of the grid (the browser smooths it), then its levels
    if (heat) {
      const [zlo, zhi] = zRange(heat.z);
      const nx = heat.x.length, ny = heat.y.length;
      const cv = document.createElement("canvas");
      cv.width = nx; cv.height = ny;
      const cx = cv.getContext("2d"), img = cx.createImageData(nx, ny);
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const v = (heat.z[j] || [])[i], o = ((ny - 1 - j) * nx + i) * 4;
          if (!finite(v)) continue;
          const [r, g, b] = viridis((v - zlo) / (zhi - zlo || 1));
          img.data[o] = r; img.data[o + 1] = g; img.data[o + 2] = b; img.data[o + 3] = 255;
        }
      }
      cx.putImageData(img, 0, 0);
      const hx = (heat.x[nx - 1] - heat.x[0]) / (2 * Math.max(nx - 1, 1)), hy = (heat.y[ny - 1] - heat.y[0]) / (2 * Math.max(ny - 1, 1));
      const ix0 = X(heat.x[0] - hx), ix1 = X(heat.x[nx - 1] + hx), iy0 = Y(heat.y[ny - 1] + hy), iy1 = Y(heat.y[0] - hy);
      inside.appendChild(svg("image", { href: cv.toDataURL(), x: ix0, y: iy0, width: ix1 - ix0, height: iy1 - iy0,
        preserveAspectRatio: "none" }));
      const n = Math.max(2, heat.ncontours || 15);
      const levels = Array.from({ length: n - 1 }, (_, k) => zlo + (zhi - zlo) * (k + 1) / n);
      const d = isoPath(heat.x, heat.y, heat.z, levels, X, Y);
      inside.appendChild(svg("path", { d, stroke: "rgba(0,0,0,0.25)", "stroke-width": 0.6, fill: "none" }));
      if (bar) drawColorbar(root, heat, zlo, zhi, px1 + 14, py0, py1, size, family, ink);
    }

    // shaded bands (where f is undefined) under the lines
    for (const s of layout.shapes || []) {
      if (s.type !== "rect") continue;
      const x0 = s.xref === "paper" ? px0 + s.x0 * (px1 - px0) : X(s.x0), x1 = s.xref === "paper" ? px0 + s.x1 * (px1 - px0) : X(s.x1);
      const y0 = s.yref === "paper" ? py1 - s.y0 * (py1 - py0) : Y(s.y0), y1 = s.yref === "paper" ? py1 - s.y1 * (py1 - py0) : Y(s.y1);
      inside.appendChild(svg("rect", { class: "plot-band", x: Math.min(x0, x1), y: Math.min(y0, y1), width: Math.abs(x1 - x0),
        height: Math.abs(y1 - y0), fill: s.fillcolor || "#888", "fill-opacity": s.opacity ?? 0.2 }));
    }

    drawAxes(root, { xr, yr, px0, px1, py0, py1, ylog, xa, ya, size, family, ink, X, Y });

    for (const t of traces) {
      if (t.visible === false) continue;
      if (t.type === "contour") {
        const c = t.contours || {};
        if (c.coloring !== "lines") continue;
        const d = isoPath(t.x, t.y, t.z, [c.start ?? 0], X, Y);
        inside.appendChild(svg("path", { d, ...lineAttrs(t.line, ink), "data-trace": traces.indexOf(t) }));
        continue;
      }
      const mode = t.mode || "lines";
      const g = svg("g", { "data-trace": traces.indexOf(t) });
      if (mode.includes("lines")) g.appendChild(svg("path", { d: linePath(t.x || [], t.y || [], X, Y, (t.line || {}).shape, t.connectgaps), ...lineAttrs(t.line, ink) }));
      if (mode.includes("markers")) {
        const mk = { ...(t.marker || {}) };
        if (!mk.color && t.line) mk.color = t.line.color;
        (t.x || []).forEach((xv, i) => {
          const u = X(xv), v = Y((t.y || [])[i]);
          if (finite(u) && finite(v)) g.appendChild(markerNode(u, v, mk, ink));
        });
      }
      inside.appendChild(g);
    }
    root.appendChild(inside);

    for (const a of layout.annotations || []) drawNote(root, a, X(a.x), Y(a.y), size, family);
    if (title) root.appendChild(svg("text", { x: (px0 + px1) / 2, y: m.t + size, "text-anchor": "middle", "font-weight": 600 }, title));
    if (lay.rows) {
      const g = svg("g", { class: "plot-legend" });
      const y0 = below ? py1 + m.b : m.t + titleH;
      const rowW = new Map();
      for (const p of lay.placed) rowW.set(p.row, p.x + 30 + textWidth(p.e.t.name, size, family) + 16);
      for (const p of lay.placed) {
        const x = Math.max(4, (W - rowW.get(p.row)) / 2) + p.x, y = y0 + p.row * (size + 8) + size / 2 + 4;
        const t = p.e.t, mode = t.mode || "lines";
        if (t.type === "contour" || mode.includes("lines")) g.appendChild(svg("path", { d: `M${x},${y}H${x + 26}`, ...lineAttrs(t.line, ink) }));
        if (mode.includes("markers") && t.type !== "contour") g.appendChild(markerNode(x + 13, y, { ...(t.marker || {}), size: Math.min(10, (t.marker || {}).size || 8) }, (t.line || {}).color || ink));
        g.appendChild(svg("text", { x: x + 32, y: y + size * 0.35 }, t.name));
      }
      root.appendChild(g);
    }
    root.appendChild(svg("g", { class: "plot-hover" }));
    el.replaceChildren(root);
    el._drawnWidth = W;
  }

  function drawAxes(root, a) {
    const { xr, yr, px0, px1, py0, py1, ylog, xa, ya, size, family, ink, X, Y } = a;
    const g = svg("g", { class: "plot-axes" });
    const small = size * 0.92;
    const xt = linearTicks(xr[0], xr[1], Math.max(2, Math.floor((px1 - px0) / (small * 6))), xa.integer);
    const yt = ylog ? logTicks(yr[0], yr[1], Math.max(2, Math.floor((py1 - py0) / (small * 3.2))))
      : linearTicks(yr[0], yr[1], Math.max(2, Math.floor((py1 - py0) / (small * 3.2))));
    const Yv = (v) => (ylog ? py1 - (v - yr[0]) / (yr[1] - yr[0]) * (py1 - py0) : Y(v));
    for (const t of xt) {
      const u = X(t.v);
      const zero = t.v === 0;
      g.appendChild(svg("line", { x1: u, x2: u, y1: py0, y2: py1, stroke: zero ? xa.zerolinecolor || ink : xa.gridcolor || "#ddd", "stroke-width": zero ? 1.3 : 1 }));
      g.appendChild(svg("text", { class: "tick x", x: u, y: py1 + small + 5, "text-anchor": "middle", "font-size": small, "data-v": t.v }, t.label));
    }
    for (const t of yt) {
      const v = Yv(t.v);
      const zero = t.v === 0 && !ylog;
      g.appendChild(svg("line", { x1: px0, x2: px1, y1: v, y2: v, stroke: zero ? ya.zerolinecolor || ink : ya.gridcolor || "#ddd", "stroke-width": zero ? 1.3 : 1 }));
      g.appendChild(svg("text", { class: "tick y", x: px0 - 6, y: v + small * 0.35, "text-anchor": "end", "font-size": small,
        "data-v": ylog ? 10 ** t.v : t.v }, t.label));
    }
    if (xa.title && xa.title.text) g.appendChild(svg("text", { x: (px0 + px1) / 2, y: py1 + small * 2 + 12, "text-anchor": "middle" }, xa.title.text));
    if (ya.title && ya.title.text) {
      const w = Math.max(0, ...yt.map((t) => textWidth(t.label, small, family)));
      const x = px0 - w - 12, y = (py0 + py1) / 2;
      g.appendChild(svg("text", { x, y, "text-anchor": "middle", transform: `rotate(-90 ${x} ${y})` }, ya.title.text));
    }
    root.appendChild(g);
  }

  function drawColorbar(root, heat, zlo, zhi, x, y0, y1, size, family, ink) {
    const id = `bibun-bar-${++uid}`;
    const grad = svg("linearGradient", { id, x1: 0, y1: 1, x2: 0, y2: 0 });
    VIRIDIS.forEach((c, i) => grad.appendChild(svg("stop", { offset: i / (VIRIDIS.length - 1), "stop-color": c })));
    root.querySelector("defs").appendChild(grad);
    const w = (heat.colorbar && heat.colorbar.thickness) || 12;
    const g = svg("g", { class: "plot-colorbar" });
    const title = heat.colorbar.title && heat.colorbar.title.text;
    const top = y0 + (title ? size + 6 : 0);
    if (title) g.appendChild(svg("text", { x, y: y0 + size, "font-size": size * 0.85 }, title));
    g.appendChild(svg("rect", { x, y: top, width: w, height: y1 - top, fill: `url(#${id})` }));
    const small = size * 0.85;
    for (const t of linearTicks(zlo, zhi, Math.max(2, Math.floor((y1 - top) / (small * 3))))) {
      const v = y1 - (t.v - zlo) / (zhi - zlo || 1) * (y1 - top);
      g.appendChild(svg("text", { x: x + w + 4, y: v + small * 0.35, "font-size": small }, t.label));
    }
    root.appendChild(g);
  }

  // a label with a line to its point (a ✗ where a path stopped): text lines split at <br>
  function drawNote(root, a, u, v, size, family) {
    if (!finite(u) || !finite(v)) return;
    const fs = (a.font && a.font.size) || size, lines = String(a.text).split("<br>");
    const w = Math.max(...lines.map((s) => textWidth(s, fs, family))) + 10, h = lines.length * (fs + 3) + 6;
    const W = +root.getAttribute("width");
    const cx = Math.min(W - w / 2 - 2, Math.max(w / 2 + 2, u + (a.ax || 0))), by = Math.max(2, v + (a.ay ?? -30) - h);
    const g = svg("g", { class: "plot-note" });
    if (a.showarrow !== false) g.appendChild(svg("line", { x1: u, y1: v, x2: cx, y2: by + h, stroke: a.bordercolor || "#444", "stroke-width": 1 }));
    g.appendChild(svg("rect", { x: cx - w / 2, y: by, width: w, height: h, rx: 3, fill: a.bgcolor || "rgba(255,255,255,0.9)", stroke: a.bordercolor || "#444" }));
    lines.forEach((s, i) => g.appendChild(svg("text", { x: cx, y: by + 4 + (i + 1) * (fs + 3) - 3, "text-anchor": "middle", "font-size": fs,
      fill: (a.font && a.font.color) || "#222" }, s)));
    root.appendChild(g);
  }

  // ---------------------------------------------------------------- pointer readout
  function hover(el, ev) {
    const p = el._plot, g = el.querySelector(".plot-hover");
    if (!p || !g) return;
    g.replaceChildren();
    if (ev.pointerType === "touch" || el.classList.contains("dragging")) return;
    const r = el.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
    if (mx < p.px0 || mx > p.px1 || my < p.py0 || my > p.py1) return;
    const X = (v) => p.px0 + (v - p.xr[0]) / (p.xr[1] - p.xr[0]) * (p.px1 - p.px0);
    const Y = (v) => { const w = p.ylog ? (v > 0 ? Math.log10(v) : NaN) : v; return p.py1 - (w - p.yr[0]) / (p.yr[1] - p.yr[0]) * (p.py1 - p.py0); };
    let best = null;
    (el.data || []).forEach((t) => {
      if (t.type === "contour" || t.hoverinfo === "skip" || t.visible === false) return;
      const xs = t.x || [], ys = t.y || [];
      for (let i = 0; i < xs.length; i++) {
        if (!finite(xs[i]) || !finite(ys[i])) continue;
        const u = X(xs[i]), v = Y(ys[i]);
        if (!finite(v) || v < p.py0 - 2 || v > p.py1 + 2) continue;
        const dd = (u - mx) ** 2 + (v - my) ** 2;
        if (dd < 900 && (!best || dd < best.dd)) best = { dd, t, i, u, v };
      }
    });
    let lines, u, v, color = "#333";
    if (best) {
      const { t, i } = best;
      ({ u, v } = best);
      const info = t.hoverinfo || "all";
      const given = t.hovertext || (info.includes("text") ? t.text : null);
      lines = given && given[i] ? String(given[i]).split("<br>") : [`(${fmt(t.x[i])}, ${fmt(t.y[i])})`];
      if (t.name && (info === "all" || info.includes("name"))) lines = [t.name, ...lines];
      color = (t.line || t.marker || {}).color || color;
    } else {   // over a contour map: the value at the nearest grid point
      const heat = (el.data || []).find((t) => t.type === "contour" && t.hoverinfo !== "skip" && t.z);
      if (!heat) return;
      const x = p.xr[0] + (mx - p.px0) / (p.px1 - p.px0) * (p.xr[1] - p.xr[0]);
      const y = p.yr[0] + (p.py1 - my) / (p.py1 - p.py0) * (p.yr[1] - p.yr[0]);
      const near = (xs, w) => xs.reduce((k, q, j) => (Math.abs(q - w) < Math.abs(xs[k] - w) ? j : k), 0);
      const i = near(heat.x, x), j = near(heat.y, y), z = (heat.z[j] || [])[i];
      if (!finite(z)) return;
      u = mx; v = my;
      lines = [`(${fmt(heat.x[i])}, ${fmt(heat.y[j])})`, `${heat.name || "f"} = ${fmt(heat.zraw ? heat.zraw[j][i] : z)}`];
    }
    const W = +el.querySelector("svg").getAttribute("width");
    const fs = 12, w = Math.max(...lines.map((s) => textWidth(s, fs, "sans-serif"))) + 12, h = lines.length * 16 + 6;
    const bx = u + 10 + w > W ? u - 10 - w : u + 10, by = Math.max(0, v - h - 6);
    g.appendChild(svg("circle", { cx: u, cy: v, r: 4, fill: "none", stroke: color, "stroke-width": 2 }));
    g.appendChild(svg("rect", { x: bx, y: by, width: w, height: h, rx: 3, fill: "rgba(20,24,32,0.88)" }));
    lines.forEach((s, k) => g.appendChild(svg("text", { x: bx + 6, y: by + 16 * (k + 1), "font-size": fs, fill: "#fff" }, s)));
    el.dataset.hover = lines.join(" ");
  }

  // ---------------------------------------------------------------- the interface
  // The size of each plot element, kept by a ResizeObserver (it reports after layout, so
  // reading it there costs nothing): a draw that asked el.clientWidth would force the
  // layout of the whole page in the middle of an answer being shown, one more long task.
  const watched = new WeakSet();
  const sizes = new ResizeObserver((entries) => {
    for (const e of entries) {
      const el = e.target;
      el._w = el.clientWidth; el._h = el.clientHeight; el._family = getComputedStyle(el).fontFamily;
      if (el.data && el._drawnWidth && Math.abs(el._w - el._drawnWidth) > 1) later(el);
    }
  });
  function watch(el) {
    if (watched.has(el)) return;
    watched.add(el);
    sizes.observe(el);
    el.addEventListener("pointermove", (ev) => hover(el, ev));
    el.addEventListener("pointerleave", () => { const g = el.querySelector(".plot-hover"); if (g) g.replaceChildren(); });
  }

  // Drawing waits for the end of the current script (a microtask): the plot, its tangent
  // and its Taylor curve arrive together and are drawn once, not three times in one task
  // (bench/web_latency.py --long-tasks).  Nothing outside this script can see the
  // difference: every microtask runs before the page takes the next event.
  const queued = new Set();
  function later(el) {
    if (!queued.size) {
      queueMicrotask(() => {
        const els = [...queued];
        queued.clear();
        for (const e of els) if (e.data) draw(e);
      });
    }
    queued.add(el);
  }

  const shown = new Set();   // the elements with a figure now (recolor walks them)
  function react(el, traces, layout) {
    el.data = traces;
    el.layout = layout || {};
    watch(el);
    shown.add(el);
    later(el);
  }
  // every figure on the page again with some colours swapped ({old: new}, exact strings
  // anywhere in its traces and layout): the theme changed (a dark system scheme turned
  // light mid-session) and the colours were taken from the stylesheet when drawn
  function recolor(map) {
    if (!Object.keys(map).length) return;
    const swap = (o) => {
      if (Array.isArray(o) && typeof o[0] === "number") return;   // samples, not colours
      for (const k of Object.keys(o)) {
        const d = Object.getOwnPropertyDescriptor(o, k);
        if (!d || d.get) continue;   // a readout written when read (cards.js withHover)
        const v = d.value;
        if (typeof v === "string") { if (v in map) o[k] = map[v]; } else if (v && typeof v === "object") swap(v);
      }
    };
    for (const el of shown) {
      if (!el.isConnected || !el.data) { shown.delete(el); continue; }
      swap(el.data); swap(el.layout);
      later(el);
    }
  }
  function restyle(el, update, indices) {
    if (!el.data) return;
    for (const [key, values] of Object.entries(update)) {
      indices.forEach((idx, j) => { if (el.data[idx]) el.data[idx][key] = values[j]; });
    }
    later(el);
  }
  function purge(el) {
    shown.delete(el);
    queued.delete(el);
    delete el.data; delete el.layout; delete el._plot;
    el.replaceChildren();
  }
  function toData(el, clientX, clientY) {
    const p = el._plot;
    if (!p) return null;
    const r = el.getBoundingClientRect();
    const fx = (clientX - r.left - p.px0) / (p.px1 - p.px0), fy = (p.py1 - (clientY - r.top)) / (p.py1 - p.py0);
    const yv = p.yr[0] + fy * (p.yr[1] - p.yr[0]);
    return { x: p.xr[0] + fx * (p.xr[1] - p.xr[0]), y: p.ylog ? 10 ** yv : yv, fx, fy, width: p.px1 - p.px0 };
  }

  window.bibunPlot = { react, restyle, purge, toData, recolor, ready: true };
})();
