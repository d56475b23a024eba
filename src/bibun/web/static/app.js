// bibun workbench page.  Plain JavaScript, no build step, no framework.
//
// Everything mathematical happens on the server (the JSON API under /api); this file
// only sends the formula, inserts the MathML the server's printer produced (after
// passing it through a whitelist sanitizer) and draws plots with plotly.js, which is
// served from the installed plotly Python package.  No inline scripts (the page's CSP
// forbids them), no eval, nothing from the internet.
"use strict";

(() => {
  // ---------------------------------------------------------------- i18n
  const T = {
    en: {
      subtitle: "workbench", api: "API docs", formula: "Formula",
      type: "Type a formula (text or LaTeX)", syntax: "Syntax", variable: "Variable",
      order: "Order", derivative: "Derivative", steps: "Steps", atpoint: "At a point",
      threeway: "Three-way check", plot: "Plot of f and f′ — drag the point",
      from: "from", to: "to", x0: "tangent at", checker: "Check my answer",
      myanswer: "My derivative is", check: "Check", sigmoid: "Sigmoid gain",
      descent: "Two variables: contour, gradient field, gradient descent",
      optimizer: "optimizer", lr: "learning rate", stepsn: "steps", start: "start",
      run: "Run", graph: "Computational graph: forward values, backward gradients",
      offline: "Runs on your machine; nothing is fetched from the internet.",
      column: "column", forms: "Other forms", value: "value", symbolic: "symbolic",
      numeric: "numeric", automatic: "automatic (reverse mode)", agree: "all three agree",
      disagree: "the methods disagree", unavailable: "not available",
      correct: "Correct!", wrong: "Not quite.", expected: "expected",
      counterexample: "counterexample", diagnosis: "diagnosis",
      tangentAt: "tangent at", slope: "slope", needs2: "Type a formula in two variables, such as x^2 + y^2, to see its contour, gradient field and a gradient-descent path.",
      converged: "converged", diverged: "diverged", max_steps: "stopped after the maximum number of steps",
      left_the_domain: "left the domain", after: "after", iterations: "steps", final: "final point",
      sigmoidNote: (a) => `σ(ax) with a = ${a}: the slope at 0 is a/4 = ${(a / 4).toFixed(3)}; as a grows σ approaches the step function. With a = 1 the derivative never exceeds 0.25 — why deep sigmoid networks suffer from vanishing gradients.`,
      stepsMissing: "Step-by-step explanations are not available on this server yet.",
      checkMissing: "Answer checking is not available on this server yet.",
      graphFor: "gradients at", budget: "too expensive", warning: "warning",
      clickStart: "Click the contour plot to choose the start point.",
      pointFor: "value of", exact: "exact", taylor: "Taylor polynomial at the point",
      taylorOf: (n, a) => `Taylor polynomial of order ${n} about ${a}: `,
    },
    ja: {
      subtitle: "ワークベンチ", api: "API 文書", formula: "数式",
      type: "数式を入力（テキストまたは LaTeX）", syntax: "書式", variable: "変数",
      order: "階数", derivative: "導関数", steps: "手順", atpoint: "点での値",
      threeway: "3 通りの検算", plot: "f と f′ のグラフ — 点をドラッグ",
      from: "左端", to: "右端", x0: "接点", checker: "答え合わせ",
      myanswer: "わたしの答え", check: "判定", sigmoid: "シグモイドのゲイン",
      descent: "2 変数：等高線・勾配の場・勾配降下法",
      optimizer: "最適化手法", lr: "学習率", stepsn: "反復回数", start: "初期値",
      run: "実行", graph: "計算グラフ：順伝播の値と逆伝播の勾配",
      offline: "この画面はあなたのコンピュータ上だけで動いています（インターネットには接続しません）。",
      column: "列", forms: "別の形", value: "値", symbolic: "記号微分",
      numeric: "数値微分", automatic: "自動微分（リバースモード）", agree: "3 つの値が一致しました",
      disagree: "値が一致しません", unavailable: "未対応",
      correct: "正解です！", wrong: "惜しい！", expected: "正しい答え",
      counterexample: "反例", diagnosis: "診断",
      tangentAt: "接点", slope: "傾き", needs2: "x^2 + y^2 のような 2 変数の式を入力すると、等高線・勾配・勾配降下法の経路が表示されます。",
      converged: "収束しました", diverged: "発散しました", max_steps: "最大反復回数に達しました",
      left_the_domain: "定義域の外に出ました", after: "反復", iterations: "回", final: "到達点",
      sigmoidNote: (a) => `σ(ax)（a = ${a}）：x = 0 での傾きは a/4 = ${(a / 4).toFixed(3)}。a を大きくすると階段関数に近づきます。a = 1 では導関数は 0.25 を超えません — 深いシグモイドのネットワークで勾配消失が起こる理由です。`,
      stepsMissing: "このサーバーではまだ手順の表示に対応していません。",
      checkMissing: "このサーバーではまだ答え合わせに対応していません。",
      graphFor: "勾配（点", budget: "計算量が多すぎます", warning: "注意",
      clickStart: "等高線の図をクリックすると初期値を選べます。",
      pointFor: "の値", exact: "厳密値", taylor: "接点でのテイラー多項式",
      taylorOf: (n, a) => `${a} のまわりの ${n} 次のテイラー多項式：`,
    },
  };
  const EXAMPLES = ["(x^3+1)^2", "1/(x^3+1)", "sigmoid(x)", "tanh(x)", "0.01x^2+0.1x",
    "e^x", "sin(x)cos(x)", "x^2+y^2", "x^2/20+y^2", "\\frac{1}{1+e^{-z}}"];

  const $ = (id) => document.getElementById(id);
  const state = {
    lang: "en", stepLang: "en", variables: [], var: "x", point: {}, x0: 1,
    samples: null, gen: 0, plotReady: false, contourReady: false, features: {},
  };
  const t = (key) => T[state.lang][key] ?? T.en[key] ?? key;

  // ---------------------------------------------------------------- API
  async function api(path, body) {
    try {
      const res = await fetch(`/api/${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const data = await res.json().catch(() => ({}));
      if (res.ok) return { ok: true, data };
      const d = data.detail && typeof data.detail === "object" ? data.detail
        : { message: String(data.detail || res.statusText), kind: "request" };
      return { ok: false, status: res.status, error: d };
    } catch (err) {
      return { ok: false, status: 0, error: { message: String(err), kind: "network" } };
    }
  }

  // ---------------------------------------------------------------- safe markup
  // The server's MathML is produced by bibun's own printer, but it is still filtered
  // through this whitelist before it touches the page: only MathML presentation
  // elements and a few structural HTML tags survive, and no attribute that can carry
  // script, style or a URL.
  const MATH_TAGS = new Set(["math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
    "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mtable", "mtr", "mtd",
    "munder", "mover", "munderover", "mstyle", "mpadded", "mphantom", "menclose",
    "semantics", "annotation", "merror"]);
  const HTML_TAGS = new Set(["div", "span", "p", "ol", "ul", "li", "strong", "em", "b",
    "i", "br", "code", "pre", "table", "thead", "tbody", "tr", "td", "th", "h3", "h4",
    "small", "sub", "sup", "section", "details", "summary"]);
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
          for (const a of node.attributes) {
            if (ATTRS.has(a.name)) el.setAttribute(a.name, a.value);
          }
          walk(node, el);
          dst.appendChild(el);
        }
      }
    };
    walk(doc.body, out);
    return out;
  }

  function setMath(el, markup) {
    el.replaceChildren(sanitize(markup || ""));
  }

  function text(el, s) { el.textContent = s ?? ""; }

  function short(v) {
    return typeof v === "number" ? String(+v.toPrecision(4)) : fmt(v);
  }

  function fmt(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v !== "number") return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const a = Math.abs(v);
    return (a !== 0 && (a < 1e-4 || a >= 1e8)) ? v.toExponential(10) : String(+v.toPrecision(15));
  }

  // ---------------------------------------------------------------- inputs
  const exprEl = $("expr");
  let timer = null;
  function schedule(fn, ms) {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  }
  const timers = {};
  function debounce(key, fn, ms) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(fn, ms);
  }

  function payload(extra) {
    return { expr: exprEl.value, syntax: $("syntax").value, ...extra };
  }

  function showError(err) {
    const box = $("error");
    box.hidden = false;
    box.replaceChildren();
    const msg = document.createElement("div");
    msg.className = "msg";
    const where = err.column ? ` (${t("column")} ${err.column})` : "";
    msg.textContent = `${err.message}${where}`;
    box.appendChild(msg);
    const src = exprEl.value;
    if (err.column && src.length <= 2000 && !src.includes("\n")) {
      // the formula again, with the offending character marked in place
      const pre = document.createElement("pre");
      pre.className = "where";
      const i = Math.min(err.column - 1, src.length);
      pre.append(document.createTextNode(src.slice(0, i)));
      const bad = document.createElement("mark");
      bad.className = "bad";
      bad.textContent = src.slice(i, i + 1) || " ";
      pre.append(bad, document.createTextNode(src.slice(i + 1)));
      pre.append(document.createTextNode("\n" + " ".repeat(i) + "^"));
      box.appendChild(pre);
    }
    exprEl.classList.add("invalid");
    exprEl.setAttribute("aria-invalid", "true");
  }

  function clearError() {
    $("error").hidden = true;
    exprEl.classList.remove("invalid");
    exprEl.removeAttribute("aria-invalid");
  }

  function setVariables(vars, dflt) {
    const sel = $("var");
    const keep = vars.includes(state.var) ? state.var : dflt;
    const names = vars.length ? vars : [dflt];
    if (sel.options.length !== names.length || [...sel.options].some((o, i) => o.value !== names[i])) {
      sel.replaceChildren(...names.map((v) => new Option(v, v)));
    }
    sel.value = keep;
    state.var = keep;
    state.variables = vars;
    // one number box per variable for the evaluation point
    const box = $("point-inputs");
    const have = [...box.querySelectorAll("input")].map((i) => i.dataset.name);
    if (have.join() !== vars.join()) {
      box.replaceChildren();
      for (const v of vars) {
        const lab = document.createElement("label");
        lab.append(document.createTextNode(`${v} = `));
        const inp = document.createElement("input");
        inp.type = "number"; inp.step = "any"; inp.dataset.name = v;
        inp.value = state.point[v] ?? (v === state.var ? state.x0 : 1);
        inp.addEventListener("input", () => {
          const val = parseFloat(inp.value);
          if (!Number.isFinite(val)) return;
          state.point[v] = val;
          if (v === state.var) setX0(val, false);
          debounce("point", pointUpdate, 200);
        });
        lab.appendChild(inp);
        box.appendChild(lab);
      }
    }
    for (const v of vars) if (state.point[v] === undefined) state.point[v] = v === state.var ? state.x0 : 1;
  }

  function pointFor(vars) {
    const p = {};
    for (const v of vars) p[v] = v === state.var ? state.x0 : (state.point[v] ?? 1);
    return p;
  }

  // ---------------------------------------------------------------- main update
  async function update() {
    const gen = ++state.gen;
    const parsed = await api("parse", payload());
    if (gen !== state.gen) return;
    if (!parsed.ok) {
      showError(parsed.error);
      $("preview").classList.add("stale");
      return;
    }
    clearError();
    $("preview").classList.remove("stale");
    setMath($("preview"), parsed.data.formula.mathml.replace('display="inline"', 'display="block"'));
    const w = $("warnings");
    w.replaceChildren(...parsed.data.warnings.map((s) => {
      const li = document.createElement("li"); li.textContent = `${t("warning")}: ${s}`; return li;
    }));
    setVariables(parsed.data.variables, parsed.data.default_variable);
    await Promise.all([derive(gen), plot1d(gen), contour(gen), pointUpdate()]);
  }

  async function derive(gen) {
    const order = Math.max(1, Math.min(10, parseInt($("order").value, 10) || 1));
    const res = await api("diff", payload({ var: state.var, order, steps: true, lang: state.stepLang }));
    if (gen !== state.gen) return;
    const d = $("derivative");
    if (!res.ok) {
      d.replaceChildren();
      const p = document.createElement("p"); p.className = "error-inline";
      p.textContent = res.error.message; d.appendChild(p);
      $("forms").replaceChildren(); $("steps").replaceChildren();
      return;
    }
    const r = res.data;
    const dd = r.variables.length > 1 ? "∂" : "d";
    const op = order === 1 ? `<mfrac><mrow><mi>${dd}</mi></mrow><mrow><mi>${dd}</mi><mi>${r.variable}</mi></mrow></mfrac>`
      : `<mfrac><mrow><msup><mi>${dd}</mi><mn>${order}</mn></msup></mrow><mrow><mi>${dd}</mi><msup><mi>${r.variable}</mi><mn>${order}</mn></msup></mrow></mfrac>`;
    const inner = (m) => m.replace(/^<math[^>]*>/, "").replace(/<\/math>$/, "");
    setMath(d, `<math display="block">${op}<mrow><mo>[</mo>${inner(r.expression.mathml)}<mo>]</mo></mrow><mo>=</mo>${inner(r.derivative.mathml)}</math>`);
    d.dataset.text = r.derivative.text;
    d.title = r.derivative.text;
    const forms = $("forms");
    forms.replaceChildren();
    if (r.forms.length) {
      const h = document.createElement("h3"); h.textContent = t("forms"); forms.appendChild(h);
      for (const f of r.forms) {
        const row = document.createElement("div"); row.className = "form";
        const name = document.createElement("span"); name.className = "fname"; name.textContent = f.name;
        const m = document.createElement("span"); setMath(m, f.formula.mathml);
        m.title = f.formula.text;
        row.append(name, m); forms.appendChild(row);
      }
    }
    $("notes").replaceChildren(...r.nondifferentiable.map((s) => {
      const li = document.createElement("li"); li.textContent = s; return li;
    }));
    renderSteps(r.steps);
  }

  function renderSteps(steps) {
    const box = $("steps");
    box.replaceChildren();
    box.lang = state.stepLang;
    if (!steps || !steps.available) {
      const p = document.createElement("p"); p.className = "note";
      p.textContent = steps && steps.message && !/not installed/.test(steps.message)
        ? steps.message : T[state.stepLang].stepsMissing;
      box.appendChild(p);
      return;
    }
    if (typeof steps.mathml === "string" && steps.mathml) {
      box.appendChild(sanitize(steps.mathml));
    } else if (typeof steps.text === "string") {
      const pre = document.createElement("pre"); pre.textContent = steps.text; box.appendChild(pre);
    }
  }

  // ---------------------------------------------------------------- point: values, 3-way check
  async function pointUpdate() {
    const gen = state.gen;
    const vars = state.variables;
    const at = pointFor(vars);
    const [val, ver] = await Promise.all([
      api("diff", payload({ var: state.var, at, forms: false })),
      vars.length ? api("verify", payload({ var: state.var, at: state.x0, point: at })) : null,
    ]);
    if (gen !== state.gen) return;
    const vbox = $("values");
    vbox.replaceChildren();
    const line = (label, v) => {
      const p = document.createElement("p");
      const b = document.createElement("strong"); b.textContent = label;
      p.append(b, document.createTextNode(" = " + v));
      vbox.appendChild(p);
    };
    const where = Object.entries(at).map(([k, v]) => `${k} = ${fmt(v)}`).join(", ");
    if (val.ok && val.data.value) {
      const f = val.data.value, df = val.data.derivative_value;
      line(`f(${where})`, f.exact ?? fmt(f.value));
      line(`f′(${where})`, df ? (df.exact ?? fmt(df.value)) : "—");
    } else if (!val.ok) {
      line(t("value"), val.error.message);
    }
    renderVerify(ver);
    graphUpdate(gen, at);
  }

  function renderVerify(ver) {
    const body = $("verify").tBodies[0];
    body.replaceChildren();
    const row = (name, value, extra, cls) => {
      const tr = document.createElement("tr");
      if (cls) tr.className = cls;
      for (const s of [name, value, extra]) {
        const td = document.createElement("td"); td.textContent = s ?? ""; tr.appendChild(td);
      }
      body.appendChild(tr);
    };
    if (!ver) return;
    if (!ver.ok) { row("", ver.error.message, "", "bad"); return; }
    const v = ver.data;
    row(t("symbolic"), v.symbolic.exact ?? fmt(v.symbolic.value), t("exact"));
    if (v.numeric.unavailable) row(t("numeric"), t("unavailable"), "", "muted");
    else row(t("numeric"), fmt(v.numeric.value), v.numeric.error_estimate != null
      ? `± ${v.numeric.error_estimate.toExponential(1)} (${v.numeric.method ?? ""})` : (v.numeric.method ?? ""));
    if (v.automatic.unavailable) row(t("automatic"), t("unavailable"), "", "muted");
    else row(t("automatic"), fmt(v.automatic.value), "");
    row(v.agree ? "✓" : "✗", v.agree ? t("agree") : t("disagree"),
      v.max_abs_difference != null ? `max |Δ| = ${v.max_abs_difference.toExponential(1)}` : "",
      v.agree ? "good" : "bad");
  }

  // ---------------------------------------------------------------- 1-D plot with tangent
  const plotEl = $("plot");

  function range() {
    let lo = parseFloat($("lo").value), hi = parseFloat($("hi").value);
    if (!Number.isFinite(lo)) lo = -3;
    if (!Number.isFinite(hi) || hi <= lo) hi = lo + 6;
    return [lo, hi];
  }

  function interp(xs, ys, x) {
    if (!xs || xs.length < 2) return null;
    const n = xs.length, lo = xs[0], hi = xs[n - 1];
    const u = (x - lo) / (hi - lo) * (n - 1);
    const i = Math.max(0, Math.min(n - 2, Math.floor(u)));
    const a = ys[i], b = ys[i + 1];
    if (a === null || b === null) return null;
    return a + (b - a) * (u - i);
  }

  function yRange(arrs) {
    const vals = arrs.flat().filter((v) => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
    if (!vals.length) return [-1, 1];
    const q = (p) => vals[Math.min(vals.length - 1, Math.max(0, Math.floor(p * (vals.length - 1))))];
    let lo = q(0.02), hi = q(0.98);
    if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
    const pad = (hi - lo) * 0.15;
    return [lo - pad, hi + pad];
  }

  function tangentTrace(x0, y0, m) {
    const [lo, hi] = range();
    if (y0 === null || m === null) return { x: [], y: [] };
    return { x: [lo, hi], y: [y0 + m * (lo - x0), y0 + m * (hi - x0)] };
  }

  async function plot1d(gen) {
    if (typeof Plotly === "undefined") return;
    const vars = state.variables;
    const [lo, hi] = range();
    const params = {};
    for (const v of vars) if (v !== state.var) params[v] = state.point[v] ?? 1;
    const res = await api("sample", payload({ var: state.var, lo, hi, n: 401, params }));
    if (gen !== state.gen) return;
    if (!res.ok) {
      state.samples = null;
      Plotly.purge(plotEl);
      plotEl.replaceChildren();
      const p = document.createElement("p"); p.className = "note"; p.textContent = res.error.message;
      plotEl.appendChild(p);
      state.plotReady = false;
      return;
    }
    const s = res.data;
    state.samples = s;
    const x0 = Math.min(hi, Math.max(lo, state.x0));
    const y0 = interp(s.x, s.f, x0), m = interp(s.x, s.df, x0);
    const tan = tangentTrace(x0, y0, m);
    const v = s.variable;
    const traces = [
      { x: s.x, y: s.f, name: `f(${v})`, mode: "lines", line: { color: "#1f5fbf", width: 2.5 }, connectgaps: false },
      { x: s.x, y: s.df, name: `f′(${v})`, mode: "lines", line: { color: "#d9534f", width: 2, dash: "dash" }, connectgaps: false },
      { x: tan.x, y: tan.y, name: "tangent", mode: "lines", line: { color: "#2e8b57", width: 1.5 } },
      { x: [x0], y: [y0], name: "point", mode: "markers", marker: { size: 14, color: "#2e8b57", line: { color: "#fff", width: 2 } }, hoverinfo: "x+y" },
      { x: [], y: [], name: "Taylor", mode: "lines", line: { color: "#8e44ad", width: 1.5, dash: "dot" }, showlegend: false, connectgaps: false },
    ];
    const layout = {
      margin: { l: 50, r: 20, t: 10, b: 40 }, dragmode: false, hovermode: "closest",
      xaxis: { range: [lo, hi], fixedrange: true, zeroline: true, title: { text: v } },
      yaxis: { range: yRange([s.f, s.df]), fixedrange: true, zeroline: true },
      legend: { orientation: "h", y: 1.08 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd",
    };
    await Plotly.react(plotEl, traces, layout, { displayModeBar: false, responsive: true });
    state.plotReady = true;
    const slider = $("x0");
    slider.min = lo; slider.max = hi; slider.step = (hi - lo) / 600;
    tangentInfo();
  }

  function moveTangent(x0) {
    const s = state.samples;
    if (!s || !state.plotReady) return;
    const y0 = interp(s.x, s.f, x0), m = interp(s.x, s.df, x0);
    const tan = tangentTrace(x0, y0, m);
    Plotly.restyle(plotEl, { x: [tan.x, [x0]], y: [tan.y, [y0]] }, [2, 3]);
  }

  function setX0(x, fromDrag) {
    state.x0 = +(+x).toPrecision(6);
    state.point[state.var] = state.x0;
    $("x0").value = state.x0;
    text($("x0-out"), fmt(state.x0));
    const inp = document.querySelector(`#point-inputs input[data-name="${CSS.escape(state.var)}"]`);
    if (inp && document.activeElement !== inp) inp.value = state.x0;
    moveTangent(state.x0);
    plotEl.dataset.x0 = String(state.x0);
    if (!fromDrag) debounce("tangent", () => { tangentInfo(); pointUpdate(); }, 150);
  }

  async function tangentInfo() {
    const gen = state.gen;
    const vars = state.variables;
    const point = {};
    for (const v of vars) if (v !== state.var) point[v] = state.point[v] ?? 1;
    const res = await api("tangent", payload({ var: state.var, at: state.x0, point }));
    if (gen !== state.gen) return;
    const box = $("tangent");
    box.replaceChildren();
    if (!res.ok) { text(box, res.error.message); return; }
    const r = res.data;
    box.dataset.x0 = String(r.x0);
    box.dataset.slope = String(r.slope);
    const p = document.createElement("p");
    p.append(document.createTextNode(`${t("tangentAt")} ${state.var} = ${fmt(r.x0)}: ${t("slope")} ${fmt(r.slope)}, `));
    if (r.line) {
      const m = document.createElement("span");
      setMath(m, r.line.mathml.replace(/^(<math[^>]*>)/, "$1<mi>y</mi><mo>=</mo>"));
      m.title = "y = " + r.line.text;
      p.appendChild(m);
    }
    box.appendChild(p);
    // snap the drawn tangent to the exact values
    if (state.plotReady && r.y0 !== null && r.slope !== null) {
      const tan = tangentTrace(r.x0, r.y0, r.slope);
      Plotly.restyle(plotEl, { x: [tan.x, [r.x0]], y: [tan.y, [r.y0]] }, [2, 3]);
    }
    taylor();
  }

  // Taylor polynomial about the tangent point (order 1 is the tangent line itself)
  async function taylor() {
    const gen = state.gen;
    const box = $("series");
    const order = parseInt($("taylor").value, 10);
    if (!state.plotReady) return;
    if (!order || state.variables.length !== 1) {
      box.replaceChildren();
      Plotly.restyle(plotEl, { x: [[]], y: [[]] }, [4]);
      return;
    }
    const res = await api("series", payload({ var: state.var, at: state.x0, order }));
    if (gen !== state.gen) return;
    box.replaceChildren();
    if (!res.ok) { text(box, res.error.message); return; }
    const [lo, hi] = range();
    const smp = await api("sample", { expr: res.data.series.text, syntax: "text", var: state.var, lo, hi, n: 201 });
    if (gen !== state.gen) return;
    const p = document.createElement("p");
    p.append(document.createTextNode(T[state.lang].taylorOf(order, `${state.var} = ${fmt(state.x0)}`)));
    const m = document.createElement("span");
    setMath(m, res.data.series.mathml);
    m.title = res.data.series.text;
    p.appendChild(m);
    box.appendChild(p);
    if (smp.ok) Plotly.restyle(plotEl, { x: [smp.data.x], y: [smp.data.f] }, [4]);
  }
  $("taylor").addEventListener("change", taylor);

  function xFromEvent(ev) {
    const xa = plotEl._fullLayout && plotEl._fullLayout.xaxis;
    if (!xa) return null;
    const rect = plotEl.getBoundingClientRect();
    const px = ev.clientX - rect.left - xa._offset;
    if (px < -10 || px > xa._length + 10) return null;
    const [a, b] = xa.range;
    return Math.min(b, Math.max(a, a + (px / xa._length) * (b - a)));
  }

  let dragging = false;
  plotEl.addEventListener("pointerdown", (ev) => {
    if (!state.plotReady) return;
    const x = xFromEvent(ev);
    if (x === null) return;
    dragging = true;
    plotEl.setPointerCapture(ev.pointerId);
    plotEl.classList.add("dragging");
    setX0(x, true);
    ev.preventDefault();
  }, true);
  plotEl.addEventListener("pointermove", (ev) => {
    if (!dragging) return;
    const x = xFromEvent(ev);
    if (x !== null) setX0(x, true);
  }, true);
  const endDrag = () => {
    if (!dragging) return;
    dragging = false;
    plotEl.classList.remove("dragging");
    tangentInfo();
    pointUpdate();
  };
  plotEl.addEventListener("pointerup", endDrag, true);
  plotEl.addEventListener("pointercancel", endDrag, true);
  $("x0").addEventListener("input", (ev) => setX0(parseFloat(ev.target.value), false));

  // ---------------------------------------------------------------- answer checker
  async function checkAnswer() {
    const box = $("check-result");
    box.replaceChildren();
    box.className = "check-result";
    const res = await api("check", payload({ answer: $("answer").value, var: state.var, lang: state.lang }));
    if (!res.ok) {
      box.classList.add(res.status === 501 ? "muted" : "bad");
      text(box, res.status === 501 ? t("checkMissing") : res.error.message);
      return;
    }
    const r = res.data;
    const head = document.createElement("p");
    head.className = "verdict";
    head.textContent = r.correct ? t("correct") : t("wrong");
    box.classList.add(r.correct ? "good" : "bad");
    box.dataset.correct = String(r.correct);
    box.appendChild(head);
    if (!r.correct && r.expected && r.expected.mathml) {
      const p = document.createElement("p");
      const b = document.createElement("strong"); b.textContent = t("expected") + ": ";
      const m = document.createElement("span"); setMath(m, r.expected.mathml);
      p.append(b, m); box.appendChild(p);
    }
    // the server's explanation, already in the chosen language: verdict, counterexample
    // with both values, and the diagnosis of the usual mistakes
    for (const line of String(r.message || "").split("\n").filter(Boolean)) {
      const p = document.createElement("p"); p.textContent = line; box.appendChild(p);
    }
    if (r.diagnosis && r.diagnosis.length) box.dataset.diagnosis = r.diagnosis.map((d) => d.code).join(" ");
  }
  $("check-btn").addEventListener("click", checkAnswer);
  $("answer").addEventListener("keydown", (ev) => { if (ev.key === "Enter") checkAnswer(); });

  // ---------------------------------------------------------------- sigmoid gain
  async function sigmoidPlot() {
    if (typeof Plotly === "undefined") return;
    const a = parseFloat($("gain").value) || 1;
    text($("gain-out"), a.toFixed(1));
    const res = await api("sample", { expr: "sigmoid(a x)", var: "x", lo: -6, hi: 6, n: 241, params: { a } });
    if (!res.ok) { text($("sigmoid-note"), res.error.message); return; }
    const s = res.data;
    const step = s.x.map((x) => (x >= 0 ? 1 : 0));
    await Plotly.react($("sigmoid-plot"), [
      { x: s.x, y: step, name: "step(x)", mode: "lines", line: { color: "#aaa", width: 1, shape: "hv", dash: "dot" } },
      { x: s.x, y: s.f, name: `σ(${a.toFixed(1)}x)`, mode: "lines", line: { color: "#1f5fbf", width: 2.5 } },
      { x: s.x, y: s.df, name: "σ′", mode: "lines", line: { color: "#d9534f", width: 2, dash: "dash" } },
    ], {
      margin: { l: 40, r: 10, t: 10, b: 30 }, dragmode: false,
      xaxis: { fixedrange: true }, yaxis: { range: [-0.1, Math.max(1.1, a / 4 + 0.1)], fixedrange: true },
      legend: { orientation: "h", y: 1.12 }, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fbfbfd",
    }, { displayModeBar: false, responsive: true });
    text($("sigmoid-note"), T[state.lang].sigmoidNote(a.toFixed(1)));
  }
  $("gain").addEventListener("input", () => debounce("gain", sigmoidPlot, 30));

  // ---------------------------------------------------------------- contour + descent
  const contourEl = $("contour");

  function arrows(field, xr, yr) {
    // -∇f as short arrows (direction of steepest descent), lengths scaled to the grid
    const { x, y, u, v } = field;
    const mags = u.map((a, i) => (a === null || v[i] === null ? 0 : Math.hypot(a, v[i])));
    const maxm = Math.max(...mags, 1e-300);
    const n = Math.round(Math.sqrt(x.length));
    const cell = Math.min((xr[1] - xr[0]), (yr[1] - yr[0])) / Math.max(n, 1);
    const ax = [], ay = [];
    for (let i = 0; i < x.length; i++) {
      if (!mags[i]) continue;
      const len = cell * 0.85 * Math.sqrt(mags[i] / maxm);
      const dx = -u[i] / mags[i] * len, dy = -v[i] / mags[i] * len;
      const ex = x[i] + dx, ey = y[i] + dy;
      ax.push(x[i], ex, null); ay.push(y[i], ey, null);
      const hx = dx * 0.35, hy = dy * 0.35;   // two strokes of the head
      ax.push(ex, ex - hx - hy * 0.5, null, ex, ex - hx + hy * 0.5, null);
      ay.push(ey, ey - hy + hx * 0.5, null, ey, ey - hy - hx * 0.5, null);
    }
    return { x: ax, y: ay };
  }

  async function contour(gen) {
    if (typeof Plotly === "undefined") return;
    const vars = state.variables;
    const status = $("descent-status");
    if (vars.length !== 2) {
      state.contourReady = false;
      Plotly.purge(contourEl);
      contourEl.replaceChildren();
      contourEl.classList.add("empty");
      text(status, t("needs2"));
      return;
    }
    contourEl.classList.remove("empty");
    const xr = [-5, 5], yr = [-5, 5];
    const res = await api("surface", payload({ vars, xrange: xr, yrange: yr, n: 60 }));
    if (gen !== state.gen) return;
    if (!res.ok) { text(status, res.error.message); return; }
    const s = res.data;
    const arr = arrows(s.field, xr, yr);
    const traces = [
      { type: "contour", x: s.x, y: s.y, z: s.z, colorscale: "Viridis", ncontours: 25,
        contours: { coloring: "heatmap" }, colorbar: { thickness: 12 }, hoverinfo: "x+y+z", name: "f" },
      { x: arr.x, y: arr.y, mode: "lines", line: { color: "rgba(255,255,255,0.75)", width: 1 }, hoverinfo: "skip", name: "−∇f" },
      { x: [], y: [], mode: "lines+markers", line: { color: "#ff7f0e", width: 2 }, marker: { size: 5 }, name: "path" },
      { x: [], y: [], mode: "markers", marker: { size: 12, color: "#fff", line: { color: "#000", width: 2 } }, name: "start" },
    ];
    await Plotly.react(contourEl, traces, {
      margin: { l: 45, r: 10, t: 10, b: 40 }, dragmode: false, hovermode: "closest",
      xaxis: { range: xr, fixedrange: true, title: { text: vars[0] }, constrain: "domain" },
      yaxis: { range: yr, fixedrange: true, title: { text: vars[1] }, scaleanchor: "x" },
      showlegend: false, paper_bgcolor: "rgba(0,0,0,0)",
    }, { displayModeBar: false, responsive: true });
    if (!state.contourReady) {
      contourEl.on("plotly_click", (ev) => {
        const pt = ev.points && ev.points[0];
        if (!pt) return;
        $("sx").value = +pt.x.toFixed(2); $("sy").value = +pt.y.toFixed(2);
        debounce("descend", descend, 50);
      });
    }
    state.contourReady = true;
    await descend();
  }

  async function descend() {
    if (!state.contourReady || state.variables.length !== 2) return;
    const gen = state.gen;
    const start = [parseFloat($("sx").value) || 0, parseFloat($("sy").value) || 0];
    const body = payload({
      vars: state.variables, start, optimizer: $("optimizer").value,
      lr: Math.min(10, Math.max(1e-4, parseFloat($("lr").value) || 0.1)),
      steps: Math.min(2000, Math.max(1, parseInt($("nsteps").value, 10) || 50)),
    });
    const res = await api("descend", body);
    if (gen !== state.gen) return;
    const status = $("descent-status");
    if (!res.ok) { text(status, res.error.message); return; }
    const r = res.data;
    const px = r.path.map((p) => p[0]), py = r.path.map((p) => p[1]);
    await Plotly.restyle(contourEl, { x: [px, [start[0]]], y: [py, [start[1]]] }, [2, 3]);
    const last = r.path[r.path.length - 1] || [];
    const fv = r.values ? r.values[r.values.length - 1] : null;
    const key = String(r.reason || "").replace(/ /g, "_");
    const reason = T[state.lang][key] ? t(key) : r.reason;
    const warn = (r.warnings || []).length ? ` ${t("warning")}: ${r.warnings.join(" ")}` : "";
    text(status, `${r.optimizer}, lr = ${r.lr}: ${reason} (${r.path.length - 1} ${t("iterations")}); ${t("final")} (${last.map(short).join(", ")}), f = ${short(fv)}.${warn} ${t("clickStart")}`);
    status.title = r.detail || "";
    contourEl.dataset.steps = String(r.path.length - 1);
    contourEl.dataset.reason = r.reason || "";
  }
  for (const id of ["optimizer", "lr", "nsteps", "sx", "sy"]) {
    $(id).addEventListener("input", () => debounce("descend", descend, 150));
  }
  $("descend-btn").addEventListener("click", descend);

  // ---------------------------------------------------------------- computational graph
  async function graphUpdate(gen, at) {
    const box = $("graph"), status = $("graph-status");
    const res = await api("graph", payload({ at }));
    if (gen !== state.gen) return;
    box.replaceChildren();
    if (!res.ok) { text(status, res.error.message); return; }
    const img = document.createElement("img");
    img.alt = "computational graph";
    // an <img> never runs scripts inside an SVG, whatever the SVG contains
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(res.data.svg);
    box.appendChild(img);
    const grads = Object.entries(res.data.gradients).map(([k, v]) => `∂f/∂${k} = ${fmt(v)}`).join(", ");
    text(status, `f = ${fmt(res.data.value)}; ${grads}`);
  }

  // ---------------------------------------------------------------- language
  function applyLang() {
    document.documentElement.lang = state.lang;
    for (const el of document.querySelectorAll("[data-i18n]")) {
      const v = T[state.lang][el.dataset.i18n];
      if (typeof v === "string") el.textContent = v;
    }
    for (const b of document.querySelectorAll("button.lang")) b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    for (const b of document.querySelectorAll("button.slang")) b.setAttribute("aria-pressed", String(b.dataset.slang === state.stepLang));
  }
  for (const b of document.querySelectorAll("button.lang")) {
    b.addEventListener("click", () => {
      state.lang = b.dataset.lang; state.stepLang = b.dataset.lang;
      applyLang(); sigmoidPlot(); update();
    });
  }
  for (const b of document.querySelectorAll("button.slang")) {
    b.addEventListener("click", (ev) => {
      ev.preventDefault(); ev.stopPropagation();   // do not toggle the <details>
      state.stepLang = b.dataset.slang;
      $("steps-box").open = true;
      applyLang();
      derive(state.gen);
    });
  }

  // ---------------------------------------------------------------- wiring
  exprEl.addEventListener("input", () => schedule(update, 200));
  for (const id of ["syntax", "order"]) $(id).addEventListener("change", () => schedule(update, 10));
  $("var").addEventListener("change", (ev) => { state.var = ev.target.value; schedule(update, 10); });
  for (const id of ["lo", "hi"]) $(id).addEventListener("change", () => plot1d(state.gen));
  const ex = $("examples");
  for (const e of EXAMPLES) {
    const b = document.createElement("button");
    b.type = "button"; b.className = "example"; b.textContent = e;
    b.addEventListener("click", () => { exprEl.value = e; schedule(update, 0); });
    ex.appendChild(b);
  }
  api("health").then((r) => { if (r.ok) state.features = r.data.features; });
  applyLang();
  state.point.x = state.x0;
  update();
  sigmoidPlot();
})();
