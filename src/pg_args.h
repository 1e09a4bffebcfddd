/*
 * pg_args.h -- decoding of SQL arguments shared by several functions.
 */
#ifndef FG_PG_ARGS_H
#define FG_PG_ARGS_H

#include "postgres.h"

/* A 0/1 argument given as boolean or integer; other integers are an error. */
uint8		fg_binary_datum(Datum value, Oid type, const char *name);

#endif							/* FG_PG_ARGS_H */
