/*
 * module.h -- the extension's settings that other files read (module.c
 * defines them and registers them in _PG_init).
 */
#ifndef FGSQL_MODULE_H
#define FGSQL_MODULE_H

/* fairglmm.max_training_memory, in kB */
extern int	fgsql_max_training_memory_kb;

/* fairglmm.unseen_strata: how scoring treats a stratum the model has not seen */
typedef enum fgsql_unseen_strata
{
	FGSQL_UNSEEN_POPULATION = 0,	/* score without a random intercept (b = 0) */
	FGSQL_UNSEEN_ERROR = 1,		/* raise an error */
	FGSQL_UNSEEN_NULL = 2		/* return NULL */
} fgsql_unseen_strata_policy;

extern int	fgsql_unseen_strata;

#endif							/* FGSQL_MODULE_H */
