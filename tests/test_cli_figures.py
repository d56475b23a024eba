"""Bad input to `bibun plot`, `graph`, `train` and `vanishing` (and the figure files of
`descend` and `fit`): one clear line on stderr,
exit code 2, no traceback, no hang, nothing silently wrong, and no work wasted (names and
numbers are checked before anything is computed)."""

from __future__ import annotations

import argparse

import pytest
from matplotlib.figure import Figure

from bibun.cli import main
from bibun.cli._args import bounded_int, nonnegative_int, output_path
from bibun.errors import BibunError


def fails(capsys, args: list[str], *needles: str) -> str:
    """Run the CLI expecting exit code 2 and one `bibun: error:` line mentioning every
    needle; returns that line.  Nothing may have been printed on stdout (no work)."""
    code = main(args)
    captured = capsys.readouterr()
    assert code == 2, (args, captured.out, captured.err)
    lines = [ln for ln in captured.err.splitlines() if ln.strip()]
    assert lines and lines[-1].startswith("bibun: error: "), captured.err
    assert "Traceback" not in captured.err
    for n in needles:
        assert n in lines[-1], (n, lines[-1])
    assert captured.out == "", captured.out
    return lines[-1]


def run_argparse(capsys, args: list[str], *needles: str) -> str:
    """A usage error found by argparse: exit 2, one line."""
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bibun: error: ") and "\n" not in err, err
    for n in needles:
        assert n in err, (n, err)
    return err


@pytest.fixture
def figures(monkeypatch):
    """Every Figure saved during the test (to look at titles and ticks)."""
    saved: list[Figure] = []
    original = Figure.savefig

    def savefig(self, *a, **kw):
        saved.append(self)
        return original(self, *a, **kw)

    monkeypatch.setattr(Figure, "savefig", savefig)
    return saved


# -- output files: checked before any work, by one shared helper -----------------------


@pytest.mark.parametrize("args", [
    ["plot", "x^2", "-o", "{d}/out.xyz"],
    ["graph", "x^2", "--at", "x=1", "-o", "{d}/out.xyz"],
    ["train", "--data", "iris", "--epochs", "1", "--quiet", "--plot", "{d}/out.xyz"],
    ["train", "--data", "iris", "--epochs", "1", "--quiet", "--save", "{d}/out.xyz"],
    ["vanishing", "--depth", "2", "--width", "4", "--plot", "{d}/out.xyz"],
    ["descend", "x^2", "--from", "1", "--plot", "{d}/out.xyz"],
    ["fit", "{d}/data.csv", "--plot", "{d}/out.xyz"],
])
def test_unsupported_output_extension_is_refused_before_any_work(tmp_path, capsys, args):
    args = [a.format(d=tmp_path) for a in args]
    fails(capsys, args, "unsupported file type ('.xyz')", "must end in")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["plot", "x^2", "-o", "{d}/missing/out.png"],
    ["graph", "x^2", "--at", "x=1", "-o", "{d}/missing/g.svg"],
    ["train", "--data", "iris", "--epochs", "1", "--quiet", "--plot", "{d}/missing/l.png"],
    ["train", "--data", "iris", "--epochs", "1", "--quiet", "--save", "{d}/missing/m.npz"],
    ["vanishing", "--depth", "2", "--width", "4", "--plot", "{d}/missing/v.png"],
    ["descend", "x^2", "--from", "1", "--plot", "{d}/missing/p.png"],
    ["fit", "{d}/data.csv", "--plot", "{d}/missing/f.png"],
])
def test_missing_output_directory_is_named_not_created(tmp_path, capsys, args):
    args = [a.format(d=tmp_path) for a in args]
    fails(capsys, args, "the directory", "missing does not exist")
    assert not (tmp_path / "missing").exists()


def test_directory_given_as_output_file(tmp_path, capsys):
    d = tmp_path / "pics.png"
    d.mkdir()
    fails(capsys, ["plot", "x^2", "-o", str(d)], "names a directory", "pics.png/out.png")
    fails(capsys, ["graph", "x", "--at", "x=1", "-o", str(tmp_path) + "/"], "names a directory")
    fails(capsys, ["descend", "x^2", "--from", "1", "--plot", str(d)], "names a directory")
    fails(capsys, ["fit", str(tmp_path / "data.csv"), "--plot", str(d)], "names a directory")


