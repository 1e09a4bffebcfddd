/*
 * fuzz_metric_state.c -- fuzzes fg_metric_decode, the decoder of the
 * serialised state of the reporting aggregates (fairglmm_metric_deserialfn:
 * parallel workers hand their partial states of disparate_impact ...
 * parity_gap to the leader), and what the leader then does with an accepted
 * state: copy it, merge it, compute its metric.
 *
 * What the decoder promises, and this harness checks:
 *   - it never reads outside the input or misuses memory (ASan, UBSan);
 *   - it fails only with FG_ERR_CORRUPT and a complete message, releasing
 *     everything; when allocation k fails, with FG_ERR_NOMEM, leaking nothing;
 *   - no allocation is out of proportion to the input;
 *   - an accepted state is one the transition functions could have built:
 *     sums finite and >= 0, row groups below the number of groups, scores
 *     not NaN, thresholds finite and ascending;
 *   - the encoding is canonical: encoding a decoded state gives the input
 *     back, byte for byte;
 *   - an accepted state copies and merges (twice, as a leader combining two
 *     workers does) and its metric is NaN or lies in [0, 1] (to the 1e-6 by
 *     which the decoder lets a group's cells differ from its weight).
 */
#include "fuzz.h"
#include "group_metrics.h"
#include "model_format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The decoder's allocations are bounded by the input size; this is generous. */
#define ALLOC_BOUND(len)	(4 * (len) + 4096)

static void
check_error(const fg_error *err, fg_status st, fg_status expected)
{
	if (st != expected)
		fuzz_die("decoder returned status %d, expected %d (%s: %s)",
				 (int) st, (int) expected, err->message, err->detail);
	if (err->status != st || err->message[0] == '\0')
		fuzz_die("incomplete error: status %d, message \"%s\"", (int) err->status, err->message);
	if (st == FG_ERR_CORRUPT && err->detail[0] == '\0')
		fuzz_die("a corrupt state without a detail");
}

static void
check_state(const fg_metric_state *st)
{
	const fg_groups *g = &st->groups;
	uint32_t	n = fg_groups_count(g);

	for (uint32_t i = 0; i < n; i++)
	{
		const double *s = fg_groups_sums(g, i);

		if (g->rows[i] < 0)
			fuzz_die("group %u has %lld rows", i, (long long) g->rows[i]);
		for (uint32_t c = 0; c < g->width; c++)
			if (!(s[c] >= 0.0) || !isfinite(s[c]))
				fuzz_die("group %u sum %u is %g", i, c, s[c]);
	}
	for (uint32_t i = 0; i < st->n_thresholds; i++)
		if (!isfinite(st->thresholds[i]) || (i > 0 && st->thresholds[i - 1] > st->thresholds[i]))
			fuzz_die("thresholds not finite and ascending");
	for (uint64_t r = 0; r < st->n_rows; r++)
	{
		const uint8_t *row = st->rows + r * fg_ks_row_size(st->weighted);
		uint64_t	key;
		uint32_t	group;

		memcpy(&key, row, sizeof(key));
		memcpy(&group, row + offsetof(fg_ks_row, group), sizeof(group));
		if (group >= n || isnan(fg_score_from_key(key)))
			fuzz_die("row %llu: group %u of %u, score %g", (unsigned long long) r, group, n,
					 fg_score_from_key(key));
	}
}

static void
check_metric(fg_metric_state *st)
{
	double		v = NAN;
	fg_error	err;

	if (st->kind == FG_METRIC_COUNTS)
	{
		fg_fairness f;

		fg_fairness_compute(&st->groups, NULL, &f);
		v = f.disparate_impact;
		if (!isnan(f.eodds_difference) && !(f.eodds_difference >= 0 && f.eodds_difference <= 1))
			fuzz_die("equalized odds difference %g", f.eodds_difference);
	}
	else if (st->kind == FG_METRIC_KS)
	{
		if (fg_parity_ks(st, &v, &err) != FG_OK)
			fuzz_die("parity_ks failed: %s", err.message);
	}
	else if (fg_parity_gap(st, &fuzz_env, &v, &err) != FG_OK)
		fuzz_die("parity_gap failed: %s", err.message);
	/* the decoder lets a group's cells differ from its weight by 1e-6 (rounding) */
	if (!isnan(v) && !(v >= 0.0 && v <= 1.0 + 1e-5))
		fuzz_die("metric of kind %d is %g", (int) st->kind, v);
}

