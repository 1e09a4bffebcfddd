/*
 * fairness.h -- the fairness terms of a fit (core-internal).
 *
 * A term is the weighted covariance between the indicator of one category
 * of one sensitive attribute and the linear predictor, over the rows of one
 * outcome group (every row, or the rows with y = 1, or y = 0):
 *
 *   cov_t = sum_{l in R_t} w_l (1[s_l = j_t] - share_t) eta_l / W_t
 *         = a_t'delta / W_t
 *
 * where W_t is the weight of the rows R_t, share_t the weighted share of
 * category j_t among them (a category with no rows in a group gives a term
 * that is identically zero: that notion cannot see it there), and
 *
 *   a_t = sum_{l in R_t} w_l (1[s_l = j_t] - share_t) [1, x_l, e_g(l)].
 *
 * a_t's first entry is zero (the indicator is centred), so adding a
 * constant to eta leaves every covariance alone.  The penalty of the fair
 * methods is rho N sum_t cov_t^2 with N the weight of all rows used (the
 * number of rows when unweighted): kappa_t = rho N / W_t^2 in newton.h's
 * terms.  For one binary attribute, unweighted, with demographic parity
 * this is 1.0's penalty (rho / N)(a'delta)^2 exactly.
 */
#ifndef FG_FAIRNESS_H
#define FG_FAIRNESS_H

#include "fg_core.h"
#include "summary.h"

typedef struct fg_terms
{
	uint32_t	n_terms;
	uint32_t	m;				/* length of each a_t: 1 + p (+ n with strata) */
	fg_term_fit *term;			/* n_terms: what each term is (results not yet filled) */
	double	   *A;				/* n_terms x m, row t is a_t */
	double		weight_sum;		/* N: the weight of every row used */
	uint32_t	n_attr;			/* attributes (1 for the binary s) */
	const uint32_t *n_cats;		/* categories per attribute (NULL: the binary s) */
} fg_terms;

/*
 * The terms of the data under opt->fairness.  sum is the summary of
 * fg_summarize (its a and means are used where they apply).  Fails with
 * FG_ERR_DATA, naming the attribute, when an attribute has fewer than two
 * categories, and with FG_ERR_INVALID when there are too many terms.
 */
fg_status	fg_terms_build(const fg_env *env, const fg_data *data, const fg_options *opt,
						   const fg_summary *sum, bool with_strata, fg_terms *terms,
						   fg_error *err);
void		fg_terms_free(const fg_env *env, fg_terms *terms);

/*
 * fg_terms_build in two steps, for rows that come in blocks (passes.h):
 * per attribute, outcome group and category the weight, the weighted sums
 * of the features less mean, and the weight per stratum (doubles:
 * fg_terms_sums_size), added up over the rows of data; then the terms from
 * those sums.  data gives the attributes' categories; sum the summary of
 * every row, weighted whether the rows have weights.
 */
size_t		fg_terms_sums_size(const fg_data *data, const fg_options *opt, bool with_strata);
void		fg_terms_accumulate(const fg_data *data, const fg_options *opt, const double *mean,
								bool with_strata, double *sums);
fg_status	fg_terms_from_sums(const fg_env *env, const fg_data *data, const fg_options *opt,
							   const fg_summary *sum, bool weighted, const double *sums,
							   bool with_strata, double weight_sum, fg_terms *terms,
							   fg_error *err);

/*
 * Bytes the fairness terms of a fair method will take during the fit: the
 * vectors, their workspace in the Newton solver and in boosting; 0 when
 * the method has no terms.  For the memory limit, before fitting.
 */
size_t		fg_terms_memory(const fg_data *data, const fg_options *opt, bool with_strata);

/* The attribute's category of row l. */
static inline uint32_t
fg_row_category(const fg_data *data, size_t l, uint32_t attr)
{
	return data->n_attr == 0 ? data->s[l] : data->codes[l * data->n_attr + attr];
}

#endif							/* FG_FAIRNESS_H */
