/*
 * train_compare.h -- whether two training states hand the solver the same
 * rows, for the unit tests (uses unit.h's CHECK).
 */
#ifndef FG_TEST_TRAIN_COMPARE_H
#define FG_TEST_TRAIN_COMPARE_H

#include "model_format.h"
#include "train_state.h"
#include "unit.h"

#include <string.h>

/* Is the dictionary in strictly increasing fg_key_compare order? */
static bool __attribute__((unused))
dict_sorted(const fg_strata_dict *dict)
{
	for (uint32_t i = 0; i + 1 < dict->count; i++)
	{
		size_t		la,
					lb;
		const uint8_t *a = fg_dict_key(dict, i, &la);
		const uint8_t *b = fg_dict_key(dict, i + 1, &lb);

		if (fg_key_compare(a, la, b, lb) >= 0)
			return false;
	}
	return true;
}

static bool __attribute__((unused))
same_dict(const fg_strata_dict *a, const fg_strata_dict *b)
{
	if (a->count != b->count)
		return false;
	for (uint32_t i = 0; i < a->count; i++)
	{
		size_t		la,
					lb;
		const uint8_t *ka = fg_dict_key(a, i, &la);
		const uint8_t *kb = fg_dict_key(b, i, &lb);

		if (la != lb || (la > 0 && memcmp(ka, kb, la) != 0))
			return false;
	}
	return true;
}

/*
 * a and b hand the solver the same rows: fg_train_data of both (which
 * sorts every dictionary) agrees in every count, dictionary and row.
 */
static bool __attribute__((unused))
same_data(fg_train *a, fg_train *b, const char *what)
{
	fg_data		da,
				db;
	fg_error	err;
	bool		ok = true;

	if (!CHECK(fg_train_data(a, &da, &err) == FG_OK, "%s: %s", what, err.message) ||
		!CHECK(fg_train_data(b, &db, &err) == FG_OK, "%s: %s", what, err.message))
		return false;
	ok &= CHECK(da.n_rows == db.n_rows && da.p == db.p && da.n_strata == db.n_strata &&
				da.n_attr == db.n_attr, "%s: rows %zu/%zu, p %d/%d, strata %u/%u, attributes %u/%u",
				what, da.n_rows, db.n_rows, da.p, db.p, da.n_strata, db.n_strata,
				da.n_attr, db.n_attr);
	ok &= CHECK((da.s == NULL) == (db.s == NULL) && (da.w == NULL) == (db.w == NULL) &&
				(da.y == NULL) == (db.y == NULL) && (da.y_real == NULL) == (db.y_real == NULL) &&
				(da.n_rows == 0 || (da.y == NULL) != (da.y_real == NULL)) &&
				(da.codes == NULL) == (db.codes == NULL) &&
				(da.stratum == NULL) == (db.stratum == NULL), "%s: columns differ", what);
	if (!ok)
		return false;
	for (uint32_t k = 0; k < da.n_attr; k++)
		ok &= CHECK(da.n_cats[k] == db.n_cats[k], "%s: attribute %u", what, k);
	/* the labels, when both keep them (a coded state may equal a binary one) */
	for (uint32_t k = 0; a->n_attr == b->n_attr && k < a->n_attr; k++)
		ok &= CHECK(same_dict(&a->attrs[k], &b->attrs[k]) && dict_sorted(&a->attrs[k]),
					"%s: the labels of attribute %u", what, k);
	if (a->uses_strata)
		ok &= CHECK(same_dict(&a->dict, &b->dict) && dict_sorted(&a->dict), "%s: strata", what);
	for (size_t l = 0; l < da.n_rows && ok; l++)
	{
		bool		row = (da.p == 0 ||
						   memcmp(fg_data_row(&da, l), fg_data_row(&db, l), sizeof(double) * da.p) == 0) &&
			(da.y == NULL || da.y[l] == db.y[l]) &&
			(da.y_real == NULL || memcmp(&da.y_real[l], &db.y_real[l], sizeof(double)) == 0) &&
			(da.s == NULL || da.s[l] == db.s[l]) &&
			(da.w == NULL || memcmp(&da.w[l], &db.w[l], sizeof(double)) == 0) &&
			(da.stratum == NULL || da.stratum[l] == db.stratum[l]) &&
			(da.codes == NULL ||
			 memcmp(da.codes + l * da.n_attr, db.codes + l * db.n_attr,
					sizeof(uint32_t) * da.n_attr) == 0);

		ok &= CHECK(row, "%s: row %zu differs", what, l);
	}
	return ok;
}

#endif							/* FG_TEST_TRAIN_COMPARE_H */
