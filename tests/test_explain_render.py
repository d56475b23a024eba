"""Printers over derivations: both languages for every rule, every format, catalogs, schema."""

from __future__ import annotations

import json
import re
import string
import xml.etree.ElementTree as ET

import pytest

from bibun import i18n
from bibun.errors import BibunError
from bibun.explain import default_lang, derivation
from bibun.explain import messages as M
from bibun.explain.derivation import RULES
from bibun.explain.render import FORMATS
from bibun.explain.schema import derivation_schema, validate
from bibun.functions import RULES as RULE_TABLE
from tests.test_explain_derivation import RULE_EXAMPLES


def fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


# -- catalogs ----------------------------------------------------------------------------


def test_catalogs_have_the_same_keys_and_placeholders():
    en, ja = i18n.catalog("en"), i18n.catalog("ja")
    assert set(en) == set(ja)
    for key in en:
        assert fields(en[key]) == fields(ja[key]), key


def test_every_rule_and_function_has_words_in_both_languages():
    for lang in i18n.LANGS:
        for rule in RULES:
            assert i18n.has(f"rule.{rule}.name", lang) and i18n.has(f"rule.{rule}.says", lang)
        for name in {r.name for r in RULE_TABLE.values()}:
            assert i18n.has(f"fn.{name}", lang), name


def test_japanese_uses_the_seeds_vocabulary():
    ja = i18n.catalog("ja")
    assert ja["rule.chain.name"] == "合成関数の微分（連鎖律）"
    assert ja["rule.chain.says"] == "外側の微分 × 内側の微分"
    assert ja["rule.quotient.name"] == "商の微分"
    assert ja["rule.constant_multiple.name"] == "定数倍"
    assert ja["rule.sum.name"] == "和の微分"
    assert "定数として扱います" in ja["note.partial"]
    assert ja["step"] == "手順{n}"


