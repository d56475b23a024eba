"""The catalogs read like one careful author wrote them (docs/ja-style.md, issue 18).

Japanese: one register, です・ます, for every sentence a user reads; the notation of
Japanese textbooks (log for the natural log, never ln); fixed vocabulary (合成関数の微分
（連鎖律）, おく for "let", 1 つ not 一つ); full-width brackets and colons around Japanese
words; no exclamation marks copied into parentheses （！）.  English: one spelling
(American), ln for the natural log in prose, no (!), explanation sentences that start with
a capital letter.

Each rule is a small function over one catalog line, so the same rules are run on the
real catalogs and on a few bad lines written here (a check that cannot fail proves
nothing).  A line that must break a rule (a UI label, a fragment spliced into another
sentence) is listed in an exceptions table with the reason; a stale exception fails too.
"""

from __future__ import annotations

import re
import string

import pytest

from bibun import i18n

_JP = r"\u3040-\u30ff\u3400-\u9fff"
JP = re.compile(f"[{_JP}]")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")

# -- Japanese ---------------------------------------------------------------------------------

#: sentence endings of the polite register (です・ます) and of textbook instructions
POLITE_ENDINGS = ("です", "ます", "ました", "でした", "ません", "ましょう", "ください", "なさい",
                  "でしょう", "ですか", "ますか", "ませんか")
#: sentence-final plain forms: である/だ, a verb in its dictionary or past form, ない, よい
PLAIN_ENDING = re.compile(
    r"(である|だ|[うくぐすぬぶむる]|(?<!ず)つ|[たっんし]た|んだ|ない|よい|いい|しい|れる|せる)$")

#: lines that are not sentences although they end like one: key -> why (docs/ja-style.md)
JA_REGISTER_EXCEPTIONS: dict[str, str] = {}


def _literal(value: str) -> str:
    """The words of a template: each {placeholder} becomes X (a formula or a value)."""
    return _PLACEHOLDER.sub("X", value.replace("{{", "(").replace("}}", ")"))


def _without_brackets(s: str) -> str:
    """Drop bracketed asides (（…） and (…) around Japanese): a parenthetical remark is
    not where a sentence ends."""
    before = None
    while before != s:
        before = s
        s = re.sub(r"（[^（）]*）", "", s)
        s = re.sub(rf"\([^()]*[{_JP}][^()]*\)", "", s)
    return s


def ja_clauses(value: str) -> list[str]:
    """The places where a sentence (or a lead-in before a colon) ends."""
    s = _without_brackets(_literal(value))
    parts = (p.strip().rstrip("、 ") for p in re.split(r"[。！？：]", s))
    return [p for p in parts if p]


def _register(value: str) -> list[str]:
    return [f"plain form at a sentence end: …{c[-10:]}（です・ます にする）"
            for c in ja_clauses(value)
            if not c.endswith(POLITE_ENDINGS) and PLAIN_ENDING.search(c)]


def _program_prefix(text: str, colon: int) -> bool:
    """``bibun: …`` and ``{who}: …`` name the program or function that speaks, like the
    CLI's ``bibun: error:``; that colon stays ASCII."""
    return re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_.]*|\{[^{}]*\})", text[:colon]) is not None


def ascii_colons(value: str) -> list[int]:
    """Positions of ASCII colons that belong to Japanese text (a Japanese word on either
    side): they are written ：."""
    s = _PLACEHOLDER.sub(lambda m: "\ue000" * len(m.group(0)), value)
    out = []
    for i, c in enumerate(s):
        if c != ":" or _program_prefix(value, i):
            continue
        left, right = s[:i].rstrip()[-1:], s[i + 1:].lstrip()[:1]
        if (left and (JP.match(left) or left in "）」")) or (right and JP.match(right)):
            out.append(i)
    return out


#: before "(" these mean the bracket is part of a formula: w·(k 番目の入力)
_FORMULA_BEFORE = "·×*/^_=+−-"


def ascii_paren_groups(value: str) -> list[tuple[int, int]]:
    """(open, close) of ASCII brackets that hold Japanese words or follow a Japanese word
    directly: they are written （…）.  f(x), (x + 1)^2 and a tuple such as the shape
    (バッチ, チャネル, 高さ, 幅) stay ASCII."""
    s = _PLACEHOLDER.sub(lambda m: "\ue000" * len(m.group(0)), value)
    stack: list[tuple[int, list[tuple[int, int]]]] = []
    out = []
    for i, c in enumerate(s):
        if c == "(":
            stack.append((i, []))
        elif c == ")" and stack:
            j, inner = stack.pop()
            direct = "".join(ch for k, ch in enumerate(s[j + 1:i], j + 1)
                             if not any(a <= k <= b for a, b in inner))
            before = s[:j].rstrip()[-1:]
            in_formula = (before in _FORMULA_BEFORE and before != "") or \
                (", " in direct and "、" not in direct)  # a tuple: (batch, channels, …)
            if not in_formula and (JP.search(direct) or (j > 0 and JP.match(s[j - 1]))):
                out.append((j, i))
            if stack:
                stack[-1][1].append((j, i))
    return out


