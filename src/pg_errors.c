/*
 * pg_errors.c -- maps the core's failures onto PostgreSQL errors.  The core
 * writes its messages in PostgreSQL's style, so only the SQLSTATE is chosen
 * here.
 */
#include "postgres.h"

#include "pg_errors.h"

void
fgsql_report_error(const fg_error *err)
{
	int			code;

	switch (err->status)
	{
		case FG_ERR_INVALID:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
		case FG_ERR_DATA:
		case FG_ERR_COLLINEAR:
		case FG_ERR_SEPARATION:
			code = ERRCODE_DATA_EXCEPTION;
			break;
		case FG_ERR_NOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		case FG_ERR_CORRUPT:
			code = ERRCODE_DATA_CORRUPTED;
			break;
		case FG_ERR_NOT_CONVERGED:
		case FG_ERR_NUMERIC:
		default:
			code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", err->message),
			 err->detail[0] ? errdetail("%s", err->detail) : 0,
			 err->hint[0] ? errhint("%s", err->hint) : 0));
	pg_unreachable();
}
