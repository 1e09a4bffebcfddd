/*
 * fit_options.h -- the options of fairglmm_fit, parsed from jsonb.
 */
#ifndef FGSQL_FIT_OPTIONS_H
#define FGSQL_FIT_OPTIONS_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "fg_core.h"

typedef struct fgsql_fit_settings
{
	fg_options	opt;
	bool		has_c;
	int			n_feature_names;	/* -1 when not given */
	char	  **feature_names;
} fgsql_fit_settings;

/*
 * Fill *settings from rho, lambda and the options (NULL for the six-argument
 * form).  family is option "family" when the options do not give it: it
 * follows from the type of y.  Raises an error for unknown keys, bad
 * values, a missing method, or settings the family does not allow.
 * Allocates feature names in CurrentMemoryContext.
 */
void		fgsql_parse_fit_settings(double rho, double lambda, Jsonb *options, fg_family family,
								  fgsql_fit_settings *settings);

#endif							/* FGSQL_FIT_OPTIONS_H */
