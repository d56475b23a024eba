"""Work budgets checked before the work (issue 14): CSV data is streamed with row, column,
line, cell and size limits; a deep, wide vanishing-gradient probe is refused by its
memory estimate before it allocates; ``bibun graph`` refuses a huge formula before
parsing it."""

from __future__ import annotations

import pytest

from bibun.cli import main
from bibun.errors import BibunError, LimitError
from bibun.fit import data as fitdata
from bibun.fit.data import read_csv
from bibun.nn.vanishing import MAX_BYTES, estimated_bytes, probe


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_fit_of_an_endless_file_ends_at_once_with_a_clear_error(capsys):
    code, out, err = run(capsys, "fit", "/dev/zero")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "/dev/zero: line 1 is longer than 65,536 characters" in err


def test_a_csv_field_over_the_csv_modules_limit_is_a_bibun_error(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x,y\n1," + "9" * 131_073 + "\n")
    with pytest.raises(BibunError, match="line 2 is longer than"):
        read_csv(p)


def test_a_quoted_cell_running_past_the_field_limit_is_a_bibun_error(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text('x,y\n1,"' + ("9" * 60_000 + "\n") * 3)
    with pytest.raises(BibunError, match="runs on for more than"):
        read_csv(p)


def test_a_long_cell_is_refused_naming_row_and_column(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x,y\n1,2\n3," + "9" * 2_000 + "\n")
    with pytest.raises(BibunError, match=r"row 3, column 'y': the cell has 2,000 characters"):
        read_csv(p)


def test_rows_past_the_limit_are_refused(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x,y\n" + "".join(f"{i},{2 * i}\n" for i in range(11)))
    assert read_csv(p, max_rows=11).n == 11
    with pytest.raises(LimitError, match="more than 10 data rows"):
        read_csv(p, max_rows=10)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x,y\n" + "1,2\n" * 1000)
    with pytest.raises(BibunError, match="larger than 0.001 MB"):
        read_csv(p, max_bytes=1000)


def test_too_many_columns_are_refused(tmp_path):
    p = tmp_path / "d.csv"
    n = fitdata.MAX_COLUMNS + 1
    p.write_text(",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("1" * n) + "\n")
    with pytest.raises(BibunError, match=f"{n:,} columns"):
        read_csv(p)


@pytest.mark.parametrize("content, says", [
    (b"x,y\n1,\x002\n", "is not a number"),  # Python 3.11+ reads NUL bytes into cells
    (b"x,y\n1,\xff\xfe\n", "not UTF-8"),
])
def test_a_binary_file_is_a_bibun_error(tmp_path, content, says):
    p = tmp_path / "d.csv"
    p.write_bytes(content)
    with pytest.raises(BibunError, match=says):
        read_csv(p)


def test_streamed_reading_keeps_row_numbers_and_exact_values(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("x,y\n\n1,0.1\n2,0.2\n3,oops\n")
    with pytest.raises(BibunError, match=r"row 5, column 'y'"):
        read_csv(p)
    p.write_text("x,y\n\n1,0.1\n2,0.2\n")
    d = read_csv(p)
    assert d.n == 2 and d.exact is not None and str(d.exact["y"][0]) == "1/10"


def test_a_probe_over_the_memory_estimate_is_refused_before_it_allocates():
    with pytest.raises(LimitError, match=r"would need about 11\.\d GB") as info:
        probe(200, 1024)
    fits = int(str(info.value).rsplit("width ", 1)[1].split()[0])
    assert estimated_bytes(200, fits) <= MAX_BYTES < estimated_bytes(200, fits + 1)


def test_the_memory_estimate_grows_with_depth_and_width():
    assert estimated_bytes(10, 32) < estimated_bytes(20, 32) < estimated_bytes(20, 64)
    assert estimated_bytes(100, 512) < MAX_BYTES  # the documented defaults stay usable


def test_vanishing_at_the_documented_maxima_is_one_line(capsys):
    code, out, err = run(capsys, "vanishing", "--depth", "200", "--width", "1024")
    assert code == 2 and out == "" and err.count("\n") == 1 and "GB of memory" in err


def test_graph_refuses_a_huge_formula_before_parsing_it(capsys, monkeypatch):
    import bibun.cli.graph as graph

    def no_parsing(text):
        raise AssertionError("parsed")

    monkeypatch.setattr(graph, "read_formula", no_parsing)
    code, _, err = run(capsys, "graph", "+".join(f"sin({i}*x)" for i in range(3000)))
    assert code == 2 and "characters" in err and err.count("\n") == 1