static void
exercise(fg_metric_state *st, const uint8_t *bytes, size_t len)
{
	size_t		n = fg_metric_encoded_size(st);
	uint8_t    *again;
	fg_metric_state copy;
	fg_error	err;

	check_state(st);
	if (n != len)
		fuzz_die("re-encoding takes %zu bytes, the input %zu", n, len);
	again = malloc(n);
	if (fg_metric_encode(st, again, n, &err) != FG_OK)
		fuzz_die("re-encoding failed: %s", err.message);
	if (memcmp(again, bytes, len) != 0)
		fuzz_die("re-encoding differs from the input");
	free(again);

	if (fg_metric_copy(&copy, &fuzz_env, st, &err) != FG_OK)
		fuzz_die("copy failed: %s %s", err.message, err.detail);
	/*
	 * a merge may refuse totals beyond the limits (weights, 2^63 rows),
	 * nothing else; a refused merge ends the query, so the state it leaves is
	 * only freed
	 */
	if (fg_metric_merge(&copy, st, &err) == FG_OK)
	{
		check_state(&copy);
		check_metric(&copy);
	}
	else if (!(err.status == FG_ERR_INVALID &&
			   (2 * st->added_weight > FG_WEIGHT_TOTAL_MAX ||
				strcmp(err.message, "row counts out of range") == 0)))
		fuzz_die("merge failed: %s %s", err.message, err.detail);
	check_metric(st);
	fg_metric_free(&copy);
}

void
fuzz_decode(const uint8_t *bytes, size_t len)
{
	fg_metric_state st;
	fg_error	err;
	fg_status	s;
	long		allocs;

	fuzz_env_reset(-1);
	memset(&err, 0, sizeof(err));
	s = fg_metric_decode(&st, &fuzz_env, bytes, len, &err);
	allocs = fuzz_env_count();
	if (fuzz_env_largest() > ALLOC_BOUND(len))
		fuzz_die("allocation of %zu bytes for a %zu-byte input", fuzz_env_largest(), len);
	if (s != FG_OK)
	{
		check_error(&err, s, FG_ERR_CORRUPT);
		if (fuzz_env_live() != 0)
			fuzz_die("%ld allocations leaked by a failed decode", fuzz_env_live());
		fg_metric_free(&st);	/* harmless on the zeroed state */
		return;
	}
	exercise(&st, bytes, len);
	fg_metric_free(&st);
	if (fuzz_env_live() != 0)
		fuzz_die("%ld allocations leaked by decode + use + free", fuzz_env_live());

	/* fail each allocation in turn (the first and last few when there are many) */
	for (long k = 0; k < allocs; k++)
	{
		if (allocs > 24 && k == 16)
			k = allocs - 8;
		fuzz_env_reset(k);
		memset(&err, 0, sizeof(err));
		s = fg_metric_decode(&st, &fuzz_env, bytes, len, &err);
		if (s != FG_ERR_NOMEM)
			fuzz_die("allocation %ld of %ld failed but the decoder returned %d", k, allocs, (int) s);
		check_error(&err, s, FG_ERR_NOMEM);
		if (fuzz_env_live() != 0)
			fuzz_die("%ld allocations leaked after allocation %ld failed", fuzz_env_live(), k);
	}
}

/* ---------- seeds: states built by the transition code, encoded ---------- */