def test_output_path_helper(tmp_path):
    assert output_path(None, (".png",)) is None
    assert output_path(str(tmp_path / "A.PNG"), (".png",)).name == "A.PNG"  # any case
    with pytest.raises(BibunError, match="no extension"):
        output_path(str(tmp_path / "plot"), (".png", ".svg"))
    with pytest.raises(BibunError, match="needs a file name"):
        output_path(" ", (".png",))
    (tmp_path / "file").write_text("")
    with pytest.raises(BibunError, match="is not a directory"):
        output_path(str(tmp_path / "file" / "x.png"), (".png",))


def test_numeric_argument_types():
    assert nonnegative_int("0") == 0
    with pytest.raises(argparse.ArgumentTypeError, match=">= 0"):
        nonnegative_int("-1")
    parse = bounded_int(1, 100, "ask politely")
    assert parse("100") == 100
    with pytest.raises(argparse.ArgumentTypeError, match="at most 100.*ask politely"):
        parse("101")
    with pytest.raises(argparse.ArgumentTypeError, match="from 1 to 100, got 0"):
        parse("0")
    with pytest.raises(argparse.ArgumentTypeError, match="whole number"):
        parse("2.5")
    unbounded = bounded_int(1)  # no upper bound: positive_int
    assert unbounded("10000000000") == 10**10
    with pytest.raises(argparse.ArgumentTypeError, match="whole number >= 1, got 'x'"):
        unbounded("x")


def test_vanishing_command_line_depth_is_the_probe_limit():
    # the CLI keeps its own copy (importing bibun.nn.vanishing would slow every command)
    from bibun.cli.vanishing import MAX_DEPTH
    from bibun.nn.vanishing import MAX_DEPTH as PROBE_MAX_DEPTH

    assert MAX_DEPTH == PROBE_MAX_DEPTH


# -- train ------------------------------------------------------------------------------


@pytest.mark.parametrize("option,value,needle", [
    ("--epochs", "0", "from 1 to 100,000, got 0"),
    ("--lr", "0", "> 0"),
    ("--lr", "nan", "> 0"),
    ("--hidden", "0", "from 1 to 1,024, got 0"),
    ("--batch-size", "0", ">= 1"),
    ("--seed", "-1", ">= 0"),
    ("--hidden", "-3", "from 1 to 1,024, got -3"),
])
def test_train_zero_or_negative_is_an_error_not_the_default(capsys, option, value, needle):
    run_argparse(capsys, ["train", "--data", "iris", "--quiet", option, value], option, needle)


def test_train_upper_limits_are_polite(capsys):
    run_argparse(capsys, ["train", "--epochs", "1000000"], "at most 100,000", "Python API")
    run_argparse(capsys, ["train", "--hidden", "100000"], "at most 1,024")


def test_train_refuses_a_run_of_hours_before_starting(capsys):
    line = fails(capsys, ["train", "--data", "digits", "--hidden", "1024", "--epochs", "100000",
                          "--quiet"], "would take about", "hours", "fewer --epochs")
    assert "minutes" in line


def test_train_activation_of_an_lstm_is_an_error_not_ignored(capsys):
    fails(capsys, ["train", "--data", "sine", "--activation", "relu", "--epochs", "1"],
          "--activation", "lstm")