#: (pattern, what to write instead): the fixed vocabulary of docs/ja-style.md
JA_VOCABULARY: list[tuple[str, str]] = [
    (r"（！）|（？）|\(!\)|\(\?\)", "no copied exclamation or question marks in brackets"),
    (r"いい(?!え)", "よい, not いい (すればよい)"),
    (r"\bln\b|log_e", "log for the natural log (Japanese textbooks), log_a for base a"),
    (r"と置[かきくけこい]", "おく in hiragana for 'let' (u = x² + 1 とおく)"),
    (r"(?<!合成関数の微分（)連鎖律", "合成関数の微分（連鎖律） (the rule's one name)"),
    (r"[一二三四]つ", "1 つ, 2 つ (Arabic numerals in horizontal text)"),
    (r"ニューラルネット(?!ワーク)", "ニューラルネットワーク"),
    (r"累乗(?!根)", "べき乗 (累乗根 stays)"),
    (r"微分値|微分の値", "微分係数 (the derivative's value at a point)"),
    (r"\blr\s*=", "学習率 (lr is the option's name, not a word)"),
    (rf"[{_JP}][!?]", "full-width ！ and ？ after Japanese"),
]


def _outside_brackets(pattern: str, value: str) -> bool:
    return re.search(pattern, _without_brackets(value)) is not None


def ja_problems(key: str, value: str) -> list[str]:
    """Everything a line of ja.json does against docs/ja-style.md."""
    found = [] if key in JA_REGISTER_EXCEPTIONS else _register(value)
    for pattern, instead in JA_VOCABULARY:
        if re.search(pattern, value):
            found.append(f"{pattern}: {instead}")
    if _outside_brackets("ハイパボリック", value):
        found.append("双曲線正接関数 tanh（ハイパボリック・タンジェント as a gloss only）")
    if ascii_colons(value):
        found.append("ASCII ':' in Japanese text: write ：")
    if ascii_paren_groups(value):
        found.append("ASCII (…) around Japanese words: write （…）")
    return found


# -- English ----------------------------------------------------------------------------------

EN_BRITISH = re.compile(r"\b\w*(recognis|minimis|optimis|normalis|initialis|behaviour|"
                        r"colour|analys(e|ing)|centre|modell)\w*", re.IGNORECASE)
#: families whose lines are sentences of an explanation: each starts with a capital letter
EN_SENTENCE_FAMILIES = ("tour.", "note.", "check.", "diag.", "limit.", "implicit.",
                        "logdiff.", "param.", "inverse.", "equal.")
#: words a sentence may start with in lower case: names of functions and variables
EN_LOWER_STARTS = {"sigmoid", "tanh", "softplus", "relu", "log", "ln", "sin", "cos", "exp",
                   "f", "x", "y", "u", "w", "lim", "d", "e", "bibun"}
#: lines of those families that are not sentences: key -> why
EN_FRAGMENTS = {
    "note.repeat": "spliced into a step: (same as step 4)",
    "note.not_differentiable": "a diagnostic line of the CLI, like bibun: warning:",
}


def _unquoted(value: str) -> str:
    """The prose of a line: quoted input ('log(x)'), `commands` and placeholders removed."""
    s = re.sub(r"'[^']*'|`[^`]*`|\"[^\"]*\"", "Q", value)
    return _PLACEHOLDER.sub("X", s)


def en_problems(key: str, value: str) -> list[str]:
    """Everything a line of en.json does against the English section of the guide."""
    found = []
    if re.search(r"\(!\)|\(\?\)", value):
        found.append("no (!) or (?)")
    if EN_BRITISH.search(value):
        found.append(f"American spelling: {EN_BRITISH.search(value).group(0)}")
    prose = _unquoted(value)
    if re.search(r"\blog\s+(of\b|both\b|[a-z]\b|\()", prose) or re.search(r"\bTake log\b", prose):
        found.append("ln for the natural log in English prose (log is only the typed name)")
    if re.search(r"(?<!-)\blr\s+(\d|X)", prose):
        found.append("'learning rate' in prose (lr is the option's name)")
    if re.search(r"\be\.g(?!\.)|\beg\b", prose):
        found.append("e.g. with both periods")
    if key.startswith(EN_SENTENCE_FAMILIES) and key not in EN_FRAGMENTS:
        first = re.match(r"\s*([A-Za-z]+)\b", value)
        if first and first.group(1)[0].islower() and first.group(1) not in EN_LOWER_STARTS:
            found.append(f"a sentence starts with a capital letter: {first.group(1)}")
    return found


# -- the catalogs ---------------------------------------------------------------------------


def test_japanese_catalog_follows_the_style_guide():
    ja = i18n.catalog("ja")
    assert len(ja) > 1000  # the catalog was read (an empty one would pass vacuously)
    problems = {k: p for k, v in ja.items() if (p := ja_problems(k, v))}
    assert problems == {}


