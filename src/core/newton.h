/*
 * newton.h -- Newton's method for the convex LR / CRLR family (core-internal).
 *
 * The problem minimised is
 *
 *   J(delta) = sum_l w_l [log(1 + e^eta_l) - y_l eta_l] + lambda ||b||^2
 *              + l2 ||beta||^2 + sum_t [kappa_t (a_t'delta)^2 + lin_t a_t'delta]
 *
 * with delta = (beta0, beta, b), eta = beta0 + x'beta + b[stratum], w_l the
 * row weights (1 without weights) and a_t the vectors of the fairness terms
 * (fairness.h): a_t'delta is W_t times term t's covariance.  The penalty
 * rho N sum_t cov_t^2 is kappa_t = rho N / W_t^2; the linear terms are how
 * the constrained form adds its Lagrange multipliers.  The Hessian is an
 * arrow matrix (dense fixed block, diagonal stratum block) plus a term of
 * rank T; it is never formed in full: the rank-T term is folded into the
 * Schur complement of the fixed block.
 */
#ifndef FG_NEWTON_H
#define FG_NEWTON_H

#include "fg_core.h"
#include "summary.h"

struct fg_problem;
struct fg_newton_ws;

/* What a pass over rows held elsewhere must return besides the loss. */
typedef enum fg_pass_need
{
	FG_NEED_LOSS = 0,			/* the loss only */
	FG_NEED_GRADIENT = 1,		/* and the gradient's row part */
	FG_NEED_HESSIAN = 2			/* and the Hessian blocks F and G */
} fg_pass_need;

/*
 * Rows the core does not hold (fairglmm_train: one SQL aggregate per
 * pass).  newton() runs the rows' share of a pass at delta, exactly what
 * fg_newton_block_pass adds up over a block: it returns the loss, adds the
 * gradient's row part to ws->grad and, for FG_NEED_HESSIAN, the blocks to
 * ws->F and ws->G (all zeroed by the caller; ws is NULL for FG_NEED_LOSS),
 * and sets *max_abs_eta.  It
 * may not return (an error or a cancel in the server).
 */
typedef struct fg_row_passes
{
	void	   *ctx;
	double		(*newton) (void *ctx, const struct fg_problem *prob, const double *delta,
						   fg_pass_need need, struct fg_newton_ws *ws, double *max_abs_eta);
	/* the rows' weight (their number when unweighted): the problem's data holds none */
	double		weight;
} fg_row_passes;

typedef struct fg_problem
{
	const fg_data *data;
	/* when set, the rows live elsewhere and every pass goes through it (data->n_rows is 0) */
	const fg_row_passes *passes;
	int			k;				/* 1 + p fixed-effect parameters */
	uint32_t	n;				/* random intercepts (0 without strata) */
	double		lambda;
	double		l2;				/* ridge l2 ||beta||^2 on the slopes */
	uint32_t	n_terms;		/* fairness terms T (0: none) */
	const double *A;			/* T x (k + n), row t is a_t; owned by the caller */
	double	   *kappa;			/* T: penalty weights (owned, like lin and ad) */
	double	   *lin;			/* T: linear coefficients */
	double	   *ad;				/* 2 T: scratch for a_t'delta and a_t'step */
	const fg_term_fit *terms;	/* T: what the terms are (W_t), or NULL; not used by the solver */
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
	/*
	 * Set by callers that need the Hessian at the solution (the standard
	 * errors) but not at every point: the last pass builds it, while the
	 * one before may reuse a factor (a chord step) as with
	 * final_gradient_only.
	 */
	bool		final_hessian;
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
	 * The fairness terms' share of the factorisation (when some kappa_t >
	 * 0), see factor() in newton.c: fair_C (k x T) holds sqrt(2 kappa_t)
	 * (a_f,t - Gs'v_t), fair_L (n x T) sqrt(2 kappa_t) v_t with
	 * v_t = a_b,t ./ sqrt(E), fair_R (T x T) the Cholesky factor of
	 * I + L'L; fair_tmp is 2 T of scratch.
	 */
	bool		fair;
	double	   *fair_C;
	double	   *fair_L;
	double	   *fair_R;
	double	   *fair_tmp;
	/*
	 * F holds the factor of the Hessian at the point of the last pass (no
	 * pass since factor()), built with these penalties: lets a caller reuse
	 * it (fg_newton_factored_for).  fact_kappa has n_terms entries.
	 */
	bool		factored;
	double		fact_lambda;
	double		fact_l2;
	double		fact_w_floor;
	double	   *fact_kappa;
	/* set by fg_newton_start_intercept_only: the next solve needs no first pass */
	bool		primed;
	double		primed_objective;
	double		primed_max_abs_eta;
	/* k x k: the Schur complement of the last factor() before the fairness terms */
	double	   *S0;
	/*
	 * set by fg_newton_resume_load: gradient, objective and factor are
	 * ready for the next solve, whose first step reuses the factor
	 * (resumed_exact: it is the Hessian of the starting point itself)
	 */
	bool		resumed;
	bool		resumed_exact;
	/*
	 * set by fg_newton_solve while it runs the pass whose point ends the
	 * solve: rows held elsewhere (fg_row_passes) may add up what the caller
	 * will want there in the same pass
	 */
	bool		last_pass;
} fg_newton_ws;

