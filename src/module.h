/*
 * module.h -- the extension's settings that other files read (module.c
 * defines them and registers them in _PG_init).
 */
#ifndef FGSQL_MODULE_H
#define FGSQL_MODULE_H

/* fairglmm.max_training_memory, in kB */
extern int	fgsql_max_training_memory_kb;

#endif							/* FGSQL_MODULE_H */
