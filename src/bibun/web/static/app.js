// bibun workbench page.  Plain JavaScript, no build step, no framework.
//
// One state object (formula, variable, order, point, plot range, Taylor order, descent
// settings, language) drives every panel.  A change marks the panels that depend on it
// pending at once, cancels the request still in flight (AbortController) and sends one
// request, /api/page, whose answer carries each panel's data or its own error.  So no
// panel ever shows another formula's result.  The state lives in the URL (shareable,
// reload-safe, back/forward work).  Every word comes from the server's catalogs
// (/api/messages); the math is MathML from bibun's printer, passed through a whitelist
// sanitizer; plots use plotly.js.  No inline scripts (the CSP forbids them), no eval.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const PANELS = ["diff", "point", "verify", "plot", "tangent", "series", "graph", "descent", "backprop"];
  const AFTER_POINT = ["point", "verify", "tangent", "series", "graph", "backprop"];
  const EXAMPLES = ["(x^3+1)^2", "1/(x^3+1)", "sigmoid(x)", "tanh(x)", "0.01x^2+0.1x",
    "log(sin(x^3-2))", "sin(x)cos(x)", "x^2+y^2", "x^2/20 + y^2", "∂/∂y (x^2 y)", "\\frac{1}{1+e^{-z}}",
    "x^2 + y^2 = 1", "sigmoid(w*x + b)"];

  // ---------------------------------------------------------------- state and URL
  const DEFAULTS = { f: "(x^3+1)^2", syntax: "auto", v: "", n: 1, x0: 1, lo: -3, hi: 3, taylor: 0,
    opt: "gd", lr: "", it: 50, sx: -4, sy: 3, a: 1, m: "rules", cmp: 0 };   // lr "": the optimizer's preset
  const NUMERIC = new Set(["n", "x0", "lo", "hi", "taylor", "lr", "it", "sx", "sy", "a", "cmp"]);
  const state = { ...DEFAULTS, pt: {}, lang: "en", variables: [], revealed: 1 };
  let words = { en: {}, ja: {} };

  function fromUrl() {
    const q = new URLSearchParams(location.search);
    Object.assign(state, DEFAULTS, { pt: {} });
    for (const k of Object.keys(DEFAULTS)) {
      if (!q.has(k)) continue;
      const raw = q.get(k);
      const v = NUMERIC.has(k) ? parseFloat(raw) : raw;
      if (!NUMERIC.has(k) || Number.isFinite(v)) state[k] = v;
    }
    for (const [k, v] of q) if (k.startsWith("p.") && Number.isFinite(parseFloat(v))) state.pt[k.slice(2)] = parseFloat(v);
    const stored = (() => { try { return localStorage.getItem("bibun.lang"); } catch { return null; } })();
    const browser = (navigator.languages || [navigator.language || "en"]).some((l) => /^ja/i.test(l)) ? "ja" : "en";
    state.lang = ["en", "ja"].includes(q.get("lang")) ? q.get("lang") : (stored || browser);
  }

  function urlOf() {
    const q = new URLSearchParams();
    for (const [k, d] of Object.entries(DEFAULTS)) if (state[k] !== d && state[k] !== "") q.set(k, String(state[k]));
    for (const [k, v] of Object.entries(state.pt)) if (state.variables.includes(k) && k !== state.v) q.set(`p.${k}`, String(v));
    q.set("lang", state.lang);
    return `${location.pathname}?${q}`;
  }

  let urlTimer = null;
  function saveUrl() {   // one history entry per pause, not per keystroke
    clearTimeout(urlTimer);
    urlTimer = setTimeout(() => {
      const url = urlOf();
      if (url !== location.pathname + location.search) history.pushState(null, "", url);
    }, 700);
  }

  function toInputs() {
    $("expr").value = state.f; $("syntax").value = state.syntax; $("order").value = state.n;
    $("lo").value = state.lo; $("hi").value = state.hi; $("taylor").value = String(state.taylor);
    $("optimizer").value = state.opt; $("lr").value = state.lr; $("nsteps").value = state.it;
    $("sx").value = state.sx; $("sy").value = state.sy; $("gain").value = state.a;
    $("method").value = state.m;
    setSlider();
    document.dispatchEvent(new CustomEvent("bibun:state"));
  }

  // ---------------------------------------------------------------- words and numbers
  function t(key, params = {}) {
    const s = words[state.lang][key] ?? words.en[key] ?? key;
    return s.replace(/\{(\w+)(:[^}]*)?\}/g, (m, name) => (name in params ? String(params[name]) : m));
  }

  const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  // a float the page formats itself, by the one formatter's rule (numtext.js: exactly
  // bibun.numtext.number_text(v, style="unicode"), tests/test_web_numtext.py); numbers the
  // server sends with their texts are shown with those (exactOr)
  function fmt(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v !== "number") return String(v);
    return window.bibunNumtext.numberText(v);
  }
  // f′, f″ for one variable; ∂f/∂y, ∂²f/∂y² when the formula has others (the variable named)
  const derivName = (n, v, partial) => (partial
    ? `∂${n > 1 ? [...String(n)].map((c) => SUP[c]).join("") : ""}f/∂${v}${n > 1 ? [...String(n)].map((c) => SUP[c]).join("") : ""}`
    : `f${primes(n)}`);
  const exactOr = (o) => (o ? (o.exact ?? o.display ?? fmt(o.value)) : "—");
  // what a plot says under the pointer, by the same rule: "(x, y)" for each point
  const hoverTexts = (xs, ys) => xs.map((x, i) => (ys[i] === null || ys[i] === undefined ? "" : `(${fmt(x)}, ${fmt(ys[i])})`));
  const primes = (n) => (n === 1 ? "′" : n === 2 ? "″" : n === 3 ? "‴" : `⁽${[...String(n)].map((c) => SUP[c]).join("")}⁾`);

  // ---------------------------------------------------------------- safe markup
  // The server's MathML comes from bibun's own printer, but it is still filtered through
  // this whitelist: MathML presentation elements and a few structural HTML tags survive,
  // no attribute that can carry script, style or a URL.
  const MATH_TAGS = new Set(["math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mtable", "mtr", "mtd",
    "munder", "mover", "munderover", "mstyle", "mpadded", "mphantom", "menclose",
    "semantics", "annotation", "merror"]);
  const HTML_TAGS = new Set(["div", "span", "p", "ol", "ul", "li", "strong", "em", "b",
    "i", "br", "code", "pre", "table", "thead", "tbody", "tr", "td", "th", "h3", "h4",
    "small", "sub", "sup", "section"]);
  const ATTRS = new Set(["display", "mathvariant", "class", "lang", "colspan", "rowspan",
    "stretchy", "fence", "separator", "lspace", "rspace", "columnalign", "open",
    "displaystyle", "scriptlevel", "data-rule", "data-step", "start"]);
  const MATHML_NS = "http://www.w3.org/1998/Math/MathML";

  function sanitize(markup) {
    const doc = new DOMParser().parseFromString(`<body>${markup}</body>`, "text/html");
    const out = document.createDocumentFragment();
    const walk = (src, dst) => {
      for (const node of src.childNodes) {
        if (node.nodeType === Node.TEXT_NODE) {
          dst.appendChild(document.createTextNode(node.nodeValue));
        } else if (node.nodeType === Node.ELEMENT_NODE) {
          const name = node.localName;
          const isMath = node.namespaceURI === MATHML_NS && MATH_TAGS.has(name);
          const isHtml = node.namespaceURI === "http://www.w3.org/1999/xhtml" && HTML_TAGS.has(name);
          if (!isMath && !isHtml) { walk(node, dst); continue; }
          const el = isMath ? document.createElementNS(MATHML_NS, name) : document.createElement(name);
          for (const a of node.attributes) if (ATTRS.has(a.name)) el.setAttribute(a.name, a.value);
          walk(node, el);
          dst.appendChild(el);
        }
      }
    };
    walk(doc.body, out);
    return out;
  }

  // math with its spoken-text alternative (the formula as text)
  function math(markup, spoken) {
    const frag = sanitize(markup || "");
    const m = frag.querySelector("math");
    if (m && spoken) m.setAttribute("aria-label", spoken);
    // brackets hug what they enclose (the operator dictionary would space them as relations)
    for (const mo of frag.querySelectorAll("mo")) {
      if (/^[()[\]|]$/.test(mo.textContent)) { mo.setAttribute("lspace", "0"); mo.setAttribute("rspace", "0"); }
    }
    return frag;
  }
  const inner = (m) => m.replace(/^<math[^>]*>/, "").replace(/<\/math>$/, "");
  function el(tag, cls, textContent) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (textContent !== undefined) e.textContent = textContent;
    return e;
  }

  // ---------------------------------------------------------------- panels
  // each panel has one region that is dimmed while its answer is pending
  const REGION = { diff: "diff-panel", point: "values", verify: "verify-panel", plot: "plot-panel",
    tangent: "tangent", series: "series", graph: "graph-panel", descent: "descent-panel",
    backprop: "backprop-panel" };
  const pending = new Set();
  let inflight = null;
  let sendTimer = null;

  function mark(names, on) {
    for (const n of names) {
      const r = $(REGION[n]);
      r.classList.toggle("pending", on);
      if (on) r.setAttribute("aria-busy", "true"); else r.removeAttribute("aria-busy");
    }
  }

  // ask for fresh answers for `names`: pending at once, the request after a short pause
  function refresh(names, delay = 60) {
    if (inflight) { inflight.abort(); inflight = null; }   // superseded: its answer is stale
    clearTimeout(urlTimer);   // only a state left alone for a moment becomes a history entry
    for (const n of names) pending.add(n);
    mark(pending, true);
    clearTimeout(sendTimer);
    sendTimer = setTimeout(send, delay);
  }

  async function api(path, body, signal) {
    try {
      const res = await fetch(`/api/${path}`, {
        method: body === undefined ? "GET" : "POST", signal,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({}));
      if (res.ok) return { ok: true, data };
      const d = data.detail && typeof data.detail === "object" ? data.detail : { kind: "request", message: res.statusText };
      return { ok: false, status: res.status, error: d };
    } catch (err) {
      if (err && err.name === "AbortError") return { aborted: true };
      return { ok: false, status: 0, error: { kind: "network", message: t("error.network") } };
    }
  }

  function body() {
    return {
      expr: state.f, syntax: state.syntax, lang: state.lang, var: state.v || null,
      order: state.n, x0: state.x0, point: Object.fromEntries(Object.entries(state.pt).filter(([k]) => k !== state.v)),
      steps: true, lo: state.lo, hi: state.hi, n: 401, taylor: state.taylor, method: state.m,
      descent: { start: [state.sx, state.sy], optimizer: state.opt, lr: state.lr === "" ? null : state.lr,
        steps: state.it, compare: !!state.cmp },
    };
  }

  // the panels the quick request (/api/quick, a lane of its own on the server) answers:
  // what the learner looks at first, the derivative and the values at the point; the rest
  // (steps, other forms, plot, graph, descent…) follows in a second request
  const QUICK = ["diff", "point"];
  const REST_PAUSE = 120;   // ms
  let wordsReady = Promise.resolve();

  async function send() {
    const names = [...pending];
    const ctrl = new AbortController();
    inflight = ctrl;
    const typing = state.typing;
    state.typing = false;
    let rest = names;
    if (names.some((n) => QUICK.includes(n))) {
      const q = await api("quick", body(), ctrl.signal);
      await wordsReady;
      if (q.aborted || ctrl.signal.aborted) return;
      if (showAnswer(q, names, true)) { inflight = null; return; }
      rest = names.filter((n) => n !== "point");
      if (!rest.length) { inflight = null; saveUrl(); return; }
      // while typing, the rest after a short pause: the server is not asked for plots
      // and steps of formulas that are gone a keystroke later
      if (typing) {
        await new Promise((done) => setTimeout(done, REST_PAUSE));
        if (ctrl.signal.aborted) return;
      }
    }
    const res = await api("page", { ...body(), panels: rest }, ctrl.signal);
    await wordsReady;
    if (res.aborted || ctrl.signal.aborted) return;
    inflight = null;
    showAnswer(res, rest, false);
  }

  // the part of the Derivative card that waits for the second request
  function markRest(on) {
    for (const id of ["forms", "steps-box"]) {
      $(id).classList.toggle("pending", on);
      if (on) $(id).setAttribute("aria-busy", "true"); else $(id).removeAttribute("aria-busy");
    }
  }

  // one answer (quick or the rest) into the panels it was asked for; true when the page
  // is complete with it (an error, an unreadable formula, an equation)
  function showAnswer(res, names, quick) {
    const settle = (done) => { for (const n of done) pending.delete(n); mark(done, false); };
    if (!res.ok) {   // the whole request failed: every panel says why, in its own place
      settle(names); markRest(false);
      for (const n of names) panelError(n, res.error);
      return true;
    }
    const r = res.data;
    const parse = r.panels.parse;
    showParse(parse);
    if (parse.error) {
      settle(names); markRest(false);
      for (const n of names) panelWait(n);
      return true;
    }
    setVariables(r.variables, r.variable, r.point);
    state.mode = r.mode || "function";
    document.documentElement.dataset.mode = state.mode;
    if (state.mode !== "function") {   // an equation: modes.js fills every panel, none keeps an old answer
      settle(names); markRest(false);
      EXT.equation(r, names);
      $("derivative").dataset.for = state.f;
      saveUrl(); loadPlotly();
      return true;
    }
    if (quick) {
      const shown = names.filter((n) => QUICK.includes(n));
      // shown, but "diff" stays pending until its forms and steps arrive: a request that
      // supersedes the second one asks for them again
      mark(shown, false);
      pending.delete("point");
      for (const n of shown) {
        const p = r.panels[n];
        if (p.error) panelError(n, p.error); else if (n === "diff") renderHeadline(p.data); else renderPoint(p.data);
      }
      if (names.includes("diff") && !r.panels.diff.error) {   // forms and steps: the second request's
        $("forms").replaceChildren(); $("steps").replaceChildren(); markRest(true);
      }
      return false;
    }
    settle(names);
    markRest(false);
    for (const n of names) {
      const p = r.panels[n];
      if (!p) { RENDER[n](null); continue; }
      if (p.error) panelError(n, p.error); else RENDER[n](p.data);
    }
    if (names.includes("diff")) EXT.method(r.panels.method || null);
    saveUrl();
    loadPlotly();
    return true;
  }

  function clearPanel(n) {
    const r = $(REGION[n]);
    if (n === "diff") { for (const k of ["text", "mode", "for", "spoken", "lang"]) delete $("derivative").dataset[k]; $("derivative").replaceChildren(); $("forms").replaceChildren(); $("notes").replaceChildren(); $("steps").replaceChildren(); return; }
    if (n === "verify") { $("verify").tBodies[0].replaceChildren(); return; }
    if (n === "plot") { purge("plot"); state.samples = null; delete $("plot").dataset.mode; return; }
    if (n === "tangent") { state.tangent = null; delete r.dataset.slope; }
    if (n === "series") { state.series = null; }
    if (n === "graph") { $("graph").replaceChildren(); $("graph-status").replaceChildren(); $("graph-tools").hidden = true; $("graph-labels").hidden = true; return; }
    if (n === "descent") { purge("contour"); purge("loss"); $("descent-status").replaceChildren(); return; }
    if (n === "backprop") { EXT.clearBackprop(); return; }
    r.replaceChildren();
  }
  function target(n) {
    return { diff: "derivative", verify: "verify-panel", plot: "plot-panel", graph: "graph-status", descent: "descent-status",
      backprop: "bp-step" }[n] || REGION[n];
  }
  function panelMessage(n, cls, text) {
    clearPanel(n);
    const p = el("p", cls, text);
    p.dataset.panel = n;
    const box = $(target(n));
    if (n === "verify" || n === "plot") box.querySelectorAll("p." + cls).forEach((e) => e.remove());
    box.prepend(p);
    if (n === "plot") { state.plotReady = false; }
  }
  const panelError = (n, err) => panelMessage(n, "panel-error", err.message);
  const panelWait = (n) => panelMessage(n, "panel-wait", t("fix_formula"));
  function removeNotes(n) { $(target(n)).querySelectorAll(":scope > p.panel-error, :scope > p.panel-wait").forEach((e) => e.remove()); }

  // ---------------------------------------------------------------- formula card
  function showParse(parse) {
    const box = $("error");
    if (parse.error) {
      const err = parse.error;
      box.hidden = false;
      box.replaceChildren();
      const where = err.column ? ` (${t("column", { column: err.column })})` : "";
      box.appendChild(el("div", "msg", `${err.message}${where}`));
      const src = state.f;
      if (err.column && src.length <= 2000 && !src.includes("\n")) {   // the formula, the culprit marked
        const pre = el("pre", "where");
        const i = Math.min(err.column - 1, src.length);
        const bad = el("mark", "bad", src.slice(i, i + 1) || " ");
        pre.append(src.slice(0, i), bad, src.slice(i + 1), "\n" + " ".repeat(i) + "^");
        box.appendChild(pre);
      }
      $("expr").classList.add("invalid");
      $("expr").setAttribute("aria-invalid", "true");
      $("preview").classList.add("stale");
      return;
    }
    box.hidden = true;
    $("expr").classList.remove("invalid");
    $("expr").removeAttribute("aria-invalid");
    const p = $("preview");
    p.classList.remove("stale");
    const f = parse.data.formula;
    p.replaceChildren(math(f.mathml.replace('display="inline"', 'display="block"'), f.text));
    $("warnings").replaceChildren(...parse.data.warnings.map((s) => el("li", "", `${t("warning")}: ${s}`)));
  }

  function setVariables(vars, chosen, point) {
    state.variables = vars;
    const sel = $("var");
    const names = vars.length ? vars : [chosen];
    if ([...sel.options].map((o) => o.value).join() !== names.join()) sel.replaceChildren(...names.map((v) => new Option(v, v)));
    sel.value = chosen;
    if (state.v && state.v !== chosen) state.v = chosen;   // the formula's operator decided
    for (const [k, v] of Object.entries(point || {})) if (k !== chosen) state.pt[k] = v;
    const box = $("point-inputs");
    const have = [...box.querySelectorAll("input")].map((i) => i.dataset.name).join();
    if (have !== vars.join() || box.dataset.var !== chosen) {
      box.dataset.var = chosen;
      box.replaceChildren(...vars.map((v) => {
        const lab = el("label");
        const inp = el("input");
        inp.type = "number"; inp.step = "any"; inp.dataset.name = v;
        inp.setAttribute("aria-label", t("point_of", { name: v }));
        inp.value = v === chosen ? state.x0 : (state.pt[v] ?? 1);
        inp.addEventListener("input", () => {
          const val = parseFloat(inp.value);
          if (!Number.isFinite(val)) return;
          if (v === $("var").value) { setX0(val); refresh(AFTER_POINT, 150); } else { state.pt[v] = val; refresh(PANELS.filter((n) => n !== "diff"), 150); }
        });
        lab.append(`${v} = `, inp);
        return lab;
      }));
    }
    for (const inp of box.querySelectorAll("input")) {
      if (document.activeElement === inp) continue;
      inp.value = inp.dataset.name === chosen ? state.x0 : (state.pt[inp.dataset.name] ?? 1);
    }
  }

  // ---------------------------------------------------------------- derivative and steps
  // the derivative itself (the quick answer): d/dx [f] = f′
  function renderHeadline(r) {
    removeNotes("diff");
    const order = r.order;
    const dd = r.variables.length > 1 ? "∂" : "d";
    const v = `<mi>${r.variable}</mi>`;
    const op = order === 1 ? `<mfrac><mi>${dd}</mi><mrow><mi>${dd}</mi>${v}</mrow></mfrac>`
      : `<mfrac><msup><mi>${dd}</mi><mn>${order}</mn></msup><mrow><mi>${dd}</mi><msup>${v}<mn>${order}</mn></msup></mrow></mfrac>`;
    const d = $("derivative");
    const spoken = `d/d${r.variable} [${r.expression.text}] = ${r.derivative.text}`;
    if (d.dataset.spoken !== spoken || d.dataset.for !== state.f || d.dataset.lang !== state.lang) {
      d.replaceChildren(math(`<math display="block">${op}<mrow><mo stretchy="true">[</mo>${inner(r.expression.mathml)}<mo stretchy="true">]</mo></mrow><mo>=</mo>${inner(r.derivative.mathml)}</math>`,
        spoken));
    }
    d.dataset.spoken = spoken;
    d.dataset.text = r.derivative.text;
    d.dataset.order = String(order);
    d.dataset.for = state.f;   // the formula this answer belongs to (tests and bench/web_latency read it)
    d.dataset.lang = state.lang;
    delete d.dataset.mode;
    $("notes").replaceChildren(...r.nondifferentiable.map((s) => el("li", "", s)));
  }

  function renderDiff(r) {
    renderHeadline(r);
    const forms = $("forms");
    forms.replaceChildren();
    if (r.forms.length) {
      forms.appendChild(el("h3", "", t("forms")));
      for (const f of r.forms) {
        const row = el("div", "form");
        const m = el("span");
        m.appendChild(math(f.formula.mathml, f.formula.text));
        row.append(el("span", "fname", f.name), m);
        forms.appendChild(row);
      }
    }
    renderSteps(r.steps);
  }

  // steps as a lesson: the first step (the hint) first, then one more per "next step"
  function renderSteps(steps) {
    const box = $("steps");
    box.replaceChildren();
    box.lang = state.lang;
    if (!steps || !steps.available) {
      box.appendChild(el("p", "note", steps ? steps.message : ""));
      $("step-next").parentElement.hidden = true;
      return;
    }
    box.appendChild(sanitize(steps.mathml));
    const root = box.querySelector(".bibun-derivation") || box;
    let group = 0;
    for (const child of root.children) {
      if (child.classList.contains("bibun-step")) group += 1;
      child.dataset.group = String(Math.max(group, 1));
    }
    box.dataset.total = String(Math.max(group, 1));
    showSteps();
  }
  function showSteps() {
    const box = $("steps");
    const total = parseInt(box.dataset.total || "1", 10);
    const n = Math.min(state.revealed, total);
    for (const c of box.querySelectorAll("[data-group]")) c.classList.toggle("step-hidden", parseInt(c.dataset.group, 10) > n);
    $("step-next").parentElement.hidden = false;
    $("step-next").disabled = n >= total;
    $("step-all").disabled = n >= total;
    $("step-progress").textContent = t("steps_progress", { n, total });
  }
  $("step-next").addEventListener("click", () => { state.revealed += 1; showSteps(); });
  $("step-all").addEventListener("click", () => { state.revealed = 1e9; showSteps(); });

  // ---------------------------------------------------------------- at a point
  function renderPoint(r) {
    const box = $("values");
    box.replaceChildren();
    const where = Object.entries(r.at || {}).map(([k, v]) => `${k} = ${fmt(typeof v === "number" ? v : parseFloat(v))}`).join(", ");
    const line = (label, value) => { const p = el("p"); p.append(el("strong", "", label), ` = ${value}`); box.appendChild(p); };
    line(`f(${where})`, exactOr(r.value));
    line(`${derivName(r.order, r.variable, (r.variables || state.variables).length > 1)}(${where})`, exactOr(r.derivative_value));
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

  // ---------------------------------------------------------------- plots
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  // plotly.js is loaded after the first answers are on the page, so the derivative never
  // waits for it, and only once typing has paused: compiling it holds the main thread
  // (about 1 s for the cartesian build on a loaded 2-core machine, 1.8–3.7 s for the
  // full one: bench/web_latency.py --long-tasks), and a key pressed meanwhile would wait;
  // plots queue until it is there
  const plotlyQueue = [];
  const TYPING_PAUSE = 800;   // ms without a keystroke
  let lastKey = -Infinity;
  document.addEventListener("keydown", () => { lastKey = performance.now(); }, true);
  function whenPlotly(fn) {
    if (window.Plotly) fn(); else plotlyQueue.push(fn);
  }
  // the download starts at once (it costs the main thread nothing) and fills the HTTP
  // cache; the script that compiles it is added only when the keyboard has been quiet
  let plotlyBytes = null;
  function loadPlotly() {
    if (document.getElementById("plotly-js")) return;
    if (!plotlyBytes) plotlyBytes = fetch("/vendor/plotly.min.js").then((r) => r.blob()).catch(() => null);
    plotlyBytes.then(runPlotlyWhenQuiet);
  }
  function runPlotlyWhenQuiet() {
    if (document.getElementById("plotly-js")) return;
    const quiet = performance.now() - lastKey;
    if (quiet < TYPING_PAUSE) { setTimeout(runPlotlyWhenQuiet, TYPING_PAUSE - quiet + 10); return; }
    const s = document.createElement("script");
    s.id = "plotly-js";
    s.src = "/vendor/plotly.min.js";
    s.addEventListener("load", () => { for (const fn of plotlyQueue.splice(0)) fn(); });
    document.head.appendChild(s);
    sigmoidPlot();   // below the fold: after the first answers, not competing with them
  }
  function purge(id) { if (window.Plotly) Plotly.purge($(id)); $(id).replaceChildren(); }
  function baseLayout(extra) {
    const ink = css("--ink"), line = css("--line");
    return {
      margin: { l: 50, r: 16, t: 10, b: 40 }, dragmode: false, hovermode: "closest",
      font: { color: ink, size: document.documentElement.classList.contains("projector") ? 18 : 13 },
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: css("--plotbg"),
      // tick labels in powers of ten (2×10⁶), as the page writes numbers, not plotly's SI "2M"
      xaxis: { fixedrange: true, gridcolor: line, zerolinecolor: css("--muted"), exponentformat: "power" },
      yaxis: { fixedrange: true, gridcolor: line, zerolinecolor: css("--muted"), exponentformat: "power" },
      legend: { orientation: "h", y: 1.14 }, ...extra,
    };
  }
  const CONFIG = { displayModeBar: false, responsive: true };

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
    whenPlotly(() => {
      const x0 = Math.min(state.hi, Math.max(state.lo, state.x0));
      const y0 = interp(s.x, s.f, x0), m = interp(s.x, s.df, x0);
      const tan = tangentTrace(x0, y0, m);
      const v = s.variable;
      const traces = [
        { x: s.x, y: s.f, name: `f(${v})`, mode: "lines", line: { color: css("--f"), width: 2.5 }, connectgaps: false, text: hoverTexts(s.x, s.f), hoverinfo: "text+name" },
        { x: s.x, y: s.df, name: state.variables.length > 1 ? `${derivName(1, v, true)}` : `f′(${v})`, mode: "lines", line: { color: css("--df"), width: 2, dash: "dash" }, connectgaps: false, text: hoverTexts(s.x, s.df), hoverinfo: "text+name" },
        { x: tan.x, y: tan.y, name: t("legend_tangent"), mode: "lines", line: { color: css("--tan"), width: 1.5 } },
        { x: [x0], y: [y0], name: t("legend_point"), mode: "markers", marker: { size: 14, color: css("--tan"), line: { color: "#fff", width: 2 } }, text: hoverTexts([x0], [y0]), hoverinfo: "text" },
        { x: [], y: [], name: t("legend_taylor", { n: state.taylor }), mode: "lines", line: { color: css("--taylor"), width: 2, dash: "dot" }, showlegend: false, connectgaps: false },
      ];
      const layout = baseLayout({
        xaxis: { ...baseLayout().xaxis, range: [state.lo, state.hi], title: { text: v } },
        yaxis: { ...baseLayout().yaxis, range: yRange([s.f, s.df], [y0]) },
        shapes: undefinedShading(s.x, s.f),
      });
      plotEl.dataset.undefined = String(layout.shapes.length);
      Plotly.react(plotEl, traces, layout, CONFIG).then(() => {
        state.plotReady = true;
        plotEl.dataset.x0 = String(x0);
        plotEl.setAttribute("aria-label", t("plot_label", { lo: fmt(state.lo), hi: fmt(state.hi) }) + `: f = ${s.expression.text}, f′ = ${s.derivative.text}`);
        if (state.tangent) snapTangent(state.tangent);
        if (state.series) drawSeries(state.series);
      });
    });
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
    Plotly.restyle(plotEl, { x: [tan.x, [x0]], y: [tan.y, [y0]] }, [2, 3]);
    plotEl.dataset.x0 = String(x0);
  }
  function snapTangent(r) {
    if (!state.plotReady || r.y0 === null || r.slope === null) return;
    const tan = tangentTrace(r.x0, r.y0, r.slope);
    Plotly.restyle(plotEl, { x: [tan.x, [r.x0]], y: [tan.y, [r.y0]] }, [2, 3]);
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
    Plotly.restyle(plotEl, { x: [on ? r.x : []], y: [on ? r.y : []], showlegend: [on], name: [t("legend_taylor", { n: state.taylor })] }, [4]);
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
    const xa = plotEl._fullLayout && plotEl._fullLayout.xaxis;
    if (!xa) return null;
    const px = ev.clientX - plotEl.getBoundingClientRect().left - xa._offset;
    if (px < -10 || px > xa._length + 10) return null;
    const [a, b] = xa.range;
    return Math.min(b, Math.max(a, a + (px / xa._length) * (b - a)));
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

  // graph and descent are drawn by views.js, backprop by modes.js
  const RENDER = { diff: renderDiff, point: renderPoint, verify: renderVerify, plot: renderPlot,
    tangent: renderTangent, series: renderSeries };

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
    const res = await api("check", { expr: state.f, syntax: state.syntax, answer: $("answer").value, var: $("var").value, lang: state.lang }, ctrl.signal);
    if (res.aborted) return;
    mark(["check"], false);
    if (!res.ok) { box.classList.add("bad"); box.appendChild(el("p", "panel-error", res.error.message)); return; }
    const r = res.data;
    box.classList.add(r.correct ? "good" : "bad");
    box.dataset.correct = String(r.correct);
    box.appendChild(el("p", "verdict", r.correct ? t("correct") : t("wrong")));
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
  REGION.check = "check-result";
  $("check-btn").addEventListener("click", checkAnswer);
  $("answer").addEventListener("keydown", (ev) => { if (ev.key === "Enter") checkAnswer(); });

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
    whenPlotly(() => Plotly.react($("sigmoid-plot"), [
      { x: s.x, y: s.x.map((x) => (x >= 0 ? 1 : 0)), name: "step(x)", mode: "lines", line: { color: css("--muted"), width: 1, shape: "hv", dash: "dot" } },
      { x: s.x, y: s.f, name: `σ(${a.toFixed(1)}x)`, mode: "lines", line: { color: css("--f"), width: 2.5 } },
      { x: s.x, y: s.df, name: "σ′", mode: "lines", line: { color: css("--df"), width: 2, dash: "dash" } },
    ], baseLayout({ margin: { l: 40, r: 10, t: 10, b: 30 }, yaxis: { ...baseLayout().yaxis, range: [-0.1, Math.max(1.1, a / 4 + 0.1)] } }), CONFIG));
    $("sigmoid-note").textContent = t("sigmoid_note", { a: a.toFixed(1), slope: (a / 4).toFixed(3) });
  }
  $("gain").addEventListener("input", () => { state.a = parseFloat($("gain").value) || 1; sigmoidPlot(); saveUrl(); });

  // ---------------------------------------------------------------- language, modes
  function applyLang() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
    for (const e of document.querySelectorAll("[data-i18n-label]")) e.setAttribute("aria-label", t(e.dataset.i18nLabel));
    for (const e of document.querySelectorAll("[data-i18n-placeholder]")) e.placeholder = t(e.dataset.i18nPlaceholder);
    $("sx").setAttribute("aria-label", t("start_x", { name: state.variables[0] || "x" }));
    $("sy").setAttribute("aria-label", t("start_x", { name: state.variables[1] || "y" }));
    for (const b of document.querySelectorAll("button.lang")) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    document.dispatchEvent(new CustomEvent("bibun:lang", { detail: state.lang }));
  }
  for (const b of document.querySelectorAll("button.lang")) {
    b.addEventListener("click", () => {
      state.lang = b.dataset.lang;
      try { localStorage.setItem("bibun.lang", state.lang); } catch { /* private mode */ }
      applyLang(); clearCheck(); sigmoidPlot(); refresh(PANELS, 0);
    });
  }
  function setProjector(on) {
    document.documentElement.classList.toggle("projector", on);
    $("projector").setAttribute("aria-pressed", String(on));
    try { localStorage.setItem("bibun.projector", on ? "1" : ""); } catch { /* private mode */ }
  }
  $("projector").addEventListener("click", () => {
    setProjector(!document.documentElement.classList.contains("projector"));
    refresh(PANELS, 0); sigmoidPlot();
  });

  // ---------------------------------------------------------------- wiring
  function formulaChanged(delay) {
    state.revealed = 1;
    clearCheck();
    refresh(PANELS, delay);
  }
  // no delay: the quick answer is a few milliseconds of work and a newer keystroke cancels it
  $("expr").addEventListener("input", () => { state.f = $("expr").value; state.typing = true; formulaChanged(0); });
  $("syntax").addEventListener("change", () => { state.syntax = $("syntax").value; formulaChanged(0); });
  $("method").addEventListener("change", () => { state.m = $("method").value; state.revealed = 1; refresh(["diff"], 0); });
  $("var").addEventListener("change", () => { state.v = $("var").value; formulaChanged(0); });
  $("order").addEventListener("input", () => {
    const n = parseInt($("order").value, 10);
    if (n >= 1 && n <= 10) { state.n = n; refresh(["diff", "point"], 60); }
  });
  for (const id of ["lo", "hi"]) {
    $(id).addEventListener("change", () => {
      const lo = parseFloat($("lo").value), hi = parseFloat($("hi").value);
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) return;
      state.lo = lo; state.hi = hi; setSlider();
      refresh(["plot", "tangent", "series"], 0);
    });
  }
  $("taylor").addEventListener("change", () => { state.taylor = parseInt($("taylor").value, 10) || 0; refresh(["series"], 0); });
  $("optimizer").addEventListener("change", () => {
    state.opt = $("optimizer").value;
    // the optimizer's preset learning rate (bibun.descend.CLASSIC, sent with each descent answer)
    state.lr = (state.presets && state.presets[state.opt]) || ""; $("lr").value = state.lr;
    refresh(["descent"], 0);
  });
  const descentInputs = { lr: "lr", nsteps: "it", sx: "sx", sy: "sy" };
  for (const [id, key] of Object.entries(descentInputs)) {
    $(id).addEventListener("input", () => {
      const v = parseFloat($(id).value);
      if (!Number.isFinite(v) || v <= 0 && (key === "lr" || key === "it")) return;
      state[key] = key === "it" ? Math.min(2000, Math.round(v)) : key === "lr" ? Math.min(10, v) : v;
      refresh(["descent"], 150);
    });
  }
  $("descend-btn").addEventListener("click", () => refresh(["descent"], 0));
  for (const e of EXAMPLES) {
    const b = el("button", "example", e);
    b.type = "button";
    b.addEventListener("click", () => { state.f = e; $("expr").value = e; state.v = ""; formulaChanged(0); });
    $("examples").appendChild(b);
  }
  window.addEventListener("popstate", () => { fromUrl(); toInputs(); applyLang(); clearCheck(); refresh(PANELS, 0); sigmoidPlot(); });

  async function start() {
    fromUrl();
    try { setProjector(localStorage.getItem("bibun.projector") === "1"); } catch { /* private mode */ }
    toInputs();
    // the server wrote this state's derivative into the page (bibun.web.first): it stays
    // on screen, undimmed, while the other panels are asked for
    const served = $("derivative").dataset.for === state.f && $("derivative").dataset.lang === state.lang;
    mark(served ? PANELS.filter((n) => n !== "diff") : PANELS, true);
    // the words and the first answers are fetched side by side: the derivative does not
    // wait for the catalogs' round trip (answers are shown once both are there)
    wordsReady = api("messages").then((msgs) => { if (msgs.ok) words = msgs.data; applyLang(); });
    for (const n of PANELS) pending.add(n);
    send();   // at once, not after a timer: the first derivative is what the page is for
    await wordsReady;
    setTimeout(loadPlotly, 1500);   // also when the first answer is an error
  }
  // modes.js and practice.js (loaded after this file) use these; they fill EXT
  const EXT = { equation: () => {}, method: () => {}, clearBackprop: () => {} };
  window.bibun = { $, t, api, el, fmt, math, inner, sanitize, state, words: () => words, mark, refresh,
    panelMessage, panelError, renderSteps, showSteps, derivName, baseLayout, CONFIG, css, whenPlotly, purge,
    removeNotes, saveUrl, ext: EXT, PANELS, REGION, RENDER };
  RENDER.backprop = (d) => EXT.backprop(d);
  // after every deferred script has run, so modes.js has filled EXT before the first answer
  document.addEventListener("DOMContentLoaded", start);
})();
