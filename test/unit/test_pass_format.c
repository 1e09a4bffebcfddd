/*
 * test_pass_format.c -- pass requests and pass states (pass_format.h):
 * what is encoded comes back; every flipped bit, every truncation and every
 * forged count is refused as FG_ERR_CORRUPT, never trusted (run under
 * AddressSanitizer by "make asan").
 */
#include "unit.h"
#include "pass_format.h"
#include "model_format.h"

#include <string.h>

static const double mean[3] = {0.5, -1.25, 1000.0};
static const double delta[1 + 3 + 4] = {0.1, 0.2, -0.3, 1e-4, 0.5, -0.5, 0.0, 2.0};
static const double step[1 + 3 + 4] = {1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t dict[] = "training state bytes (opaque here)";
static const char options[] = "{\"method\": \"fair_crlr\", \"family\": \"binomial\"}";

static fg_pass_spec
sample_spec(uint32_t kinds)
{
	fg_pass_spec s;

	memset(&s, 0, sizeof(s));
	s.kinds = kinds;
	s.p = 3;
	s.n_strata = 4;
	s.n_attr = 2;
	s.n_cats[0] = 3;
	s.n_cats[1] = 2;
	s.weighted = true;
	s.weight_factor = 1.5;
	s.summary_strata = true;
	s.terms_strata = true;
	s.fairness = FG_FAIRNESS_EQUALIZED_ODDS;
	s.robust = true;
	s.n_model = 4;
	s.need = 2;
	s.w_floor = 0.0;
	s.threshold = 0.5;
	s.s_bar = 0.4;
	s.s_bar_w = 0.45;
	s.y_bar_w = 0.3;
	s.mean = mean;
	s.delta = delta;
	s.step = step;
	return s;
}

static uint8_t *
encode_request(uint32_t kinds, size_t *len)
{
	fg_pass_request req;
	uint8_t    *buf;

	memset(&req, 0, sizeof(req));
	req.spec = sample_spec(kinds);
	req.arg_types[0] = 16;
	req.arg_types[1] = 25;
	req.arg_types[2] = 1009;
	req.rho = 0.8;
	req.lambda = 1.0;
	req.options = options;
	req.options_len = strlen(options);
	req.dict = kinds ? dict : NULL;
	req.dict_len = kinds ? sizeof(dict) : 0;
	*len = fg_pass_request_size(&req);
	buf = malloc(*len);
	fg_pass_request_encode(&req, buf, *len);
	return buf;
}

static void
request_round_trip(void)
{
	uint32_t	kinds[] = {0, FG_PASS_SUMMARY, FG_PASS_TERMS, FG_PASS_NEWTON | FG_PASS_FINAL,
	FG_PASS_SEPARATION, FG_PASS_ALL_KINDS};

	for (int i = 0; i < 6; i++)
	{
		size_t		len;
		uint8_t    *buf = encode_request(kinds[i], &len);
		fg_pass_request req;
		fg_error	err;
		double	   *store = NULL;
		fg_pass_spec want = sample_spec(kinds[i]);

		if (!CHECK(fg_pass_request_decode(buf, len, &req, &err) == FG_OK, "kinds %u: %s",
				   kinds[i], err.detail) ||
			!CHECK(fg_pass_request_arrays(&unit_env, &req, &store, &err) == FG_OK))
		{
			free(buf);
			free(store);
			continue;
		}
		CHECK(fg_pass_same_layout(&req.spec, &want), "kinds %u: layout", kinds[i]);
		CHECK(req.spec.weight_factor == 1.5 && req.spec.y_bar_w == 0.3 && req.rho == 0.8 &&
			  req.lambda == 1.0 && req.arg_types[2] == 1009);
		CHECK(req.options_len == strlen(options) && memcmp(req.options, options, req.options_len) == 0);
		CHECK((req.dict != NULL) == (kinds[i] != 0));
		if (kinds[i] & FG_PASS_TERMS)
			CHECK(memcmp(req.spec.mean, mean, sizeof(mean)) == 0);
		if (kinds[i] & (FG_PASS_NEWTON | FG_PASS_SEPARATION))
			CHECK(memcmp(req.spec.delta, delta, sizeof(delta)) == 0);
		if (kinds[i] & FG_PASS_SEPARATION)
			CHECK(memcmp(req.spec.step, step, sizeof(step)) == 0);
		free(store);
		free(buf);
	}
}

/* Every single-bit flip and every truncation of buf is refused. */
static void
damage(const uint8_t *buf, size_t len, bool request, const char *what)
{
	uint8_t    *copy = malloc(len);
	long		accepted = 0;

	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++)
		{
			fg_error	err;
			fg_status	st;

			memcpy(copy, buf, len);
			copy[i] ^= (uint8_t) (1u << bit);
			if (request)
			{
				fg_pass_request req;

				st = fg_pass_request_decode(copy, len, &req, &err);
			}
			else
			{
				fg_pass_spec spec;
				double	   *acc;
				const uint8_t *train;
				size_t		train_len;

				st = fg_pass_state_decode(&unit_env, copy, len, &spec, &acc, &train, &train_len,
										  &err);
				free(acc);
			}
			accepted += st != FG_ERR_CORRUPT;
		}
	CHECK(accepted == 0, "%s: %ld damaged copies accepted", what, accepted);
	for (size_t n = 0; n < len; n++)
	{
		fg_error	err;
		fg_pass_request req;
		fg_pass_spec spec;
		double	   *acc = NULL;
		const uint8_t *train;
		size_t		train_len;
		fg_status	st = request ? fg_pass_request_decode(buf, n, &req, &err)
			: fg_pass_state_decode(&unit_env, buf, n, &spec, &acc, &train, &train_len, &err);

		free(acc);
		if (!CHECK(st == FG_ERR_CORRUPT, "%s truncated to %zu bytes: status %d", what, n, st))
			break;
	}
	free(copy);
}

