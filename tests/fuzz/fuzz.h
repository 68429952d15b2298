/* The one entry point every parser fuzz harness exports.  libFuzzer calls it
 * directly; without libFuzzer, driver.c calls it on the seed corpus and on
 * deterministic mutations of it.  A harness abort()s on the first broken
 * invariant after printing the offending input. */
#ifndef MEMCGFS_FUZZ_H
#define MEMCGFS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
