/*
 * fuzz_pass_format.c -- fuzzes the decoders of fairglmm_train's pass
 * requests and pass states (pass_format.h), which the pass aggregate takes
 * from its argument and from other workers: an input that starts with the
 * state's magic number goes to the state decoder, any other to the
 * request decoder (so the frame, which fuzzlib.c reseals, starts at 0).
 *
 * What the decoders promise, and this harness checks:
 *   - they never read outside the input or misuse memory (ASan, UBSan);
 *   - they fail only with FG_ERR_CORRUPT (or FG_ERR_NOMEM) and a complete
 *     message, releasing everything;
 *   - no allocation is out of proportion to the input;
 *   - what they accept is usable: a request's arrays can be taken out, and
 *     an accumulator merges with itself without touching memory beyond its
 *     layout.
 */
#include "fuzz.h"
#include "pass_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALLOC_BOUND(len)	(2 * (len) + 4096)

static void
check_failure(fg_status st, const fg_error *err)
{
	if (st != FG_ERR_CORRUPT || err->status != st || err->message[0] == '\0' ||
		err->detail[0] == '\0')
		fuzz_die("status %d, incomplete error \"%s\"", (int) st, err->message);
	if (fuzz_env_live() != 0)
		fuzz_die("a rejected input leaks %ld allocations", fuzz_env_live());
}

static void
decode_request(const uint8_t *bytes, size_t len)
{
	fg_pass_request req;
	fg_error	err;
	fg_status	st;
	double	   *store = NULL;

	fuzz_env_reset(-1);
	st = fg_pass_request_decode(bytes, len, &req, &err);
	if (st != FG_OK)
	{
		check_failure(st, &err);
		return;
	}
	st = fg_pass_request_arrays(&fuzz_env, &req, &store, &err);
	if (fuzz_env_largest() > ALLOC_BOUND(len))
		fuzz_die("allocation of %zu bytes for %zu input bytes", fuzz_env_largest(), len);
	if (st == FG_OK)
	{
		/* every entry the layout promises is there (ASan reads them all) */
		size_t		m = 1 + (size_t) req.spec.p + req.spec.n_model;
		volatile double sum = 0.0;

		for (int j = 0; req.spec.mean != NULL && j < req.spec.p; j++)
			sum += req.spec.mean[j];
		for (size_t j = 0; req.spec.delta != NULL && j < m; j++)
			sum += req.spec.delta[j];
		for (size_t j = 0; req.spec.step != NULL && j < m; j++)
			sum += req.spec.step[j];
		(void) sum;
	}
	else if (st != FG_ERR_CORRUPT)
		fuzz_die("arrays: status %d", (int) st);
	free(store);
}

static void
decode_state(const uint8_t *bytes, size_t len)
{
	fg_pass_spec spec;
	double	   *acc = NULL;
	const uint8_t *train;
	size_t		train_len;
	fg_error	err;
	fg_status	st;

	fuzz_env_reset(-1);
	st = fg_pass_state_decode(&fuzz_env, bytes, len, &spec, &acc, &train, &train_len, &err);
	if (fuzz_env_largest() > ALLOC_BOUND(len))
		fuzz_die("allocation of %zu bytes for %zu input bytes", fuzz_env_largest(), len);
	if (st != FG_OK)
	{
		check_failure(st, &err);
		return;
	}
	if (acc != NULL)
	{
		size_t		n = fg_pass_size(&spec);
		double	   *copy = malloc(sizeof(double) * n);

		if (train != NULL)
			fuzz_die("a state with both sums and dictionaries");
		memcpy(copy, acc, sizeof(double) * n);
		fg_pass_merge(&spec, acc, copy);
		(void) fg_pass_rows(acc);
		free(copy);
		fg_release(&fuzz_env, acc);
	}
	else if (train == NULL || train < bytes || train + train_len > bytes + len)
		fuzz_die("dictionaries outside the input");
	if (fuzz_env_live() != 0)
		fuzz_die("an accepted state leaks %ld allocations", fuzz_env_live());
}

void
fuzz_decode(const uint8_t *bytes, size_t len)
{
	if (len >= 4 && bytes[0] == (FG_PASS_STATE_MAGIC & 0xFF) &&
		bytes[1] == ((FG_PASS_STATE_MAGIC >> 8) & 0xFF) &&
		bytes[2] == ((FG_PASS_STATE_MAGIC >> 16) & 0xFF) && bytes[3] == (FG_PASS_STATE_MAGIC >> 24))
		decode_state(bytes, len);
	else
		decode_request(bytes, len);
}

void
fuzz_write_seeds(const char *dir)
{
	static const double mean[2] = {0.5, -3.0};
	static const double point[1 + 2 + 3] = {0.1, 0.2, -0.3, 0.5, -0.5, 1.0};
	static const uint8_t dict[] = "dictionaries";
	static const char options[] = "{\"method\": \"fair_crlr\"}";
	const uint32_t kinds[] = {0, FG_PASS_SUMMARY, FG_PASS_TERMS | FG_PASS_NEWTON, FG_PASS_ALL_KINDS};

	for (int i = 0; i < 4; i++)
	{
		fg_pass_request req;
		size_t		len;
		uint8_t    *buf;
		char		name[32];
		size_t		n;
		double	   *acc;

		memset(&req, 0, sizeof(req));
		req.spec.kinds = kinds[i];
		req.spec.p = 2;
		req.spec.n_strata = 3;
		req.spec.n_model = i % 2 ? 3 : 0;
		req.spec.n_attr = i == 3 ? 1 : 0;
		req.spec.n_cats[0] = 3;
		req.spec.weighted = i >= 2;
		req.spec.weight_factor = 1.0;
		req.spec.summary_strata = true;
		req.spec.robust = i == 3;
		req.spec.need = i % 3;
		req.spec.threshold = 0.5;
		req.spec.mean = mean;
		req.spec.delta = point;
		req.spec.step = point;
		req.arg_types[0] = 16;
		req.rho = 1.0;
		req.lambda = 1.0;
		req.options = options;
		req.options_len = strlen(options);
		req.dict = kinds[i] ? dict : NULL;
		req.dict_len = kinds[i] ? sizeof(dict) : 0;
		len = fg_pass_request_size(&req);
		buf = malloc(len);
		fg_pass_request_encode(&req, buf, len);
		snprintf(name, sizeof(name), "request_%d", i);
		fuzz_seed(dir, name, buf, len);
		free(buf);
		if (kinds[i] == 0)
			continue;
		n = fg_pass_size(&req.spec);
		acc = calloc(n, sizeof(double));
		fg_pass_init(&req.spec, acc);
		acc[0] = 7;
		len = fg_pass_state_size(&req.spec);
		buf = malloc(len);
		fg_pass_state_encode(&req.spec, acc, buf, len);
		snprintf(name, sizeof(name), "state_%d", i);
		fuzz_seed(dir, name, buf, len);
		free(buf);
		free(acc);
	}
	{
		size_t		len = fg_pass_dict_size(sizeof(dict));
		uint8_t    *buf = malloc(len);

		fg_pass_dict_encode(dict, sizeof(dict), buf, len);
		fuzz_seed(dir, "dictionaries", buf, len);
		free(buf);
	}
}