static void
request_damage(void)
{
	size_t		len;
	uint8_t    *buf = encode_request(FG_PASS_ALL_KINDS, &len);

	damage(buf, len, true, "request");
	free(buf);
	buf = encode_request(0, &len);
	damage(buf, len, true, "first request");
	free(buf);
}

static void
state_round_trip_and_damage(void)
{
	fg_pass_spec spec = sample_spec(FG_PASS_SUMMARY | FG_PASS_NEWTON | FG_PASS_FINAL);
	size_t		n = fg_pass_size(&spec);
	double	   *acc = malloc(sizeof(double) * n);
	size_t		len = fg_pass_state_size(&spec);
	uint8_t    *buf = malloc(len);
	fg_pass_spec got;
	double	   *back = NULL;
	const uint8_t *train;
	size_t		train_len;
	fg_error	err;

	fg_pass_init(&spec, acc);
	for (size_t i = 1; i < n; i++)
		acc[i] = (double) i * 0.25 - 3.0;
	acc[0] = 1234;
	fg_pass_state_encode(&spec, acc, buf, len);
	CHECK(fg_pass_state_decode(&unit_env, buf, len, &got, &back, &train, &train_len, &err) == FG_OK,
		  "%s", err.detail);
	CHECK(train == NULL && back != NULL && fg_pass_same_layout(&got, &spec) &&
		  fg_pass_rows(back) == 1234);
	CHECK(back && memcmp(back + 1, acc + 1, sizeof(double) * (n - 1)) == 0);
	free(back);
	damage(buf, len, false, "state");
	free(buf);

	/* the first pass's dictionaries: opaque bytes, carried whole */
	len = fg_pass_dict_size(sizeof(dict));
	buf = malloc(len);
	fg_pass_dict_encode(dict, sizeof(dict), buf, len);
	CHECK(fg_pass_state_decode(&unit_env, buf, len, &got, &back, &train, &train_len, &err) == FG_OK &&
		  back == NULL && train_len == sizeof(dict) && memcmp(train, dict, sizeof(dict)) == 0);
	damage(buf, len, false, "dictionary state");
	free(buf);
	free(acc);

	/* layouts that differ in anything do not merge */
	got = spec;
	got.n_cats[1] = 3;
	CHECK(!fg_pass_same_layout(&spec, &got));
	got = spec;
	got.need = 1;
	CHECK(!fg_pass_same_layout(&spec, &got));
}

