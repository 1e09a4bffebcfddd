/*
 * fuzz.h -- what every fuzz harness under test/fuzz shares.
 *
 * A harness is one file fuzz_<name>.c for one decoder of untrusted bytes.
 * It defines two functions:
 *
 *   void fuzz_decode(const uint8_t *bytes, size_t len);
 *        decode, check what the decoder promises, call fuzz_die() when a
 *        promise is broken.  fuzzlib.c's LLVMFuzzerTestOneInput calls it on
 *        each input as given and again resealed (fuzz_reseal), so that
 *        mutations reach the body parser instead of dying at the checksum.
 *
 *   void fuzz_write_seeds(const char *dir);
 *        write the seed corpus (valid encodings made by the matching encoder,
 *        and near-valid damaged ones) as files into dir, with fuzz_seed().
 *
 * fuzzlib.c supplies main's hook: run a harness binary with the environment
 * variable FUZZ_WRITE_SEEDS=dir and it writes its seeds and exits instead of
 * fuzzing.  The Makefile builds every fuzz_*.c it finds, so a new decoder
 * needs a new harness file and nothing else.
 */
#ifndef FG_FUZZ_H
#define FG_FUZZ_H

#include "fg_core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An fg_env backed by calloc that counts what the decoder does, so that a
 * harness can check for leaks and double frees (live allocations back at
 * zero), for allocations out of proportion to the input (largest request),
 * and can make allocation number fail_at (0-based) return NULL to walk the
 * out-of-memory paths.  fail_at < 0: never fail.
 */
extern const fg_env fuzz_env;

void		fuzz_env_reset(long fail_at);
long		fuzz_env_live(void);		/* allocations not yet released */
long		fuzz_env_count(void);		/* allocation requests since reset */
size_t		fuzz_env_largest(void);		/* largest request since reset */

/* Report a broken promise and abort, which libFuzzer records as a crash. */
void		fuzz_die(const char *fmt,...)
#ifdef __GNUC__
			__attribute__((format(printf, 1, 2), noreturn))
#endif
			;

/* Write one seed file dir/name; dies when the file cannot be written. */
void		fuzz_seed(const char *dir, const char *name, const uint8_t *data, size_t len);

/*
 * The frame both encodings share: a 20-byte header whose total length is a
 * little-endian u64 at offset 12, and a CRC-32C of everything before it in
 * the last 4 bytes.
 */
#define HEADER_SIZE		20
#define TRAILER_SIZE	4
#define OFF_TOTAL		12

/* Make buf's total length and checksum match its len bytes (when it has a frame). */
void		fuzz_reseal(uint8_t *buf, size_t len);

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Implemented by each harness. */
void		fuzz_decode(const uint8_t *bytes, size_t len);
void		fuzz_write_seeds(const char *dir);

#endif							/* FG_FUZZ_H */
