"""The page's number formatter is the Python one: one set of rules, proven equal.

static/numtext.js writes the floats the page formats itself (slopes, descent paths, node
values, plot ranges).  Here Node (Debian's nodejs, which the browser tests' setup
installs with chromium) runs it on a table generated from the Python side, and every
text must equal ``bibun.numtext.number_text(v, style="unicode")``: the boundaries of
scientific notation, rounding ties (half to even on the exact binary value), carries
(999999.5 → 1×10⁶), signs and -0, and a few thousand random floats over the whole range.
"""

from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess
from importlib.resources import files
from pathlib import Path

import pytest

from bibun.numtext import number_text

NUMTEXT_JS = Path(str(files("bibun.web").joinpath("static", "numtext.js")))

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-4, -1e-4, 9.99999e-5, 0.000099999951, 0.00009999995,
         1e6, 999999.0, 999999.4, 999999.5, 999999.7, -999999.7, 123456.5, 123457.5,
         0.1 + 0.2, 1 / 3, 2 / 3, 2**-1074, 2**-1022, 1.7976931348623157e308, 1e21, 1e-7,
         2.5e-7, 1.5e7, 1770000000000000000.0, 3.0600000000000005, 7.45, 100.0, 1234.5,
         0.30000000000000004, 1.0000005, 1.0000015, 12.34565, 9.999995, 99999.95, 0.1,
         4.5, 5.5, -2.5e-300, 6.02214076e23, 42.0, 1e5, 123456.0, 1234567.0]


def table() -> list[float]:
    rng = random.Random(20261203)
    xs = list(EDGES)
    for _ in range(2000):  # any double: random bits, finite ones kept
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if x == x and abs(x) != float("inf"):
            xs.append(x)
    for _ in range(2000):  # the magnitudes a page shows, and their ties
        xs.append(rng.choice([-1, 1]) * 10 ** rng.uniform(-7, 9))
        xs.append(rng.randint(-10**7, 10**7) / 2 ** rng.randint(0, 12))
    return xs


def run_js(values: list[float], *calls: str) -> list[str]:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.fail("node is missing: install Debian's nodejs (make test does)")
    script = (f"const m = require({json.dumps(str(NUMTEXT_JS))});"
              "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8')).map(Number);"
              f"const extra = [{', '.join(calls)}];"
              "process.stdout.write(JSON.stringify(xs.map(m.numberText).concat("
              "extra.map(m.numberText))));")
    out = subprocess.run([node, "-e", script], input=json.dumps([repr(v) for v in values]),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_page_writes_every_float_as_the_python_formatter_does():
    xs = table()
    got = run_js(xs)[:len(xs)]
    wrong = [(x, js, number_text(x, style="unicode")) for x, js in zip(xs, got, strict=True)
             if js != number_text(x, style="unicode")]
    assert wrong == [], wrong[:10]
    # the table reaches every rule: fixed, scientific both ways, ties, carries, signs
    assert {"0", "-1", "0.0001", "9.99999×10⁻⁵", "999999", "1×10⁶", "−1×10⁶", "123456",
            "123458", "2.5×10⁻⁷", "1.77×10¹⁸", "0.333333"} <= set(got)


def test_what_python_refuses_the_page_shows_as_a_dash():
    assert run_js([], "Infinity", "-Infinity", "NaN", "null", "'7'")[-5:] == ["—"] * 5


def test_values_the_server_computes_come_with_the_pages_text():
    """number_out: the page shows ``exact`` when short and exact, else ``display`` — the
    same formatter's unicode form, so it never formats those values itself."""
    from fractions import Fraction

    from bibun.web.tasks import number_out

    for v in (2.5e-7, 1770000000000000000.0, 0.1 + 0.2, -123456.5):
        out = number_out(v)
        assert out["display"] == number_text(v, style="unicode") and "exact" not in out
    third = number_out(Fraction(1, 3))
    assert third["exact"] == "1/3" and third["display"] == "1/3"
    assert number_out(10**20)["display"] == "1×10²⁰"