/*
 * A solution kept to start the next solve at another kappa without a pass
 * over the rows (a rho path, the target search): the loss part of the
 * last factorisation (S0, Gs, E), the gradient and objective at the
 * solution, and the kappa they were computed with.
 */
typedef struct fg_newton_resume
{
	bool		valid;
	bool		exact;			/* the factor is of the solution itself */
	double	   *S0;				/* k x k */
	double	   *G;				/* n x k */
	double	   *E;				/* n */
	double	   *grad;			/* k + n */
	double	   *kappa;			/* T */
	double		objective;
	double		max_abs_eta;
} fg_newton_resume;

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
 * Build the problem for the data with n_terms fairness vectors A (T x
 * (k + n), kept by the caller) and penalty weights kappa (copied); kappa,
 * lin and ad are env-allocated: free with fg_problem_free.
 */
fg_status	fg_problem_init(const fg_env *env, const fg_data *data, bool with_strata,
							double lambda, double l2, uint32_t n_terms, const double *A,
							const double *kappa, fg_problem *prob, fg_error *err);
void		fg_problem_free(const fg_env *env, fg_problem *prob);

/* Linear predictor for delta, into eta (N). */
void		fg_compute_eta(const fg_problem *prob, const double *delta, double *eta);

/* out[t] = a_t'v for every term */
void		fg_term_dots(const fg_problem *prob, const double *v, double *out);

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

/*
 * The rows' share of a pass at delta over the rows of prob->data (a block
 * of rows that a pass aggregate buffered): the loss, returned, and per need
 * the gradient's row part added to ws->grad and the Hessian blocks to ws->F
 * (upper triangle, without its first row when there are strata) and ws->G.
 * ws needs eta, eta_next and rowbuf for FG_BLOCK_ROWS rows (pass.h) and
 * block; max |eta| goes to *max_abs_eta when larger.
 */
double		fg_newton_block_pass(const fg_env *env, const fg_problem *prob, const double *delta,
								 fg_pass_need need, struct fg_newton_ws *ws,
								 double *max_abs_eta);

/* x = H^-1 r with the Hessian factored by the last solve (fairness terms included); x != r. */
void		fg_newton_solve_h(const fg_problem *prob, fg_newton_ws *ws, const double *r,
							  double *x);

/*
 * Gradient, Hessian and its factorisation at the point whose linear
 * predictor is ws->eta (used by the boosting's variance update).
 */
fg_status	fg_newton_factor_at(const fg_env *env, const fg_problem *prob, const double *delta,
								fg_newton_ws *ws, fg_error *err);

/*
 * Factor the Hessian whose blocks the caller wrote into ws (F's upper
 * triangle, G and E as a pass builds them: without the ridges), for a fit
 * that builds them from sums instead of a pass (stream.h).
 */
fg_status	fg_newton_factor_given(const fg_problem *prob, fg_newton_ws *ws, fg_error *err);

/*
 * Does ws->F hold the factor of prob's Hessian at the point of the last
 * pass (the solution, after fg_newton_solve without final_gradient_only)?
 */
bool		fg_newton_factored_for(const fg_problem *prob, const fg_newton_ws *ws);

fg_status	fg_newton_resume_init(const fg_env *env, const fg_problem *prob,
								  fg_newton_resume *r, fg_error *err);
void		fg_newton_resume_free(const fg_env *env, fg_newton_resume *r);

/*
 * Keep what fg_newton_solve left in ws (solution delta's gradient, the
 * factor's loss part) for fg_newton_resume_load.  Call right after a
 * successful solve, before anything else uses ws.
 */
void		fg_newton_resume_save(const fg_problem *prob, const fg_newton_ws *ws,
								  const fg_solve_stats *stats, fg_newton_resume *r);

/*
 * Prepare ws so that the next fg_newton_solve starts at the kept solution
 * delta with prob's (new) kappa and makes no first pass: the gradient and
 * objective change only by the penalty terms, and the factor is refolded
 * with the new kappa.  ws->eta must still be the solution's linear
 * predictor.  Its first step is Newton's step for the new problem when
 * the kept factor was exact, a chord step otherwise; then the solve
 * continues with chord steps while they contract fast.
 */
fg_status	fg_newton_resume_load(const fg_problem *prob, fg_newton_ws *ws,
								  const fg_newton_resume *r, const double *delta,
								  fg_error *err);

/*
 * After fg_newton_factor_at without fairness terms: the diagonal of H^-1 in the
 * random-intercept block, into v (n entries).
 */
void		fg_newton_b_variances(const fg_problem *prob, fg_newton_ws *ws, double *v);

#endif							/* FG_NEWTON_H */
