// bibun workbench — numbers as a person writes them, in the page.
//
// The one formatter lives in Python (bibun/numtext.py); the page writes the numbers the
// server sends as texts (`exact`, `display`) and only numbers it computes itself or gets
// as plain floats (plot points, slopes, descent paths, node values) through this file.
// It is that formatter's float rule, not a second set of rules: numberText(v) is exactly
// Python's number_text(v, style="unicode") for every finite float — 6 significant digits
// rounded half to even on the exact binary value, no trailing zeros, never -0, and
// 1.5×10⁷ / 2.5×10⁻⁷ from 10⁶ on and below 10⁻⁴ — which tests/test_web_numtext.py checks
// in Node against the Python function on a table the test generates.  Non-finite values
// (which Python refuses) are "—".
(function (root) {
  "use strict";
  const SIGNIFICANT = 6, LARGE = 1e6, SMALL = 1e-4;
  const SUP = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

  // the p leading significant digits of a > 0 rounded half to even, and the decimal
  // exponent of the first: toExponential(99) is exact to 100 digits (ECMA-262), enough to
  // tell a tie (…5 followed by zeros) from a value just above or below it
  function rounded(a, p) {
    const [m, e] = a.toExponential(99).split("e");
    const all = m.replace(".", "");
    let head = all.slice(0, p);
    const rest = all.slice(p);
    let exp = parseInt(e, 10);
    const up = rest[0] > "5" || (rest[0] === "5" && (/[1-9]/.test(rest.slice(1)) || (+head[p - 1]) % 2 === 1));
    if (up) {
      const digits = [...head].map(Number);
      let i = p - 1;
      while (i >= 0 && digits[i] === 9) { digits[i] = 0; i -= 1; }
      if (i < 0) { digits.unshift(1); digits.pop(); exp += 1; } else digits[i] += 1;
      head = digits.join("");
    }
    return [head, exp];
  }

  const trim = (s) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);

  function numberText(v) {
    if (typeof v !== "number" || !Number.isFinite(v)) return "—";
    if (v === 0) return "0";                        // and -0
    const a = Math.abs(v), sign = v < 0 ? "-" : "";
    const [d, exp] = rounded(a, SIGNIFICANT);
    if (a >= SMALL && a < LARGE && exp < 6) {       // Python's .6g in fixed notation
      const fixed = exp >= 0 ? `${d.slice(0, exp + 1)}.${d.slice(exp + 1)}` : `0.${"0".repeat(-exp - 1)}${d}`;
      return sign + trim(fixed);
    }
    const mant = trim(`${d[0]}.${d.slice(1)}`);
    return `${v < 0 ? "−" : ""}${mant}×10${[...String(exp)].map((c) => SUP[c]).join("")}`;
  }

  const api = { numberText };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.bibunNumtext = api;
})(this);
