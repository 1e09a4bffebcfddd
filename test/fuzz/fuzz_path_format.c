/*
 * fuzz_path_format.c -- fuzzes fg_path_decode, the decoder of the container
 * of a rho path (fairglmm_path_report and every function that takes a path
 * from the user), with or without its cross-validated metrics, and the
 * model decoder on each model an accepted path holds.
 *
 * What the decoder promises, and this harness checks:
 *   - it never reads outside the input or misuses memory (ASan, UBSan);
 *   - it fails only with FG_ERR_CORRUPT and a complete message, releasing
 *     everything; when allocation k fails, with FG_ERR_NOMEM, leaking nothing;
 *   - no allocation is out of proportion to the input;
 *   - the encoding is canonical: encoding an accepted path gives the input
 *     back, byte for byte.
 */
#include "fuzz.h"
#include "model_format.h"
#include "path_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALLOC_BOUND(len)	(2 * (len) + 4096)

void
fuzz_decode(const uint8_t *bytes, size_t len)
{
	fg_path_view v;
	fg_error	err;
	fg_status	st;
	long		allocations;

	fuzz_env_reset(-1);
	st = fg_path_decode(&fuzz_env, bytes, len, &v, &err);
	if (fuzz_env_largest() > ALLOC_BOUND(len))
		fuzz_die("allocation of %zu bytes for %zu input bytes", fuzz_env_largest(), len);
	if (st != FG_OK)
	{
		if (st != FG_ERR_CORRUPT || err.status != st || err.message[0] == '\0' || err.detail[0] == '\0')
			fuzz_die("status %d, incomplete error \"%s\"", (int) st, err.message);
		if (fuzz_env_live() != 0)
			fuzz_die("a rejected path leaks %ld allocations", fuzz_env_live());
		return;
	}
	{
		uint8_t    *again = malloc(len);

		if (fg_path_encode(v.count, v.models, v.lengths, v.cv, again, len, &err) != FG_OK ||
			memcmp(again, bytes, len) != 0)
			fuzz_die("an accepted path does not encode back to its bytes");
		free(again);
	}
	/* the metrics are in their ranges (the encoder above refuses others) */
	for (uint32_t i = 0; v.cv != NULL && i < v.count; i++)
		if (!(v.cv[i].accuracy >= 0.0 && v.cv[i].accuracy <= 1.0 && v.cv[i].log_loss >= 0.0))
			fuzz_die("model %u: accuracy %g, log loss %g accepted", i + 1, v.cv[i].accuracy,
					 v.cv[i].log_loss);
	allocations = v.cv != NULL ? 3 : 2;
	for (uint32_t i = 0; i < v.count; i++)
	{
		fg_model	m;

		if (fg_model_decode(&fuzz_env, v.models[i], v.lengths[i], &m, &err) == FG_OK)
			fg_model_release(&fuzz_env, &m);
	}
	fg_path_view_release(&fuzz_env, &v);
	if (fuzz_env_live() != 0)
		fuzz_die("an accepted path leaks %ld allocations", fuzz_env_live());

	/* the out-of-memory paths of the decoder's two or three allocations */
	for (long k = 0; k < allocations; k++)
	{
		fuzz_env_reset(k);
		st = fg_path_decode(&fuzz_env, bytes, len, &v, &err);
		if (st != FG_ERR_NOMEM || fuzz_env_live() != 0)
			fuzz_die("allocation %ld failing gives status %d, %ld live", k, (int) st, fuzz_env_live());
	}
}

void
fuzz_write_seeds(const char *dir)
{
	static const size_t lengths[][3] = {{1, 0, 0}, {8, 3, 0}, {100, 1, 17}, {9, 0, 0}, {20, 30, 1}};
	static const uint32_t counts[] = {1, 2, 3, 1, 3};
	/* the last two seeds are cross-validated: one undefined ratio, values at their ends */
	static const fg_cv_metrics cv[3] = {
		{0.75, 0.5, 1.0, 0.25, 0.6},
		{1.0, NAN, 0.0, NAN, 0.0},
		{0.0, 1.0, 0.125, 1.0, 12.5},
	};

	for (int s = 0; s < 5; s++)
	{
		const fg_cv_metrics *metrics = s >= 3 ? cv : NULL;
		const uint8_t *models[3];
		uint8_t		body[200];
		uint8_t    *buf;
		size_t		len;
		fg_error	err;
		char		name[32];

		for (size_t k = 0; k < sizeof(body); k++)
			body[k] = (uint8_t) (k * 13 + s);
		for (uint32_t i = 0; i < counts[s]; i++)
			models[i] = body;
		len = fg_path_encoded_size(counts[s], lengths[s], metrics != NULL);
		buf = malloc(len);
		if (fg_path_encode(counts[s], models, lengths[s], metrics, buf, len, &err) != FG_OK)
			fuzz_die("seed %d: %s", s, err.detail);
		snprintf(name, sizeof(name), "path_%d", s);
		fuzz_seed(dir, name, buf, len);
		/* a damaged one: the last byte of the body changed */
		buf[len - 5] ^= 0x40;
		snprintf(name, sizeof(name), "path_%d_damaged", s);
		fuzz_seed(dir, name, buf, len);
		free(buf);
	}
}