def test_train_header_shows_the_settings_used(capsys):
    assert main(["train", "--data", "iris", "--epochs", "1", "--batch-size", "100000",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "mlp with tanh" in out and "1 epoch of batches of 120" in out
    assert main(["train", "--data", "sine", "--model", "rnn", "--epochs", "1", "--hidden", "4",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "rnn," in out and "with tanh" not in out and "1 epoch " in out


def test_train_plot_has_whole_epochs_and_shows_one_epoch(tmp_path, capsys, figures):
    png = tmp_path / "loss.png"
    assert main(["train", "--data", "iris", "--epochs", "1", "--quiet", "--plot", str(png)]) == 0
    fig = figures[-1]
    for ax in fig.axes:
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
        assert all(line.get_marker() == "o" for line in ax.get_lines())  # one epoch: a dot


# -- vanishing --------------------------------------------------------------------------


def test_vanishing_one_layer_is_singular(capsys):
    assert main(["vanishing", "--depth", "1", "--width", "4"]) == 0
    out = capsys.readouterr().out
    assert "the 1 sigmoid layer between the last layer and the first multiplies the gradient" \
        in out and "sigmoid layers" not in out.split("so")[-1].split("\n")[0]
    assert main(["vanishing", "--depth", "2", "--width", "4"]) == 0
    assert "the 2 sigmoid layers between the last layer and the first multiply the gradient" \
        in capsys.readouterr().out


@pytest.mark.parametrize("option,value,needle", [
    ("--width", "0", "got 0"),  # the bound is said as ">= 1" or "from 1 to 1,024"
    ("--width", "-1", "got -1"),
    ("--depth", "0", "got 0"),
    ("--steps", "-3", "got -3"),
    ("--lr", "0", "> 0"),
    ("--seed", "-1", ">= 0"),
    ("--width", "100000", "at most 1,024"),
    ("--depth", "201", "at most 200"),
    ("--steps", "1000000", "at most 10,000"),
])
def test_vanishing_bad_numbers(capsys, option, value, needle):
    run_argparse(capsys, ["vanishing", option, value], option, needle)


def test_vanishing_refuses_a_run_of_hours_before_starting(capsys):
    fails(capsys, ["vanishing", "--depth", "200", "--width", "64", "--steps", "10000"],
          "would take about", "minutes", "smaller --width, --depth or --steps")


def test_vanishing_diverged_training_is_reported_in_the_table(capsys):
    assert main(["vanishing", "--depth", "3", "--width", "4", "--steps", "3", "--lr", "1e9"]) == 0
    captured = capsys.readouterr()
    assert "→diverged" in captured.out and "Warning" not in captured.err
    row = next(ln for ln in captured.out.splitlines() if ln.strip().startswith("loss"))
    assert len(row) < 60  # three columns of 14, not a 100-digit number


def test_vanishing_plot_whole_layers_and_title(tmp_path, capsys, figures):
    assert main(["vanishing", "--depth", "1", "--width", "4", "--plot",
                 str(tmp_path / "v.png")]) == 0
    ax = figures[-1].axes[0]
    assert ax.get_title().endswith("1 hidden layer")
    lo, hi = ax.get_xlim()
    assert all(float(t).is_integer() for t in ax.get_xticks() if lo <= t <= hi)


# -- graph ------------------------------------------------------------------------------


@pytest.mark.parametrize("expr,at,needles", [
    ("relu(x)", "x=0", ("relu is not differentiable at x = 0",)),
    ("abs(x)", "x=0", ("abs is not differentiable at x = 0",)),
    ("|x - 1| + y", "x=1,y=2", ("abs is not differentiable", "x = 1", "y = 2")),
    ("sqrt(x)", "x=0", ("not differentiable at x = 0",)),
    ("log(x)", "x=-1", ("undefined at x = -1",)),
    ("sqrt(x)", "x=-1", ("not real at x = -1",)),
    ("1/x", "x=0", ("division by zero", "x = 0")),
])
def test_graph_corner_or_outside_the_domain_says_what_and_where(tmp_path, capsys, expr, at,
                                                                 needles):
    line = fails(capsys, ["graph", expr, "--at", at, "-o", str(tmp_path / "g.svg")], *needles)
    assert "nan" not in line.lower().replace(":", " ").split()
    assert not (tmp_path / "g.svg").exists()


def test_graph_smooth_point_of_a_corner_function_is_fine(tmp_path, capsys):
    assert main(["graph", "x|x|", "--at", "x=0", "-o", str(tmp_path / "g.svg")]) == 0
    assert "∂f/∂x = 0" in capsys.readouterr().out


def test_graph_value_for_a_variable_not_in_the_formula(capsys):
    fails(capsys, ["graph", "x^2", "--at", "x=1,y=2"], "y is not in the formula x^2",
          "its variables are x")
    fails(capsys, ["graph", "x^2", "--at", "X=1"], "X is not in the formula")


def test_graph_float_overflow_is_named(capsys):
    fails(capsys, ["graph", "(x^2)^200", "--at", "x=10"], "x^400", "too large for a float")
    fails(capsys, ["graph", "sin(x^310)", "--at", "x=10"], "too large for a float")
    fails(capsys, ["graph", "exp(x)", "--at", "x=1000"], "too large for a float")


def test_graph_format_must_match_the_file_name(tmp_path, capsys):
    fails(capsys, ["graph", "x", "--at", "x=1", "--format", "dot", "-o", str(tmp_path / "g.svg")],
          "--format dot does not match", ".dot or .gv")
    fails(capsys, ["graph", "x", "--at", "x=1", "-o", str(tmp_path / "g.dot"), "--engine",
                   "builtin"], "--engine")
    assert main(["graph", "x", "--at", "x=1", "-o", str(tmp_path / "g.gv")]) == 0
    assert (tmp_path / "g.gv").read_text().startswith("digraph")


def test_graph_of_a_huge_formula_is_refused_quickly(capsys):
    deep = "sin(" * 2500 + "x" + ")" * 2500
    fails(capsys, ["graph", deep, "--at", "x=1"], "distinct parts", "up to 2,000")


def test_graph_formula_may_start_with_a_minus_and_warnings_are_shown(tmp_path, capsys):
    assert main(["graph", "-x^2", "--at", "x=1", "-o", str(tmp_path / "g.dot")]) == 0
    assert "∂f/∂x = -2" in capsys.readouterr().out
    assert main(["graph", "1/2x", "--at", "x=1", "-o", str(tmp_path / "g.dot")]) == 0
    assert "bibun: warning:" in capsys.readouterr().err


# -- plot -------------------------------------------------------------------------------


def test_plot_loss_file_missing_or_malformed(tmp_path, capsys):
    fails(capsys, ["plot", "--kind", "loss", str(tmp_path / "nofile.txt"),
                   "-o", str(tmp_path / "l.png")], "no such file", "nofile.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2 abc\n")
    fails(capsys, ["plot", "--kind", "loss", str(bad), "-o", str(tmp_path / "l.png")],
          "loss value 3 in", "bad.txt", "'abc'")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00")
    fails(capsys, ["plot", "--kind", "loss", str(binary), "-o", str(tmp_path / "l.png")],
          "not a text file")
    fails(capsys, ["plot", "--kind", "loss", str(tmp_path), "-o", str(tmp_path / "l.png")],
          "is a directory")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    fails(capsys, ["plot", "--kind", "loss", str(empty), "-o", str(tmp_path / "l.png")],
          "no loss values in")
    nan = tmp_path / "nan.txt"
    nan.write_text("nan inf\n")
    fails(capsys, ["plot", "--kind", "loss", str(nan), "-o", str(tmp_path / "l.png")],
          "finite")
    assert not (tmp_path / "l.png").exists()


def test_plot_loss_single_value_has_whole_epoch_ticks(tmp_path, capsys, figures):
    assert main(["plot", "--kind", "loss", "0.5", "-o", str(tmp_path / "l.png")]) == 0
    ax = figures[-1].axes[0]
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


@pytest.mark.parametrize("rng,needles", [
    ("5,5", ("empty", "need a < b")),
    ("3,-3", ("empty", "did you mean -3,3")),
    ("1e300,1e301", ("too large for a float everywhere",)),
    ("-1e308,1e308", ("too wide",)),
    ("1,1.0000000000000002", ("too narrow",)),
    ("1,2,3", ("two numbers", "'1,2,3'")),
])
def test_plot_bad_range(tmp_path, capsys, rng, needles):
    fails(capsys, ["plot", "x^2", "--range", rng, "-o", str(tmp_path / "f.png")], *needles)


def test_plot_formula_undefined_on_the_whole_range(tmp_path, capsys):
    fails(capsys, ["plot", "log(x)", "--range", "-3,-1", "-o", str(tmp_path / "f.png")],
          "undefined everywhere on [-3, -1]")
    fails(capsys, ["plot", "x^2+y^2", "--kind", "contour", "--range", "1e300,1e301",
                   "-o", str(tmp_path / "c.png")], "too large for a float everywhere on the box")


def test_plot_option_for_another_kind_is_an_error_not_ignored(tmp_path, capsys):
    out = str(tmp_path / "p.png")
    fails(capsys, ["plot", "--kind", "sigmoid", "x^2", "-o", out], "takes no formula")
    fails(capsys, ["plot", "--kind", "contour", "x^2+y^2", "--order", "2", "-o", out],
          "--order does not apply to --kind contour", "function, series")
    fails(capsys, ["plot", "--kind", "loss", "1,2", "--range", "1,2", "-o", out], "--range")
    fails(capsys, ["plot", "x^2", "--from", "1,2", "-o", out], "--from")
    fails(capsys, ["plot", "--kind", "contour", "x^2+y^2", "--lr", "0.5", "-o", out],
          "give --from too")


def test_plot_order_zero_is_zero(tmp_path, capsys, monkeypatch):
    import bibun.plot

    seen = {}
    monkeypatch.setattr(bibun.plot, "plot_series",
                        lambda e, out, **kw: seen.update(kw) or out)
    assert main(["plot", "--kind", "series", "sin(x)", "--order", "0",
                 "-o", str(tmp_path / "s.png")]) == 0
    assert seen["orders"] == [0]
    fails(capsys, ["plot", "x^2", "--order", "0", "--derivative", "-o", str(tmp_path / "f.png")],
          "--derivative", "--order 0")


def test_plot_numbers_are_named_in_errors(tmp_path, capsys):
    out = str(tmp_path / "p.png")
    fails(capsys, ["plot", "x^2", "--tangent-at", "abc", "-o", out], "--tangent-at")
    fails(capsys, ["plot", "--kind", "error", "x^2", "--at", "abc", "-o", out], "--at")
    fails(capsys, ["plot", "--kind", "error", "x^2", "--at", "1,2", "-o", out], "one number")
    run_argparse(capsys, ["plot", "--kind", "contour", "x^2+y^2", "--from", "1,2", "--lr", "0"],
                 "--lr")
    run_argparse(capsys, ["plot", "--kind", "contour", "x^2+y^2", "--from", "1,2", "--steps",
                          "100000000"], "at most 10,000")


def test_plot_tangent_point_outside_the_range(tmp_path, capsys, figures):
    fails(capsys, ["plot", "x^2", "--tangent-at", "10", "--range", "-3,3",
                   "-o", str(tmp_path / "t.png")], "tangent point x = 10 is outside")
    # without --range the window follows the point instead of flattening the picture
    assert main(["plot", "x^2", "--tangent-at", "10", "-o", str(tmp_path / "t.png")]) == 0
    ax = figures[-1].axes[0]
    lo, hi = ax.get_xlim()
    assert lo < 10 < hi and ax.get_title() == "A function and its tangent line"


def test_plot_title_matches_what_is_drawn(tmp_path, capsys, figures):
    assert main(["plot", "x^2", "-o", str(tmp_path / "a.png")]) == 0
    assert figures[-1].axes[0].get_title() == "Graph of the function"
    assert main(["plot", "x^2", "--derivative", "-o", str(tmp_path / "b.png")]) == 0
    assert figures[-1].axes[0].get_title() == "A function and its derivatives"
    assert main(["plot", "x^2", "--lang", "ja", "-o", str(tmp_path / "c.png")]) == 0
    assert figures[-1].axes[0].get_title() == "関数のグラフ"


def test_plot_surface_default_point_moves_into_a_given_box(tmp_path, capsys, monkeypatch):
    import bibun.plot

    seen = {}
    monkeypatch.setattr(bibun.plot, "plot_surface", lambda e, out, **kw: seen.update(kw) or out)
    assert main(["plot", "--kind", "surface", "x^2+y^2", "--range", "-1,1",
                 "-o", str(tmp_path / "s.png")]) == 0
    assert seen["at"] == (0.0, 0.0)
    monkeypatch.undo()
    fails(capsys, ["plot", "--kind", "surface", "x^2+y^2", "--range", "-1,1", "--at", "3,4",
                   "-o", str(tmp_path / "s.png")], "(3, 4) is outside the box")


def test_plot_huge_points_are_refused_not_drawn_wrong(tmp_path, capsys):
    fails(capsys, ["plot", "--kind", "error", "sin(x)", "--at", "1e300",
                   "-o", str(tmp_path / "e.png")], "neighbouring floats")
    fails(capsys, ["plot", "--kind", "series", "sin(x)", "--at", "1e300",
                   "-o", str(tmp_path / "s.png")], "too large to draw around")


def test_plot_high_derivatives_of_a_deep_nest_are_refused_quickly(tmp_path, capsys):
    nest = "sin(" * 20 + "x" + ")" * 20
    fails(capsys, ["plot", nest, "--order", "6", "-o", str(tmp_path / "d.png")],
          "distinct parts", "draw up to order")


def test_plot_shows_parser_warnings(tmp_path, capsys):
    assert main(["plot", "1/2x", "-o", str(tmp_path / "w.png")]) == 0
    assert "bibun: warning:" in capsys.readouterr().err


def test_plot_kinds_match_the_library():
    from bibun.cli.plot import OPTIONS
    from bibun.plot import KINDS

    assert tuple(OPTIONS) == KINDS
