/*
 * module.h -- the extension's settings that other files read (module.c
 * defines them and registers them in _PG_init).
 */
#ifndef FG_MODULE_H
#define FG_MODULE_H

/* fairglmm.max_training_memory, in kB */
extern int	fg_max_training_memory_kb;

#endif							/* FG_MODULE_H */
