/*
 * fit_state.h -- the transition state of the fairglmm_fit aggregate, shared
 * by the serial path (fit_agg.c: transition and final functions) and the
 * parallel path (fit_parallel.c: serialise, deserialise, combine).
 */
#ifndef FGSQL_FIT_STATE_H
#define FGSQL_FIT_STATE_H

#include "postgres.h"

#include "utils/array.h"
#include "utils/jsonb.h"

#include "fit_options.h"
#include "state_format.h"
#include "train_state.h"

/* Tags of the two kinds of `internal` values the aggregate passes around. */
#define FGSQL_FIT_STATE_TAG	0x46475453u	/* a collecting state (fgsql_fit_state) */
#define FGSQL_FIT_VIEW_TAG	0x46475456u	/* a deserialised partial state (fgsql_fit_view) */

typedef struct fgsql_fit_state
{
	uint32		tag;			/* FGSQL_FIT_STATE_TAG */
	MemoryContext mcxt;			/* the aggregate context everything lives in */
	fg_env		env;

	Oid			y_type;
	Oid			strata_type;
	Oid			s_type;			/* the sensitive argument's type (element type of an array) */
	fg_arg_kind s_kind;			/* ... in the core's terms */
	bool		s_array;		/* sensitive is an array of attributes */
	bool		weighted;		/* the call has a weight argument */
	int			rho_arg;		/* argument number of rho (lambda, options follow) */
	/* fairglmm_path: the rhos argument (its bytes, to compare rows) and its values */
	bool		path;
	ArrayType  *rhos_arg;
	uint32		n_rhos;
	double	   *rhos;

	fgsql_fit_settings settings;
	Jsonb	   *options;		/* copy, to check every row passes the same */
	bool		settings_stable;	/* rho, lambda, options are constants or parameters */
	bool		uses_strata;
	/* strata collected only for folds of whole strata: a row needs one (fit_agg.c) */
	bool		strata_for_folds;
	fg_state_config config;		/* the settings in the core's terms */

	fg_train	train;			/* the rows */
} fgsql_fit_state;

/*
 * A partial state as the leader of a parallel aggregate receives it: a
 * validated view into the serialised bytes, which live as long as the input
 * tuple, i.e. until the combine function that follows has run.
 */
typedef struct fgsql_fit_view
{
	uint32		tag;			/* FGSQL_FIT_VIEW_TAG */
	fg_state_view view;
} fgsql_fit_view;

/* Is a strata (or sensitive) argument of this type taken as text? */
bool		fgsql_strata_is_text(Oid type);

/* Fill st->config from st's settings, argument types and options. */
void		fgsql_fit_state_fill_config(fgsql_fit_state *st);

/*
 * A state for rows of the given argument types (y, strata, sensitive),
 * with its settings parsed from rho, lambda and options (kept, not
 * copied), in memory context cxt; fgsql_fit_state_start then readies its
 * training rows (stream: least-squares sums in place of the rows).
 */
fgsql_fit_state *fgsql_fit_state_new(MemoryContext cxt, Oid y_type, Oid strata_type,
									 Oid s_type, bool weighted, bool path, double rho,
									 double lambda, Jsonb *options);
void		fgsql_fit_state_start(fgsql_fit_state *st, bool stream);

/* A state with the settings of a decoded partial state (sums: it keeps sums), no rows yet. */
fgsql_fit_state *fgsql_fit_state_from_config(const fg_state_config *c, bool sums,
											 MemoryContext cxt);

/*
 * Read the row of a call whose arguments 1 to 4 are y, x, strata and
 * sensitive (5 the weight when weighted) into st: checked as fairglmm_fit
 * checks it, skipped and counted when it has a NULL the fit needs.
 */
void		fgsql_fit_add_row(FunctionCallInfo fcinfo, fgsql_fit_state *st);

/* A fair method's attributes have two categories each; "c" bounds only attributes there are. */
void		fgsql_check_attributes(const fgsql_fit_state *st);

/* The model of fit at rho, as bytea (data is not read). */
bytea	   *fgsql_encode_model(const fgsql_fit_state *st, const fg_data *data, fg_fit *fit,
							   fg_env *env, double rho);

/* Warnings about a fit (not converged, separation, blind terms); what names it. */
void		fgsql_warn_about_fit(const fg_fit *fit, fg_method method, const char *what);

/* env->progress for option "verbose": one NOTICE a line. */
void		fgsql_progress_notice(void *ctx, const char *message);

#endif							/* FGSQL_FIT_STATE_H */
