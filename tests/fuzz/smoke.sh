#!/bin/sh
# Bounded parser fuzzing for `make check` and `make fuzz-smoke`: the driver
# prints TAP for the seed corpus, the short and boundary inputs, and
# FUZZ_ITERATIONS (default 200000) deterministic mutations.  Run from the
# top build directory; $srcdir, set by automake, locates the corpus.
exec "${FUZZ_DRIVER:-./tests/fuzz/fuzz_parse}" \
	"${srcdir:-.}/tests/fuzz/corpus/parse"
