/*
 * pg_args.h -- decoding of SQL arguments shared by several functions.
 */
#ifndef FGSQL_PG_ARGS_H
#define FGSQL_PG_ARGS_H

#include "postgres.h"

/* A 0/1 argument given as boolean or integer; other integers are an error. */
uint8		fgsql_binary_datum(Datum value, Oid type, const char *name);

#endif							/* FGSQL_PG_ARGS_H */
