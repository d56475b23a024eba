"""Run a benchmark: ``python -m bench diff_speed`` or ``python -m bench all``."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                   if not m.name.startswith("_"))
    if not argv or argv[0] in ("-h", "--help"):
        print("usage: python -m bench NAME|all [args]\nbenchmarks: " + ", ".join(names))
        return 0
    todo = names if argv[0] == "all" else [argv[0].removeprefix("bench.")]
    for name in todo:
        if name not in names:
            print(f"unknown benchmark {name!r}; choose from {', '.join(names)}")
            return 2
        print(f"=== bench.{name} ===", flush=True)
        mod = importlib.import_module(f"bench.{name}")
        mod.main(argv[1:] if argv[0] != "all" else [])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
