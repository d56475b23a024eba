"""The optional compiled core: load it when it is built and fresh, else the pure Python.

``make compiled`` (``python native/build.py``) compiles the hot modules of the symbolic
core (:data:`MODULES`) with Cython from their unchanged source into
:func:`native_dir` -- inside the virtual environment, outside the source tree, so a
checkout never carries a binary and the pure-Python source stays the one truth.  The
build writes a manifest, one line per module: its name and the SHA-256 of the source it
was compiled from.  :func:`install` puts a finder in front of Python's: when one of those
modules is imported, it checks (once) that every source still hashes as compiled and
then loads the compiled module; after any edit, or with ``BIBUN_PURE=1``, or with no
build, nothing is redirected and the pure source runs.  A stale binary is therefore never
used, so the compiled core can only be faster, never different.

Why a finder rather than ``.so`` files beside the sources: Python prefers an extension
module over a ``.py`` of the same name, so a binary left next to an edited source would
silently run the old code.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader, ModuleSpec
from importlib.util import spec_from_file_location
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

#: the modules compiled, in dependency order (the ones a derivative spends its time in)
MODULES = ("bibun.expr.node", "bibun.expr.sums", "bibun.expr.build", "bibun.expr.product",
           "bibun.expr.ops", "bibun.symbolic", "bibun.expr.taylor")
MANIFEST = "manifest.txt"
#: plain os.path, not pathlib: importing pathlib was 5-10 ms of the command line's start-up
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def native_dir() -> str:
    """Where the compiled modules live: ``$BIBUN_NATIVE_DIR``, else ``bibun-native`` in
    the environment's prefix (``.venv/bibun-native``): one build per interpreter."""
    return os.environ.get("BIBUN_NATIVE_DIR") or os.path.join(sys.prefix, "bibun-native")


def source_of(module: str) -> str:
    """The pure-Python source file of one of :data:`MODULES`."""
    return os.path.join(_PACKAGE, *module.split(".")[1:]) + ".py"


def digest(path: str | Path) -> str:
    """SHA-256 of a source file and of its Cython declarations (the ``.pxd`` beside it,
    if any): what the manifest records, so a changed declaration also makes a build stale."""
    import hashlib  # only when a compiled module is first imported (start-up stays short)

    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    pxd = os.path.splitext(path)[0] + ".pxd"
    if os.path.isfile(pxd):
        with open(pxd, "rb") as f:
            h.update(b"\0pxd\0" + f.read())
    return h.hexdigest()


def binary_of(module: str, root: str | Path | None = None) -> str | None:
    """The compiled file of ``module`` for this interpreter, or None."""
    base = os.path.join(root or native_dir(), *module.split("."))
    for suffix in EXTENSION_SUFFIXES:
        if os.path.isfile(base + suffix):
            return base + suffix
    return None


def fresh_build(root: str | Path | None = None) -> dict[str, str] | None:
    """module -> compiled file when a build exists for every module and each was compiled
    from the source as it is now; else None (all or nothing: never half compiled)."""
    root = root or native_dir()
    try:
        with open(os.path.join(root, MANIFEST), encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError:
        return None
    recorded = dict(line.split(" ", 1) for line in lines if " " in line)
    found: dict[str, str] = {}
    for module in MODULES:
        binary = binary_of(module, root)
        if binary is None or recorded.get(module) != digest(source_of(module)):
            return None
        found[module] = binary
    return found


class _Finder:
    """A meta-path finder for :data:`MODULES` only; the freshness check runs at the first
    import of one of them (``bibun --help`` never pays for it)."""

    def __init__(self) -> None:
        self.binaries: dict[str, str] | None = None
        self.checked = False

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> ModuleSpec | None:
        if fullname not in MODULES:
            return None
        if not self.checked:
            self.checked = True
            self.binaries = fresh_build()
        if not self.binaries:
            return None
        binary = self.binaries[fullname]
        return spec_from_file_location(fullname, binary,
                                       loader=ExtensionFileLoader(fullname, binary))


_finder = _Finder()


def install() -> None:
    """Put the finder in front (once), unless ``BIBUN_PURE`` is set to anything but 0."""
    if os.environ.get("BIBUN_PURE", "0") not in ("", "0"):
        return
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def compiled() -> bool:
    """Whether the running symbolic core is the compiled one (the modules' files say)."""
    node = sys.modules.get("bibun.expr.node")
    return node is not None and not str(getattr(node, "__file__", "")).endswith(".py")


def status() -> str:
    """One line for reports and ``make test``: which core runs, and why."""
    if os.environ.get("BIBUN_PURE", "0") not in ("", "0"):
        return "pure Python (BIBUN_PURE is set)"
    if fresh_build() is None:
        where = native_dir()
        if os.path.isfile(os.path.join(where, MANIFEST)):
            return f"pure Python (the compiled core in {where} is older than its source)"
        return "pure Python (no compiled core built: make compiled)"
    return f"compiled (Cython, {native_dir()})"


install()