def test_english_catalog_follows_the_style_guide():
    en = i18n.catalog("en")
    assert len(en) > 1000
    problems = {k: p for k, v in en.items() if (p := en_problems(k, v))}
    assert problems == {}


def test_every_register_exception_is_still_needed():
    ja = i18n.catalog("ja")
    for key in JA_REGISTER_EXCEPTIONS:
        assert key in ja, f"{key} is no longer in ja.json: drop its exception"
        assert _register(ja[key]), f"{key} reads politely now: drop its exception"


def test_placeholders_survive_the_rewording():
    """Wording changes never drop or rename a parameter (the code fills them by name)."""
    en, ja = i18n.catalog("en"), i18n.catalog("ja")

    def names(t: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(t) if f}

    assert {k for k in en if names(en[k]) != names(ja.get(k, ""))} == set()


# -- the rules fail on bad lines ----------------------------------------------------------------


@pytest.mark.parametrize("bad, rule", [
    ("一致する。", "plain form"),
    ("微分の外に出せる", "plain form"),
    ("これは導関数である。", "plain form"),
    ("定数だ。次に進む：{x}", "plain form"),
    ("片方ずつ微分して足す", "plain form"),
    ("進み具合を保存する", "plain form"),
    ("この式は上ですでに微分した", "plain form"),
    ("つなぎ目では微分できない", "plain form"),
    ("一致します（！）", "（！）"),
    ("各項を微分すればいい", "いい"),
    ("f(x) = ln(x) を微分します。", "ln"),
    ("中身を u と置きます。", "と置"),
    ("連鎖律を使います。", "連鎖律"),
    ("一つの項の符号が逆です。", "[一二三四]つ"),
    ("小さなニューラルネットを学習させます。", "ニューラルネット"),
    ("累乗の微分です。", "累乗"),
    ("ハイパボリック・タンジェントの微分です。", "ハイパボリック"),
    ("答え: {answer}", "ASCII ':'"),
    ("割り算をします(dx/dt ≠ 0 のところで)。", "ASCII (…)"),
    ("シグモイド({path})を通ります。", "ASCII (…)"),
    ("学習率 lr={lr} で学習します。", "学習率"),
    ("正解ですか?", "full-width"),
])
def test_a_bad_japanese_line_is_caught(bad, rule):
    problems = ja_problems("some.key", bad)
    assert any(rule in p for p in problems), problems


@pytest.mark.parametrize("good", [
    "{f} を {x} で微分します",
    "合成関数の微分（連鎖律）",
    "外側の微分 × 内側の微分",
    "導関数",
    "定数倍（定数は微分の外に出せます）：{{a·f(x)}}' = a·f'(x)",
    "{f} を {x} で微分しなさい。",
    "中身を {u} で表します：{u_eq} とおくと {y_eq} となります",
    "bibun: {path} に書き出しました",
    "{who}: 接ベクトルの形 {tangent} が入力の形 {primal} と一致しません",
    "ユニット j は z_j = Σ_k w_jk·(k 番目の入力) + b_j を計算します。",
    "{op}: 形状 (バッチ, チャネル, 高さ, 幅) の画像が必要です",
    "2^x を微分すると 2^x log 2 が掛かります（1 つの例です）。",
    "双曲線正接関数 tanh（ハイパボリック・タンジェント）",
    "累乗根の指数 {index} を読み取れません",
    "正解です！",
    "誤差逆伝播を手で：1 ノードずつ",
])
def test_a_good_japanese_line_passes(good):
    assert ja_problems("some.key", good) == []


@pytest.mark.parametrize("key, bad, rule", [
    ("check.expand.agree", "The two agree (!)", "(!)"),
    ("diag.none", "No typical mistake recognised.", "American"),
    ("help.x", "the function to minimise", "American"),
    ("limit.exp_a", "lim (a^h − 1)/h = log a", "ln for the natural log"),
    ("logdiff.take_log", "Take log of both sides.", "ln for the natural log"),
    ("tour.gd_run", "x^2 from (3, 4), lr 0.1: converged", "learning rate"),
    ("help.x", "a formula, eg x^2", "e.g."),
    ("tour.table_note", "the error first shrinks with h", "capital"),
])
def test_a_bad_english_line_is_caught(key, bad, rule):
    problems = en_problems(key, bad)
    assert any(rule in p for p in problems), problems


@pytest.mark.parametrize("key, good", [
    ("tour.sigmoid", "sigmoid(x) = {f} takes values between 0 and 1."),
    ("help.check.expr", "the function, e.g. 'log(sin(x^3-2))' or LaTeX"),
    ("error.parse.unknown_function", "unknown function '{run}' (bibun knows sin, log, ...)"),
    ("rule.exp_base.says", "a^x differentiates to a^x times ln a"),
    ("tour.limit", "The slope of the line through A and B is (f(a+h) - f(a))/h."),
])
def test_a_good_english_line_passes(key, good):
    assert en_problems(key, good) == []
