/*
 * pg_args.c -- decoding of SQL arguments shared by several functions: y,
 * sensitive and yhat may each be boolean or integer 0/1.
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "pg_args.h"

uint8
fgsql_binary_datum(Datum value, Oid type, const char *name)
{
	int32		v;

	if (type == BOOLOID)
		return DatumGetBool(value) ? 1 : 0;
	v = DatumGetInt32(value);
	if (v != 0 && v != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be 0 or 1", name),
				 errdetail("A row has %s = %d.", name, v),
				 errhint("Recode the column to 0/1 or pass a boolean.")));
	return (uint8) v;
}
