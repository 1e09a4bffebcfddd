/*
 * newton.h -- Newton's method for the convex LR / CRLR family (core-internal).
 *
 * The problem minimised is
 *
 *   J(delta) = sum_l [log(1 + e^eta_l) - y_l eta_l] + lambda ||b||^2
 *              + l2 ||beta||^2 + (rho / N) (a'delta)^2 + lin * a'delta
 *
 * with delta = (beta0, beta, b) and eta = beta0 + x'beta + b[stratum].  The
 * linear term lin * a'delta is how the constrained form adds its Lagrange
 * multiplier.  The Hessian is an arrow matrix (dense fixed block, diagonal
 * stratum block) plus a rank-one term; it is never formed in full: the
 * rank-one term is folded into the Schur complement of the fixed block.
 */
#ifndef FG_NEWTON_H
#define FG_NEWTON_H

#include "fg_core.h"
#include "summary.h"

typedef struct fg_problem
{
	const fg_data *data;
	int			k;				/* 1 + p fixed-effect parameters */
	uint32_t	n;				/* random intercepts (0 without strata) */
	double		lambda;
	double		l2;				/* ridge l2 ||beta||^2 on the slopes */
	double		rho_over_n;		/* rho / N */
	double		lin;			/* coefficient of the linear term a'delta */
	double	   *a;				/* k + n: sum_l (s_l - s_bar) [1, x_l, e_g(l)] */
	double		s_bar;
	/*
	 * Lower bound of the Hessian's row weights mu (1 - mu); 0 for the exact
	 * Hessian.  Boosting's variance update floors them as its own steps do,
	 * so rows fitted at probability 0 or 1 keep the Fisher matrix regular.
	 */
	double		w_floor;
	/*
	 * Set by callers that will not call fg_newton_solve_h after the solve:
	 * the last pass then builds the gradient only, not the Hessian.
	 */
	bool		final_gradient_only;
} fg_problem;

/* Workspace and factorisation of one Newton solve; owned by fg_newton_solve's caller. */
typedef struct fg_newton_ws
{
	double	   *eta;			/* N: linear predictor at the current point */
	double	   *deta;			/* N: linear predictor change of the step */
	double	   *eta_next;		/* N: linear predictor at the trial point */
	double	   *rowbuf;			/* per-row scratch of one block of rows */
	double	   *delta_next;		/* k + n: the trial point */
	double	   *grad;			/* k + n */
	double	   *step;			/* k + n */
	double	   *tmp;			/* k + n */
	double	   *tmp2;			/* k + n */
	double	   *F;				/* k x k: fixed block, then Schur complement factor */
	double	   *G;				/* n x k: stratum sums of w [1, x] */
	double	   *E;				/* n: stratum sums of w, + 2 lambda */
	double	   *block;			/* FG_BLOCK_ROWS x k scratch */
	/*
	 * The fairness term's share of the factorisation (rho > 0 only): the
	 * first k entries hold a_f - Gs'v, the last n hold v = a_b ./ sqrt(E);
	 * fair_gamma = (2 rho / N) / (1 + (2 rho / N) v'v).
	 */
	double	   *fair_vec;
	double		fair_gamma;
	/* set by fg_newton_start_intercept_only: the next solve needs no first pass */
	bool		primed;
	double		primed_objective;
	double		primed_max_abs_eta;
} fg_newton_ws;

typedef struct fg_solve_stats
{
	int			iterations;
	int			hessian_passes; /* passes over the rows that built a Hessian */
	bool		converged;
	double		objective;
	double		grad_norm;
	double		max_abs_eta;
} fg_solve_stats;

fg_status	fg_newton_ws_init(const fg_env *env, const fg_problem *prob, fg_newton_ws *ws,
							  fg_error *err);
void		fg_newton_ws_free(const fg_env *env, fg_newton_ws *ws);

/*
 * Build the problem for the data from its summary (fg_summarize with the
 * same with_strata); prob->a is env-allocated.
 */
fg_status	fg_problem_init(const fg_env *env, const fg_data *data, const fg_summary *sum,
							bool with_strata, double lambda, double rho, double l2, fg_problem *prob,
							fg_error *err);

/* Linear predictor for delta, into eta (N). */
void		fg_compute_eta(const fg_problem *prob, const double *delta, double *eta);

/* a'delta */
double		fg_a_dot(const fg_problem *prob, const double *delta);

/* Exact objective at delta given its eta. */
double		fg_objective(const fg_problem *prob, const double *delta, const double *eta);

/*
 * Minimise J from the starting point in delta (updated in place).  After a
 * successful return ws->F holds the Cholesky factor of the Schur complement
 * at the final point, so fg_newton_solve_h can reuse it (unless
 * prob->final_gradient_only was set), and ws->eta the linear predictor.
 */
fg_status	fg_newton_solve(const fg_env *env, const fg_problem *prob, const fg_options *opt,
							double *delta, fg_newton_ws *ws, fg_solve_stats *stats,
							fg_error *err);

/*
 * Put delta at the intercept-only point (logit of the share of ones, every
 * other entry 0) and fill ws with the linear predictor, gradient and
 * Hessian there from the summary, so the next fg_newton_solve skips its
 * first pass over the rows: at that point every row has the same weight.
 */
void		fg_newton_start_intercept_only(const fg_problem *prob, const fg_summary *sum,
										   double *delta, fg_newton_ws *ws);

/* x = H^-1 r with the Hessian factored by the last solve (rank-one term included); x != r. */
void		fg_newton_solve_h(const fg_problem *prob, fg_newton_ws *ws, const double *r,
							  double *x);

/*
 * Gradient, Hessian and its factorisation at the point whose linear
 * predictor is ws->eta (used by the boosting's variance update).
 */
fg_status	fg_newton_factor_at(const fg_env *env, const fg_problem *prob, const double *delta,
								fg_newton_ws *ws, fg_error *err);

/*
 * After fg_newton_factor_at with rho = 0: the diagonal of H^-1 in the
 * random-intercept block, into v (n entries).
 */
void		fg_newton_b_variances(const fg_problem *prob, fg_newton_ws *ws, double *v);

#endif							/* FG_NEWTON_H */