def test_language_defaults_to_bibun_lang_then_the_locale(monkeypatch):
    for var in ("BIBUN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert default_lang() == "ja"
    monkeypatch.setenv("BIBUN_LANG", "en")
    assert default_lang() == "en"
    monkeypatch.setenv("BIBUN_LANG", "ja")
    assert "手順1" in derivation("x^2").render()
    with pytest.raises(BibunError, match="unknown language"):
        derivation("x^2").render(lang="fr")


# -- every rule, both languages, every format --------------------------------------------


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_rule_renders_in_both_languages(rule, lang):
    expr, var = RULE_EXAMPLES[rule]
    d = derivation(expr, var)
    text = d.render(lang=lang, format="text", detail="full")
    assert M.text(f"rule.{rule}.name", lang) in text
    for fmt in FORMATS:
        out = d.render(lang=lang, format=fmt)
        assert out.strip()
        if lang == "ja" and fmt != "json":
            assert re.search("[\u3040-\u30ff]", out)  # kana: it really is Japanese


def test_seed_chain_rule_reads_like_the_seed_in_japanese():
    text = derivation("(2x + 3)^2").render(lang="ja")
    lines = text.splitlines()
    assert lines[0] == "y = (2x + 3)² を x で微分します"
    assert "手順1 合成関数の微分（連鎖律）：外側の微分 × 内側の微分" in text
    assert "中身を u で表します：u = 2x + 3 とおくと y = u² となります" in text
    assert "【外側の微分】べき乗の微分：dy/du = 2·u^(2 − 1) = 2u" in text
    assert "【内側の微分】和の微分" in text
    assert "掛け算して u を元に戻します：dy/dx = dy/du·du/dx = 2u·2 = 4u = 4(2x + 3)" in text
    assert "答え：dy/dx = 4(2x + 3)" in text
    assert "一致します。" in text and "（！）" not in text  # check by expanding


def test_seed_texts_in_english():
    text = derivation("1/(x^3 + 1)").render(lang="en")
    assert "Quotient rule" in text and "(0·(x³ + 1) − 1·3x²)/(x³ + 1)²" in text
    text = derivation("x^2 + y^2", "x").render(lang="en")
    assert "Partial derivative of z = x² + y² with respect to x" in text
    assert "(y) are treated as constants" in text and "∂z/∂x = ∂/∂x (x²) + ∂/∂x (y²)" in text


def test_partial_derivative_note_in_japanese():
    text = derivation("x^2 + y^2", "x").render(lang="ja")
    assert "偏微分では x 以外の変数（y）を定数として扱います" in text
    assert "y は定数として扱うので、微分すると 0 になります。" in text


def test_sigmoid_derivation_ends_in_the_identity():
    text = derivation("(1 + e^{-z})^{-1}").render(lang="ja")
    assert "1/(1 + e^(−z)) = sigmoid(z) を使いました。" in text
    assert "答え：dy/dz = e^(−z)/(1 + e^(−z))² = sigmoid(z)(1 − sigmoid(z))" in text


def test_detail_full_shows_trivial_steps():
    d = derivation("3x")
    normal, full = d.render("en"), d.render("en", detail="full")
    assert "Step 1. Constant multiple: dy/dx = 3·(x)′ = 3·1 = 3" in normal
    assert "Variable" not in normal
    assert "Step 2. Variable: (x)′ = 1" in full
    with pytest.raises(BibunError):
        d.render("en", detail="some")


def test_markdown_uses_inline_latex():
    md = derivation("(x^3+1)^2").render(lang="en", format="markdown")
    assert md.startswith("### Differentiate $y = \\left(x^{3} + 1\\right)^{2}$")
    assert "- **Step 1.** Chain rule" in md


def test_latex_is_an_aligned_block_with_balanced_braces():
    tex = derivation("log(sin(x^3 - 2))").render(lang="ja", format="latex")
    assert tex.startswith("\\begin{aligned}") and tex.rstrip().endswith("\\end{aligned}")
    assert tex.count("{") == tex.count("}")
    assert "\\frac{dy}{dx} &= \\frac{dy}{du} \\cdot \\frac{du}{dx}" in tex


def test_mathml_output_is_well_formed():
    for expr in ("(e^x - e^-x)/(e^x + e^-x)", "x^2 + y^2", "sqrt(x) + |x| + cbrt(x)"):
        html = derivation(expr).render(lang="en", format="mathml")
        root = ET.fromstring(html.replace("&#x2062;", "&#8290;").replace("&#x2061;", "&#8289;"))
        maths = root.findall(".//{http://www.w3.org/1998/Math/MathML}math")
        assert root.tag == "div" and len(maths) > 3


def test_unknown_format_is_an_error():
    with pytest.raises(BibunError, match="unknown format"):
        derivation("x").render(format="pdf")


# -- JSON --------------------------------------------------------------------------------


def test_schema_lists_exactly_the_rules():
    assert derivation_schema()["$defs"]["rule"]["enum"] == list(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_json_matches_the_schema(rule):
    expr, var = RULE_EXAMPLES[rule]
    for lang in ("en", "ja"):
        data = json.loads(derivation(expr, var).render(lang=lang, format="json"))
        assert validate(data) == []


def test_json_against_a_real_validator_when_available():
    jsonschema_rs = pytest.importorskip("jsonschema_rs")
    v = jsonschema_rs.validator_for(derivation_schema())
    for expr in ("(2x+3)^2", "1/(1+e^-x)", "(x^2+y^2) sin(xy)", "f(g(x))", "relu(x)"):
        assert v.is_valid(derivation(expr).to_json("ja"))


def test_json_fields_carry_the_tree():
    data = derivation("(2x + 3)^2").to_json("en")
    assert data["result"]["text"] == "4(2x + 3)" and data["variable"] == "x"
    root = data["steps"][0]
    assert root["rule"] == "chain" and root["names"][0]["name"] == "u"
    assert [s["role"] for s in root["substeps"]] == ["outer", "inner"]
    assert root["work"][-1]["text"] == "4u"
    assert data["rules"][0] == "chain" and data["steps"][-1]["check"]["kind"] == "numeric"


def test_validator_reports_problems_with_paths():
    data = derivation("x^2").to_json()
    data["steps"][0]["rule"] = "magic"
    del data["steps"][0]["lhs"]
    data["extra"] = 1
    problems = validate(data)
    assert "$.steps[0]: missing 'lhs'" in problems
    assert "$.steps[0].rule: 'magic' is not one of the allowed values" in problems
    assert "$: unexpected field 'extra'" in problems


def test_self_derivative_note_is_said_once_per_derivation():
    text = derivation("tanh(tanh(x)) + tanh(x)", "x").render(lang="ja", format="text")
    assert text.count(M.text("note.self_derivative", "ja")) == 1


def test_japanese_function_notes_have_no_space_before_the_function_name():
    for key in ("note.corner", "note.jump", "note.vertical"):
        msg = M.text(key, "ja", condition="x = 0", function=M.text("fn.abs", "ja"))
        assert "で 絶対値" not in msg and "では 絶対値" not in msg
    text = derivation("|x|", "x").render(lang="ja", format="text")
    assert "のところで 絶対値" not in text


def test_cli_notes_and_forms_title_exist_in_both_catalogs():
    assert M.text("note.not_differentiable", "en", function="|x|", condition="x = 0") == \
        "note: |x| is not differentiable where x = 0"
    assert M.text("note.not_differentiable", "ja", function="|x|", condition="x = 0") == \
        "注意：|x| は x = 0 のところで微分できません"
    assert M.text("forms.title", "en") == "forms:"
    assert M.text("forms.title", "ja") == "別の形："
