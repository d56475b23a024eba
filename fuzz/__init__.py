"""bibun's fuzzing harness: ``python -m fuzz --help``.

Every finding is a broken promise of the README: a raw Python exception instead of one of
bibun's errors, a call that runs past its CPU budget, or one that runs out of memory.
Findings are minimised and kept in ``fuzz/corpus/findings.tsv``; ``tests/test_fuzz_corpus.py``
replays that file in ``make test`` so a fixed bug stays fixed.
"""