/* Write v (n bytes, little-endian) at off, reseal the checksum, and expect a refusal. */
static void
forge(const uint8_t *buf, size_t len, size_t off, uint64_t v, int n, bool request,
	  const char *what)
{
	uint8_t    *copy = malloc(len);
	fg_error	err;
	fg_status	st;
	uint32_t	crc;

	memcpy(copy, buf, len);
	for (int i = 0; i < n; i++)
		copy[off + i] = (uint8_t) (v >> (8 * i));
	crc = fg_crc32c(0, copy, len - 4);
	for (int i = 0; i < 4; i++)
		copy[len - 4 + i] = (uint8_t) (crc >> (8 * i));
	if (request)
	{
		fg_pass_request req;

		st = fg_pass_request_decode(copy, len, &req, &err);
	}
	else
	{
		fg_pass_spec spec;
		double	   *acc = NULL;
		const uint8_t *train;
		size_t		train_len;

		st = fg_pass_state_decode(&unit_env, copy, len, &spec, &acc, &train, &train_len, &err);
		free(acc);
	}
	CHECK(st == FG_ERR_CORRUPT, "forged %s: status %d", what, st);
	free(copy);
}

/* Counts forged behind a valid checksum: checked against limits and the bytes present. */
static void
forgeries(void)
{
	size_t		len;
	uint8_t    *buf = encode_request(FG_PASS_ALL_KINDS, &len);
	/* header 20 bytes; layout: kinds, p, n_strata, n_attr, 2 categories, 7 flags, n_model */
	size_t		layout = 20;

	forge(buf, len, 8, 1, 4, true, "request flags");
	forge(buf, len, 6, 1, 2, true, "byte order mark");
	forge(buf, len, 4, 2, 2, true, "version");
	forge(buf, len, layout, 0x100, 4, true, "kinds");
	forge(buf, len, layout + 4, 0x7fffffff, 4, true, "p");
	forge(buf, len, layout + 4, 4, 4, true, "p (arrays too short)");
	forge(buf, len, layout + 8, 1u << 30, 4, true, "n_strata");
	forge(buf, len, layout + 12, 17, 4, true, "n_attr");
	forge(buf, len, layout + 16, 100000, 4, true, "categories");
	forge(buf, len, layout + 24 + 4, 7, 1, true, "fairness flag");
	forge(buf, len, layout + 24 + 7, 3, 4, true, "n_model");
	free(buf);

	{
		fg_pass_spec spec = sample_spec(FG_PASS_NEWTON);
		size_t		n = fg_pass_size(&spec);
		double	   *acc = calloc(n, sizeof(double));
		size_t		slen = fg_pass_state_size(&spec);
		uint8_t    *sbuf = malloc(slen);

		fg_pass_state_encode(&spec, acc, sbuf, slen);
		forge(sbuf, slen, layout + 4, 5, 4, false, "state p");
		forge(sbuf, slen, layout + 24 + 7, 0, 4, false, "state n_model");
		forge(sbuf, slen, layout + 24 + 11, 1u << 20, 8, false, "state size");
		forge(sbuf, slen, layout, 0, 4, false, "state without kinds");
		free(sbuf);
		free(acc);
	}
}

int
main(void)
{
	request_round_trip();
	forgeries();
	request_damage();
	state_round_trip_and_damage();
	return unit_summary("pass_format");
}