typedef struct seed_spec
{
	const char *name;
	fg_metric_kind kind;
	fg_group_kind key_kind;
	bool		weighted;
	int			rows;
	int			groups;
	int			thresholds;
} seed_spec;

static const seed_spec specs[] = {
	{"counts_empty", FG_METRIC_COUNTS, FG_GROUP_NONE, false, 0, 0, 0},
	{"counts_bool", FG_METRIC_COUNTS, FG_GROUP_BOOL, false, 40, 2, 0},
	{"counts_int_weighted", FG_METRIC_COUNTS, FG_GROUP_INT, true, 60, 5, 0},
	{"counts_text", FG_METRIC_COUNTS, FG_GROUP_TEXT, false, 30, 4, 0},
	{"counts_many_groups", FG_METRIC_COUNTS, FG_GROUP_INT, false, 300, 150, 0},
	{"ks_int", FG_METRIC_KS, FG_GROUP_INT, false, 50, 3, 0},
	{"ks_text_weighted", FG_METRIC_KS, FG_GROUP_TEXT, true, 40, 3, 0},
	{"ks_bool", FG_METRIC_KS, FG_GROUP_BOOL, false, 20, 2, 0},
	{"gap_one", FG_METRIC_GAP, FG_GROUP_INT, false, 30, 2, 1},
	{"gap_text_weighted", FG_METRIC_GAP, FG_GROUP_TEXT, true, 40, 3, 5},
	{"gap_empty", FG_METRIC_GAP, FG_GROUP_NONE, false, 0, 0, 3},
};

void
fuzz_write_seeds(const char *dir)
{
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
	{
		const seed_spec *sp = &specs[i];
		fg_metric_state st;
		fg_error	err;
		double		t[8] = {0.5, -1.0, 0.25, 0.25, 3.0, 0.75, -0.5, 10.0};
		uint8_t    *buf;
		size_t		len;
		char		name[96];

		if (fg_metric_init(&st, &fuzz_env, sp->kind, sp->key_kind, sp->weighted, t,
						   (uint32_t) sp->thresholds, &err) != FG_OK)
			fuzz_die("seed %s: %s", sp->name, err.message);
		for (int r = 0; r < sp->rows; r++)
		{
			uint8_t		key[16];
			size_t		klen = 8;
			int			g = (r * 7) % sp->groups;
			double		w = sp->weighted ? (r % 5) * 0.75 : 1.0;
			fg_status	s;

			if (sp->key_kind == FG_GROUP_TEXT)
				klen = (size_t) snprintf((char *) key, sizeof(key), "g%d", g);
			else
				fg_key_from_int64(sp->key_kind == FG_GROUP_BOOL ? g % 2 : (int64_t) g * 1000 - 7, key);
			if (sp->kind == FG_METRIC_COUNTS)
				s = fg_metric_add_counts(&st, key, klen, r % 3 == 0, r % 4 < 2, w, &err);
			else
				s = fg_metric_add_score(&st, key, klen, (r % 9) * 0.2 - 0.4 + (r % 2 ? -0.0 : 0.0),
										w, &err);
			if (s != FG_OK)
				fuzz_die("seed %s: %s", sp->name, err.message);
		}
		len = fg_metric_encoded_size(&st);
		buf = malloc(len);
		if (fg_metric_encode(&st, buf, len, &err) != FG_OK)
			fuzz_die("seed %s: %s", sp->name, err.message);
		fuzz_seed(dir, sp->name, buf, len);
		/* near-valid: cut short, and one byte changed in the body, resealed */
		snprintf(name, sizeof(name), "%s_cut", sp->name);
		fuzz_seed(dir, name, buf, len - len / 3);
		if (len > 60)
		{
			buf[55] ^= 0x40;
			fuzz_reseal(buf, len);
			snprintf(name, sizeof(name), "%s_flip", sp->name);
			fuzz_seed(dir, name, buf, len);
		}
		free(buf);
		fg_metric_free(&st);
	}
}
