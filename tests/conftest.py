"""Hypothesis runs derandomized by default so CI is reproducible; set
BIBUN_HYPOTHESIS=explore to search new examples locally."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile("explore" if os.environ.get("BIBUN_HYPOTHESIS") == "explore" else "ci")
