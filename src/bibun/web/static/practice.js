// bibun workbench: the Practice tab.  The same engine as `bibun practice`: a problem is
// (topic, level, seed) and the server makes the same one from them every time; the page
// keeps the learner's counters (hints shown, tries, mistakes, time) and sends them with
// each check, and the server records a solved or skipped problem in the progress
// database `bibun practice` uses.  Hints one rung at a time; every piece of work (u,
// dy/du, du/dx, the product, the answer) checked on its own, the first wrong one with
// its diagnosis.  A new problem or a new language replaces everything shown before.
"use strict";

(() => {
  const B = window.bibun;
  const { $, t, el, api, math } = B;
  const pr = { problem: null, hints: [], tries: 0, mistakes: [], shownAt: 0, done: false, ctrl: null, topics: [] };
  const PIECE_NOTE = { product: "pr_piece_product", answer: "pr_piece_answer", y: "pr_piece_y", u: "pr_piece_u" };

  // ---------------------------------------------------------------- tabs
  function showTab(name, push) {
    const practice = name === "practice";
    $("main").hidden = practice;
    $("practice").hidden = !practice;
    $("tab-work").setAttribute("aria-selected", String(!practice));
    $("tab-practice").setAttribute("aria-selected", String(practice));
    $("tab-work").tabIndex = practice ? -1 : 0;
    $("tab-practice").tabIndex = practice ? 0 : -1;
    document.documentElement.dataset.tab = name;
    if (push) {
      const q = new URLSearchParams(location.search);
      if (practice) q.set("tab", "practice"); else q.delete("tab");
      history.replaceState(null, "", `${location.pathname}?${q}`);
    }
    if (practice && !pr.problem) { loadProgress(); newProblem(); } else if (practice && pr.stale) { pr.stale = false; relang(); }
  }
  $("tab-work").addEventListener("click", () => showTab("work", true));
  $("tab-practice").addEventListener("click", () => showTab("practice", true));
  for (const id of ["tab-work", "tab-practice"]) {   // arrow keys move between the tabs
    $(id).addEventListener("keydown", (ev) => {
      if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
      const other = id === "tab-work" ? "tab-practice" : "tab-work";
      $(other).focus(); $(other).click();
    });
  }

  // ---------------------------------------------------------------- requests
  const ref = () => ({ topic: pr.problem.topic, level: pr.problem.level, seed: pr.problem.seed, lang: B.state.lang });
  const counters = () => ({ ...ref(), hints: pr.hints.length, tries: pr.tries, mistakes: pr.mistakes,
    seconds: Math.max(0, (performance.now() - pr.shownAt) / 1000), save: $("pr-save").checked });
  async function call(path, body) {
    if (pr.ctrl) pr.ctrl.abort();
    const ctrl = new AbortController();
    pr.ctrl = ctrl;
    $("pr-problem").classList.add("pending");
    const res = await api(`practice/${path}`, body, ctrl.signal);
    if (!res.aborted) { $("pr-problem").classList.remove("pending"); pr.ctrl = null; }
    return res;
  }

  // ---------------------------------------------------------------- a problem
  function clearProblem() {
    $("pr-problem").replaceChildren();
    $("pr-hint-list").replaceChildren();
    $("pr-pieces").replaceChildren();
    $("pr-result").replaceChildren();
    $("pr-result").className = "panel pr-result";
    for (const id of ["pr-hint", "pr-check", "pr-skip"]) $(id).disabled = true;
  }

  async function newProblem(keep) {
    clearProblem();
    const body = keep ? { ...ref(), save: $("pr-save").checked }
      : { topic: $("pr-topic").value || null, level: $("pr-level").value ? parseInt($("pr-level").value, 10) : null,
        save: $("pr-save").checked, lang: B.state.lang };
    const res = await call("problem", body);
    if (res.aborted) return;
    if (!res.ok) { showError(res.error); return; }
    const fresh = !keep;
    pr.problem = res.data;
    if (fresh) { pr.hints = []; pr.tries = 0; pr.mistakes = []; pr.shownAt = performance.now(); pr.done = false; }
    renderProblem(fresh);
    if (!fresh) for (let i = 1; i <= pr.hints.length; i++) await showHint(i);   // the same rungs, in the new language
  }

  function renderProblem(fresh) {
    const p = pr.problem;
    const box = $("pr-problem");
    box.replaceChildren();
    box.lang = B.state.lang;
    Object.assign(box.dataset, { topic: p.topic, level: String(p.level), seed: String(p.seed), kind: p.kind });
    box.appendChild(el("p", "pr-meta", t("pr_meta", { topic: p.topic_name, level: p.level })));
    box.appendChild(el("p", "pr-question", p.statement.text));
    box.appendChild(math(p.statement.mathml, p.statement.formula.text));
    const old = fresh ? {} : Object.fromEntries([...document.querySelectorAll("#pr-pieces input")].map((i) => [i.dataset.piece, i.value]));
    const pieces = $("pr-pieces");
    pieces.replaceChildren();
    for (const q of p.pieces) {
      const lab = el("label", "pr-piece");
      const name = q.name === "answer" ? t("pr_answer") : q.label;
      const head = el("span", "lbl", name);
      if (PIECE_NOTE[q.name] && q.name !== "answer") head.append(" ", el("small", "", t(PIECE_NOTE[q.name])));
      const inp = el("input");
      inp.type = "text"; inp.spellcheck = false; inp.autocomplete = "off"; inp.maxLength = 2000;
      inp.dataset.piece = q.name;
      inp.value = old[q.name] || "";
      lab.append(head, inp);
      pieces.appendChild(lab);
    }
    $("pr-hint").disabled = pr.done || pr.hints.length >= p.hints;
    $("pr-check").disabled = $("pr-skip").disabled = pr.done;
  }

  async function showHint(n) {
    const res = await call("hint", { ...ref(), rung: n });
    if (res.aborted) return;
    if (!res.ok) { showError(res.error); return; }
    const list = $("pr-hint-list");
    const li = el("li", res.data.last ? "last" : "", res.data.text);
    li.lang = B.state.lang;
    list.appendChild(li);
    pr.hints[n - 1] = true;
    $("pr-hint").disabled = pr.done || res.data.last;
    $("pr-hint").textContent = t("pr_hint_n", { n: Math.min(n + 1, res.data.total), total: res.data.total });
  }
  $("pr-hint").addEventListener("click", () => { if (pr.problem) showHint(pr.hints.length + 1); });

  // ---------------------------------------------------------------- checking
  function showError(err) {
    const box = $("pr-result");
    box.replaceChildren(el("p", "panel-error", err.message));
    box.className = "panel pr-result bad";
    box.dataset.kind = err.kind || "";
    if (err.kind === "storage") box.appendChild(el("p", "note", t("pr_storage_hint")));
  }

  async function check(ev) {
    ev.preventDefault();
    if (!pr.problem || pr.done) return;
    const pieces = {};
    for (const i of document.querySelectorAll("#pr-pieces input")) if (i.value.trim()) pieces[i.dataset.piece] = i.value;
    if (!Object.keys(pieces).length) { showError({ message: t("pr_nothing"), kind: "input" }); return; }
    const res = await call("check", { ...counters(), pieces });
    if (res.aborted) return;
    if (!res.ok) { showError(res.error); return; }
    const r = res.data;
    pr.tries = r.tries; pr.mistakes = r.mistakes;
    const box = $("pr-result");
    box.replaceChildren();
    box.className = `panel pr-result ${r.solved ? "good" : r.first_wrong ? "bad" : ""}`;
    box.dataset.solved = String(r.solved);
    const list = el("ul", "pr-verdicts");
    for (const p of r.pieces) {
      const li = el("li", p.ok === true ? "ok" : p.ok === false ? "wrong" : "unreadable");
      li.dataset.piece = p.piece;
      li.dataset.codes = p.diagnosis.map((d) => d.code).join(" ");
      const name = p.piece === "answer" ? t("pr_answer") : p.label;
      li.appendChild(el("span", "mark", p.ok === true ? "✓" : p.ok === false ? "✗" : "?"));
      li.append(` ${name} = ${p.text}`);
      if (p.error) li.appendChild(el("div", "diag", p.error));
      if (p.first_wrong) for (const d of p.diagnosis) li.appendChild(el("div", "diag", d.message));
      if (p.textbook) { const tb = el("div", "note"); tb.append(`${t("pr_textbook")} `, math(p.textbook.mathml, p.textbook.text)); li.appendChild(tb); }
      const inp = document.querySelector(`#pr-pieces input[data-piece="${CSS.escape(p.piece)}"]`);
      if (inp) { if (p.ok === false || p.ok === null) inp.setAttribute("aria-invalid", "true"); else inp.removeAttribute("aria-invalid"); }
      list.appendChild(li);
    }
    box.appendChild(list);
    if (r.solved) finished(t("pr_correct"), r.recorded);
    else if (r.first_wrong) box.appendChild(el("p", "note", t("pr_try_again")));
  }
  $("pr-form").addEventListener("submit", check);

  async function skip() {
    if (!pr.problem || pr.done) return;
    const res = await call("skip", counters());
    if (res.aborted) return;
    if (!res.ok) { showError(res.error); return; }
    const box = $("pr-result");
    box.replaceChildren(el("p", "", res.data.message));
    box.className = "panel pr-result";
    const ol = el("ol", "pr-worked");
    for (const s of res.data.steps) ol.appendChild(el("li", "", s));
    box.appendChild(ol);
    finished(null, res.data.recorded);
  }
  $("pr-skip").addEventListener("click", skip);

  function finished(verdict, recorded) {
    pr.done = true;
    const box = $("pr-result");
    if (verdict) box.prepend(el("p", "verdict", verdict));
    box.dataset.recorded = recorded ? String(recorded.id) : "";
    box.appendChild(el("p", "note", recorded ? t("pr_saved", { n: recorded.count }) : t("pr_not_saved")));
    const next = el("button", "primary", t("pr_next"));
    next.type = "button";
    next.id = "pr-next";
    next.addEventListener("click", () => newProblem());
    box.appendChild(next);
    for (const id of ["pr-hint", "pr-check", "pr-skip"]) $(id).disabled = true;
    loadProgress();
  }

  // ---------------------------------------------------------------- progress
  async function loadProgress() {
    const panel = $("pr-progress-panel");
    panel.classList.add("pending");
    const res = await api("practice/progress", { save: $("pr-save").checked, lang: B.state.lang });
    panel.classList.remove("pending");
    const tb = $("pr-progress").tBodies[0];
    tb.replaceChildren();
    if (!res.ok) { $("pr-db").textContent = res.error.message; $("pr-db").className = "panel-error"; return; }
    const r = res.data;
    pr.topics = r.topics;
    const sel = $("pr-topic"), chosen = sel.value;
    sel.replaceChildren(new Option(t("pr_auto_topic"), ""), ...r.topics.map((x) => new Option(x.name, x.topic)));
    sel.value = chosen;
    for (const x of r.topics) {
      const tr = el("tr");
      tr.dataset.topic = x.topic;
      tr.dataset.attempts = String(x.attempts);
      tr.append(el("td", "", x.name), el("td", "", String(x.attempts)), el("td", "", String(x.solved)));
      const m = el("td");
      const bar = el("meter");
      bar.min = 0; bar.max = 1; bar.value = x.mastery;
      bar.setAttribute("aria-label", t("pr_mastery_of", { topic: x.name }));
      m.append(bar, ` ${Math.round(x.mastery * 100)}%`);
      tr.appendChild(m);
      if (r.next && r.next.topic === x.topic) tr.className = "next";
      tb.appendChild(tr);
    }
    $("pr-db").className = "note";
    $("pr-db").textContent = r.db ? t("pr_db", { path: r.db, n: r.attempts }) : t("pr_not_saved");
  }
  $("pr-new").addEventListener("click", () => newProblem());
  $("pr-save").addEventListener("change", loadProgress);

  // a new language: the problem, the hints shown and the table again in it (a verdict in
  // the old language is cleared, not left beside new words)
  function relang() {
    loadProgress();
    if (pr.problem) { $("pr-result").replaceChildren(); $("pr-hint-list").replaceChildren(); newProblem(true); }
  }
  let first = true;   // the first event: the page's words have arrived
  document.addEventListener("bibun:lang", () => {
    if (first) {
      first = false;
      if (new URLSearchParams(location.search).get("tab") === "practice") showTab("practice", false);
      return;
    }
    if ($("practice").hidden) { pr.stale = true; return; }
    relang();
  });
})();
