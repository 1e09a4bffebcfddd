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
 * form).  Raises an error for unknown keys, bad values, or a missing method.
 * Allocates feature names in CurrentMemoryContext.
 */
void		fgsql_parse_fit_settings(double rho, double lambda, Jsonb *options,
								  fgsql_fit_settings *settings);

#endif							/* FGSQL_FIT_OPTIONS_H */
