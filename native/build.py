"""Build the optional compiled core: ``make compiled`` or ``python native/build.py``.

Compiles :data:`bibun.native.MODULES` with Cython from their unchanged pure-Python source
into :func:`bibun.native.native_dir` (``.venv/bibun-native``) and writes the manifest that
:mod:`bibun.native` checks before loading them.  Anything that goes wrong (no Cython, no C
compiler, a compile error) leaves the pure-Python core in use and prints one line saying
so; the exit status is 0 either way, because the pure core is complete -- the compiled one
is only faster.  ``--force`` rebuilds even when the build is already fresh.

Cython, not mypyc, by measurement (``python -m bench diff_speed --quick``): Cython on the
unchanged source runs the core ~1.5x faster with every test passing; mypyc needs
``Expr`` rewritten as a native class (no operators attached after the class, no
``__weakref__``), which the pure source would then have to follow.  ``binding=False``
makes module functions plain C functions (~20% faster calls than Cython's default
function objects).  The ``.pxd`` files beside some modules (``node.pxd``, ``sums.pxd``,
``build.pxd``, ``product.pxd``, ``symbolic.pxd``) are Cython's "augmenting" declarations, read only
here: ``Expr`` becomes an extension type with C fields, and the hot fixed-argument
functions C functions whose Expr locals are typed -- the .py source is unchanged by them
and stays the pure-Python core.  They are copied with the sources and hashed with them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ["BIBUN_PURE"] = "1"  # this process reads the sources, never the old build

from bibun import native  # noqa: E402


def _recorded_key(out: Path) -> str | None:
    """The build key the manifest in ``out`` records, if any."""
    for line in (out / native.MANIFEST).read_text("utf-8").splitlines():
        if line.startswith("build "):
            return line[6:]
    return None


@contextlib.contextmanager
def _quiet(log: Path) -> Iterator[None]:
    """Send everything Cython and the C compiler print (they write to the file
    descriptors, not to sys.stdout) to ``log``: the build's outcome is one line."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log, "w") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


#: ``annotation_typing`` off: Cython would otherwise enforce the type hints (reject a
#: tuple subclass where ``tuple`` is written, turn an int into a C double where ``float``
#: is), and the compiled core must behave exactly as the source reads in Python
DIRECTIVES = {"language_level": 3, "binding": False, "annotation_typing": False,
              "embedsignature": True}


def build(force: bool = False) -> str:
    """Compile and return the one-line outcome."""
    out = Path(native.native_dir())
    try:
        import Cython
        from Cython.Build import cythonize
        from setuptools import Distribution
        from setuptools.command.build_ext import build_ext
    except ImportError as exc:
        return f"compiled core: not built ({exc.name} is not installed); using pure Python"
    # the build itself (this script, its directives, the Cython version) is part of what
    # makes a build current, beside the modules' sources
    key = f"{native.digest(Path(__file__))}-{Cython.__version__}"
    if not force and native.fresh_build(out) is not None and _recorded_key(out) == key:
        return f"compiled core: up to date in {out}"
    sources = {m: Path(native.source_of(m)) for m in native.MODULES}
    digests = {m: native.digest(p) for m, p in sources.items()}
    (out / native.MANIFEST).unlink(missing_ok=True)  # no manifest until every module built
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "build.log"
    with tempfile.TemporaryDirectory(prefix="bibun-native-") as tmp, _quiet(log):
        try:
            # copy the sources (with their packages' __init__ files, so Cython names the
            # modules bibun.expr.node ...) and compile the copies: nothing is written
            # into the source tree
            src = Path(tmp) / "src"
            for m, p in sources.items():
                dest = src.joinpath(*m.split(".")).with_suffix(".py")
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, dest)
                if p.with_suffix(".pxd").is_file():  # its Cython declarations
                    shutil.copyfile(p.with_suffix(".pxd"), dest.with_suffix(".pxd"))
                for pkg in dest.relative_to(src).parents:
                    if str(pkg) != ".":
                        (src / pkg / "__init__.py").touch()
            exts = cythonize([str(src.joinpath(*m.split(".")).with_suffix(".py"))
                              for m in native.MODULES],
                             compiler_directives=DIRECTIVES,
                             build_dir=str(Path(tmp) / "c"), quiet=True,
                             include_path=[str(src)],
                             nthreads=0)
            dist = Distribution({"ext_modules": exts})
            cmd = build_ext(dist)
            cmd.build_lib = str(out)
            cmd.build_temp = str(Path(tmp) / "o")
            cmd.parallel = os.cpu_count() or 1
            cmd.ensure_finalized()
            cmd.run()
        except BaseException as exc:  # noqa: BLE001  (any failure: keep the pure core)
            if isinstance(exc, KeyboardInterrupt):
                raise
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return (f"compiled core: not built ({first[:100]}; details in {log});"
                    " using pure Python")
    missing = [m for m in native.MODULES if native.binary_of(m, out) is None]
    if missing:
        return f"compiled core: not built ({', '.join(missing)} missing); using pure Python"
    if any(native.digest(p) != digests[m] for m, p in sources.items()):
        return "compiled core: not built (a source changed during the build); using pure Python"
    (out / native.MANIFEST).write_text(
        "".join(f"{m} {digests[m]}\n" for m in native.MODULES) + f"build {key}\n", "utf-8")
    return f"compiled core: built in {time.perf_counter() - t0:.0f} s into {out}"


if __name__ == "__main__":
    print(build(force="--force" in sys.argv), flush=True)
