// bibun workbench page.  Plain JavaScript, no build step, no framework.
//
// One state object (formula, variable, order, point, plot range, Taylor order, descent
// settings, language) drives every panel.  A change marks the panels that depend on it
// pending at once, cancels the request still in flight (AbortController) and sends one
// request, /api/page, whose answer carries each panel's data or its own error.  So no
// panel ever shows another formula's result.  The state lives in the URL (shareable,
// reload-safe, back/forward work).  Every word comes from the server's catalogs
// (/api/messages); the math is MathML from bibun's printer, passed through a whitelist
// sanitizer; plots are drawn by plot.js (SVG, the page's own).  No inline scripts (the CSP forbids them), no eval.
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
    opt: "gd", lr: "", it: 50, sx: -4, sy: 3, a: 1, m: "rules", cmp: 0, c: "" };   // c: the constants, "a, b"   // lr "": the optimizer's preset
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
    $("method").value = state.m; $("constants").value = state.c;
    EXT.setSlider();
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
  // the declared constants ("a, b" or "a b") as the API takes them, null when none
  const constants = () => { const c = state.c.split(/[\s,、，]+/).filter(Boolean); return c.length ? c : null; };
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
  const INDENT = /^\s*margin-left:\s*(\d{1,2}(?:\.\d+)?)em;?\s*$/;

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
          // the one style the derivation's markup carries: how deep a step is nested (a
          // chain rule inside a chain rule), as a number the stylesheet turns into space
          const indent = isHtml && INDENT.exec(node.getAttribute("style") || "");
          if (indent) el.style.setProperty("--indent", String(Math.min(12, parseFloat(indent[1]) / 1.5)));
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
  let generation = 0;
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
    generation += 1;   // and an answer still being drawn stops (renderRest)
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
      expr: state.f, syntax: state.syntax, lang: state.lang, var: state.v || null, constants: constants(),
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
      saveUrl(); belowFold();
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
        if (p.error) panelError(n, p.error); else if (n === "diff") renderHeadline(p.data); else RENDER.point(p.data);
      }
      if (names.includes("diff") && !r.panels.diff.error) {   // forms and steps: the second request's
        $("forms").replaceChildren(); $("steps").replaceChildren(); markRest(true);
      }
      return false;
    }
    renderRest(r, names);
    return true;
  }

  // the rest of an answer, panel by panel: when drawing has taken a while the page gives
  // the main thread back between two panels, so a key pressed meanwhile never waits for
  // all of them (issue 17: no block over 50 ms while typing); each panel is undimmed as
  // it is drawn, and a newer request stops the drawing of an answer that is stale now
  const nextTask = () => (window.scheduler && scheduler.yield ? scheduler.yield() : new Promise((done) => setTimeout(done, 0)));
  // (the tangent and the Taylor curve are drawn into the plot: plot.js draws the three
  // at once, at the end of the script that changed them, so they stay in one slice)
  const SAME_FIGURE = new Set(["tangent", "series"]);
  async function renderRest(r, names) {
    const gen = generation;
    let slice = performance.now();
    // each panel's drawing time as a user-timing measure, "bibun:plot+tangent+series"
    // (bench/web_latency.py --long-tasks lists the slowest)
    let t0 = 0, drawn = "";
    const measured = () => { if (drawn) performance.measure(`bibun:${drawn}`, { start: t0 }); drawn = ""; };
    for (let i = 0; i < names.length; i++) {
      const n = names[i];
      if (i > 0 && !SAME_FIGURE.has(n)) {
        await null;   // the figure of the panels before is drawn now, and counted
        measured();
        if (performance.now() - slice > 8) {
          await nextTask();
          if (gen !== generation) return;
          slice = performance.now();
        }
      }
      if (!drawn) t0 = performance.now();
      drawn = drawn ? `${drawn}+${n}` : n;
      const p = r.panels[n];
      if (!p) RENDER[n](null); else if (p.error) panelError(n, p.error); else RENDER[n](p.data);
      if (n === "diff") { EXT.method(r.panels.method || null); markRest(false); }
      pending.delete(n);
      mark([n], false);
    }
    await null;
    measured();
    if (!names.includes("diff")) markRest(false);
    saveUrl();
    belowFold();
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
    if (p._markup !== f.mathml + f.text || !p.firstChild) {   // the quick answer drew it already
      p.replaceChildren(math(f.mathml.replace('display="inline"', 'display="block"'), f.text));
      p._markup = f.mathml + f.text;
    }
    // how the formula was read, when that could be doubted (e^2x, sin x^2): as the CLI echoes it
    $("read-as").hidden = !parse.data.read_as;
    $("read-as").textContent = parse.data.read_as ? t("read_as", { expr: parse.data.read_as }) : "";
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
          if (v === $("var").value) { EXT.setX0(val); refresh(AFTER_POINT, 150); } else { state.pt[v] = val; refresh(PANELS.filter((n) => n !== "diff"), 150); }
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

  // ---------------------------------------------------------------- long lines
  // Browsers do not break MathML lines, so a display line wider than its box is broken here
  // as a teacher breaks it on the board: first at a top-level "=", then at a top-level + or −,
  // then between top-level factors — never inside brackets — and each continuation line is
  // indented.  The whole formula stays one spoken label; the original returns on resize.
  const BREAKS = [new Set(["="]), new Set(["+", "−", "-", "±"]), new Set(["·", "×", "\u2062"])];
  const OPEN = new Set(["(", "[", "{"]), CLOSE = new Set([")", "]", "}"]);
  const isMo = (n, set) => n.localName === "mo" && set.has(n.textContent.trim());
  const bracketed = (n) => n.localName === "mrow" && n.firstElementChild && isMo(n.firstElementChild, OPEN);
  // the formula's top-level pieces: an mrow is opened only where a line could break inside it
  function tokens(node, deep) {
    const out = [];
    const walk = (n) => {
      for (const c of n.children) {
        if (c.localName === "mrow" && (deep || (!bracketed(c) && canBreak(c)))) walk(c); else out.push(c);
      }
    };
    walk(node);
    return out;
  }
  function canBreak(row) {
    let depth = 0;
    for (const c of row.children) {
      if (isMo(c, OPEN)) depth += 1;
      else if (isMo(c, CLOSE)) depth -= 1;
      else if (depth === 0 && (BREAKS.some((b) => isMo(c, b)) || (c.localName === "mrow" && !bracketed(c) && canBreak(c)))) return true;
    }
    return false;
  }
  // pieces that start at each break; inside brackets only when the line cannot fit otherwise
  function chunksAt(toks, set, anyDepth) {
    const out = [[]];
    let depth = 0;
    toks.forEach((c, i) => {
      if (isMo(c, OPEN)) depth += 1;
      else if (isMo(c, CLOSE)) depth -= 1;
      else if ((depth === 0 || anyDepth) && i > 0 && isMo(c, set)) out.push([]);
      out[out.length - 1].push(c);
    });
    return out.filter((c) => c.length);
  }
  function lineMath(toks, cont, probe) {
    const m = document.createElementNS("http://www.w3.org/1998/Math/MathML", "math");
    m.setAttribute("display", "block");
    if (probe) m.style.display = "inline math";   // a probe's width is its content's
    m.setAttribute("aria-hidden", "true");
    const row = document.createElementNS("http://www.w3.org/1998/Math/MathML", "mrow");
    toks.forEach((tk, i) => {
      if (i === 0 && cont && tk.localName === "mo" && tk.textContent === "\u2062") {
        const dot = document.createElementNS("http://www.w3.org/1998/Math/MathML", "mo");
        dot.textContent = "·";
        row.appendChild(dot);
      } else row.appendChild(tk.cloneNode(true));
    });
    m.appendChild(row);
    return m;
  }
  // the lines of one display formula, or null when it fits as it is
  function broken(m, host) {
    const width = host.clientWidth - parseFloat(getComputedStyle(host).paddingLeft || "0")
      - parseFloat(getComputedStyle(host).paddingRight || "0");
    const indent = 2 * parseFloat(getComputedStyle(host).fontSize || "16");
    const fits = (toks, cont) => {
      const probe = lineMath(toks, cont, true);
      probe.style.position = "absolute";
      probe.style.visibility = "hidden";
      host.appendChild(probe);
      const ok = probe.getBoundingClientRect().width <= width - (cont ? indent : 0) - 1;
      probe.remove();
      return ok;
    };
    // levels: = at the top, + − at the top, factors at the top, then the same two inside brackets
    const LEVELS = [[0, false], [1, false], [2, false], [1, true], [2, true]];
    const lines = (toks, level, cont) => {
      if (level >= LEVELS.length || fits(toks, cont)) return [[toks, cont]];
      const [b, inside] = LEVELS[level];
      if (inside) toks = toks.flatMap((tk) => tk.localName === "mrow" ? tokens(tk, true) : [tk]);
      const chunks = chunksAt(toks, BREAKS[b], inside);
      if (chunks.length < 2) return lines(toks, level + 1, cont);
      const out = [];
      let cur = [], curCont = cont;
      for (const ch of chunks) {
        if (cur.length && !fits(cur.concat(ch), curCont)) { out.push(...lines(cur, level + 1, curCont)); cur = []; curCont = true; }
        cur = cur.concat(ch);
      }
      out.push(...lines(cur, level + 1, curCont));
      return out;
    };
    const toks = tokens(m);
    if (!width || fits(toks, false)) return null;
    return lines(toks, 0, false);
  }
  function breakLong(box) {
    for (const m of box.querySelectorAll('math[display="block"]')) {
      if (m.closest(".mathlines") || !m.getBoundingClientRect().width) continue;  // hidden step
      const parts = broken(m, m.parentElement);
      if (!parts || parts.length < 2) continue;
      const wrap = el("div", "mathlines");
      wrap.setAttribute("role", "math");
      wrap.setAttribute("aria-label", m.getAttribute("aria-label") || m.getAttribute("alttext") || m.textContent);
      wrap._original = m;
      for (const [toks, cont] of parts) {
        const line = el("div", cont ? "mathline cont" : "mathline");
        line.appendChild(lineMath(toks, cont, false));
        wrap.appendChild(line);
      }
      m.replaceWith(wrap);
      // a piece that cannot break (one wide fraction) is set smaller, down to 70 %
      for (const line of wrap.children) {
        const lm = line.firstChild, room = line.clientWidth - parseFloat(getComputedStyle(line).paddingLeft);
        const w = lm.getBoundingClientRect().width;
        if (w > room && room > 0) lm.style.fontSize = `${Math.max(0.7, room / w) * 100}%`;
      }
    }
  }
  function unbreak(box) {
    for (const w of box.querySelectorAll(".mathlines")) w.replaceWith(w._original);
  }
  const BREAK_BOXES = ["derivative", "steps"];
  const breakSoon = (id) => requestAnimationFrame(() => breakLong($(id)));
  let rebreak = 0;
  window.addEventListener("resize", () => {
    clearTimeout(rebreak);
    rebreak = setTimeout(() => { for (const id of BREAK_BOXES) { unbreak($(id)); breakLong($(id)); } }, 150);
  });

  // ---------------------------------------------------------------- derivative and steps
  // the derivative itself (the quick answer): d/dx [f] = f′
  function renderHeadline(r) {
    removeNotes("diff");
    const order = r.order;
    const dd = r.variables.filter((v) => !(r.constants || []).includes(v)).length > 1 ? "∂" : "d";
    const v = `<mi>${r.variable}</mi>`;
    const op = order === 1 ? `<mfrac><mi>${dd}</mi><mrow><mi>${dd}</mi>${v}</mrow></mfrac>`
      : `<mfrac><msup><mi>${dd}</mi><mn>${order}</mn></msup><mrow><mi>${dd}</mi><msup>${v}<mn>${order}</mn></msup></mrow></mfrac>`;
    const d = $("derivative");
    const spoken = `${dd}/${dd}${r.variable} [${r.expression.text}] = ${r.derivative.text}`;
    if (d.dataset.spoken !== spoken || d.dataset.for !== state.f || d.dataset.lang !== state.lang) {
      d.replaceChildren(math(`<math display="block">${op}<mrow><mo stretchy="true">[</mo>${inner(r.expression.mathml)}<mo stretchy="true">]</mo></mrow><mo>=</mo>${inner(r.derivative.mathml)}</math>`,
        spoken));
    }
    breakSoon("derivative");   // also when the server's first paint drew it
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
    breakSoon("steps");
  }
  $("step-next").addEventListener("click", () => { state.revealed += 1; showSteps(); });
  $("step-all").addEventListener("click", () => { state.revealed = 1e9; showSteps(); });

  // ---------------------------------------------------------------- plots
  // a colour of the theme, read from the stylesheet once per theme: asked in the middle of
  // drawing an answer, getComputedStyle would first restyle everything just inserted
  const cssCache = new Map();
  const css = (name) => {
    if (!cssCache.has(name)) cssCache.set(name, getComputedStyle(document.documentElement).getPropertyValue(name).trim());
    return cssCache.get(name);
  };
  // the plots are drawn by plot.js in a few milliseconds (plotly.js was a ~1 s main-thread
  // task to compile, and a key pressed meanwhile waited); the sigmoid card is below the
  // fold: drawn once the first answers are on the page, not competing with them
  const P = window.bibunPlot;
  let belowFoldDone = false;
  function belowFold() {
    if (belowFoldDone) return;
    belowFoldDone = true;
    EXT.sigmoid();
  }
  function purge(id) { P.purge($(id)); }
  function baseLayout(extra) {
    const ink = css("--ink"), line = css("--line");
    return {
      margin: { l: 50, r: 16, t: 10, b: 40 },
      font: { color: ink, size: document.documentElement.classList.contains("projector") ? 18 : 13 },
      plot_bgcolor: css("--plotbg"),
      // tick labels are written by numtext.js (2×10⁶, as the page writes numbers, never "2M")
      xaxis: { gridcolor: line, zerolinecolor: css("--muted") },
      yaxis: { gridcolor: line, zerolinecolor: css("--muted") },
      legend: { orientation: "h", y: 1.14 }, ...extra,
    };
  }

  // graph and descent are drawn by views.js, backprop by modes.js,
  // the point, three-way check, plot, tangent and Taylor panels are drawn by cards.js
  const RENDER = { diff: renderDiff };

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
      applyLang(); EXT.clearCheck(); EXT.sigmoid(); refresh(PANELS, 0);
    });
  }
  function setProjector(on) {
    document.documentElement.classList.toggle("projector", on);
    $("projector").setAttribute("aria-pressed", String(on));
    try { localStorage.setItem("bibun.projector", on ? "1" : ""); } catch { /* private mode */ }
    cssCache.clear();
    theme = themeNow();   // the colours the next figures are drawn with
  }
  $("projector").addEventListener("click", () => {
    setProjector(!document.documentElement.classList.contains("projector"));
    refresh(PANELS, 0); EXT.sigmoid();   // drawn again in the projector's colours
  });
  // the system's colour scheme may change while the page is open (an evening switch to
  // dark, a projector laptop): the stylesheet follows by itself, the figures were drawn
  // with the colours of the moment, so they are drawn again with the new ones, here, no
  // request (the projector theme ignores the scheme: then nothing changes)
  const PLOT_COLOURS = ["--ink", "--muted", "--line", "--plotbg", "--f", "--df", "--tan", "--taylor"];
  const themeNow = () => Object.fromEntries(PLOT_COLOURS.map((n) => [n, css(n)]));
  let theme = themeNow();
  const scheme = window.matchMedia("(prefers-color-scheme: dark)");
  scheme.addEventListener("change", () => {
    cssCache.clear();
    const now = themeNow(), map = {};
    for (const n of PLOT_COLOURS) if (theme[n] && theme[n] !== now[n]) map[theme[n]] = now[n];
    theme = now;
    P.recolor(map);
  });

  // ---------------------------------------------------------------- wiring
  function formulaChanged(delay) {
    state.revealed = 1;
    EXT.clearCheck();
    refresh(PANELS, delay);
  }
  // no delay: the quick answer is a few milliseconds of work and a newer keystroke cancels it
  $("expr").addEventListener("input", () => { state.f = $("expr").value; state.typing = true; formulaChanged(0); });
  $("syntax").addEventListener("change", () => { state.syntax = $("syntax").value; formulaChanged(0); });
  $("method").addEventListener("change", () => { state.m = $("method").value; state.revealed = 1; refresh(["diff"], 0); });
  $("var").addEventListener("change", () => { state.v = $("var").value; formulaChanged(0); });
  $("constants").addEventListener("input", () => { state.c = $("constants").value; formulaChanged(150); });
  $("order").addEventListener("input", () => {
    const n = parseInt($("order").value, 10);
    if (n >= 1 && n <= 10) { state.n = n; refresh(["diff", "point"], 60); }
  });
  for (const id of ["lo", "hi"]) {
    $(id).addEventListener("change", () => {
      const lo = parseFloat($("lo").value), hi = parseFloat($("hi").value);
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) return;
      state.lo = lo; state.hi = hi; EXT.setSlider();
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
  window.addEventListener("popstate", () => { fromUrl(); toInputs(); applyLang(); EXT.clearCheck(); refresh(PANELS, 0); EXT.sigmoid(); });

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
    setTimeout(belowFold, 1500);   // also when the first answer is an error
  }
  // plotcard.js, modes.js and practice.js (loaded after this file) use these; they fill EXT
  const EXT = { equation: () => {}, method: () => {}, clearBackprop: () => {}, sigmoid: () => {},
    setSlider: () => {}, setX0: () => {}, clearCheck: () => {} };
  window.bibun = { $, t, api, el, fmt, math, inner, sanitize, state, words: () => words, mark, refresh, exactOr, constants,
    panelMessage, panelError, renderSteps, showSteps, derivName, baseLayout, css, purge,
    removeNotes, saveUrl, ext: EXT, PANELS, REGION, RENDER, AFTER_POINT };
  RENDER.backprop = (d) => EXT.backprop(d);
  // after every deferred script has run, so modes.js has filled EXT before the first answer
  document.addEventListener("DOMContentLoaded", start);
})();
