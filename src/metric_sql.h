/*
 * metric_sql.h -- what the reporting aggregates share: the aggregate state
 * (a core metric state with the environment that allocates for it), the
 * checks of the "any" arguments, and group keys.
 */
#ifndef FG_METRIC_SQL_H
#define FG_METRIC_SQL_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

#include "group_metrics.h"

/* The aggregates' internal state. */
typedef struct fgsql_metric_box
{
	fg_env		env;			/* allocates in the aggregate's memory context */
	fg_metric_state st;
} fgsql_metric_box;

/*
 * How the arguments of one aggregate call are typed, worked out once and
 * kept in the transition function's fn_extra.  Argument positions count
 * the state as 0; -1 when the aggregate has no such argument (t_arg: the
 * thresholds of parity_gap).
 */
typedef struct fgsql_metric_args
{
	int			yhat_arg;
	int			y_arg;
	int			s_arg;
	int			w_arg;
	Oid			yhat_type;		/* base types */
	Oid			y_type;
	Oid			s_type;
	fg_group_kind kind;
	bool		thresholds_stable;	/* parity_gap: the argument cannot vary */
} fgsql_metric_args;

/*
 * The argument types of this call (checked on the first call, with an error
 * that names the argument and the types allowed).
 */
const fgsql_metric_args *fgsql_metric_args_get(FunctionCallInfo fcinfo, int yhat_arg, int y_arg,
								   int s_arg, int t_arg, int w_arg);

/* A 0/1 value given as boolean, smallint, integer or bigint. */
int			fgsql_metric_binary(Datum d, Oid type, const char *name);

/* The key of a sensitive value; buf holds integer keys.  Sets *len. */
const uint8 *fgsql_metric_group_key(const fgsql_metric_args *a, Datum d, uint8 buf[8], size_t *len);

/*
 * The row's weight: false when it is NULL (the row is skipped); an error
 * when it is negative, NaN or infinite.
 */
bool		fgsql_metric_weight(FunctionCallInfo fcinfo, int argno, double *w);

/* The aggregate memory context; an error outside an aggregate. */
MemoryContext fgsql_metric_aggcontext(FunctionCallInfo fcinfo);

/* A new, empty state in mcxt, limited by fairglmm.max_training_memory. */
fgsql_metric_box *fgsql_metric_box_new(MemoryContext mcxt, fg_metric_kind kind, fg_group_kind key_kind,
						   bool weighted, const double *thresholds, uint32 n_thresholds);

/* Report a failure of the core on box's state: limits as 54000, the rest by status. */
void		fgsql_metric_error(FunctionCallInfo fcinfo, const fgsql_metric_box *box, const fg_error *err)
			pg_attribute_noreturn();

/* The group key as a JSON value (false/true, a number, or a string). */
void		fgsql_metric_key_json(StringInfo buf, fg_group_kind kind, const uint8 *key, size_t len);

/* A double as the shortest JSON number that reads back the same; null when not finite. */
void		fgsql_metric_number_json(StringInfo buf, double v);

#endif							/* FG_METRIC_SQL_H */
