/*
 * pg_errors.h -- a core failure (fg_error) as a PostgreSQL error.
 */
#ifndef FG_PG_ERRORS_H
#define FG_PG_ERRORS_H

#include "postgres.h"

#include "fg_core.h"

/* ereport(ERROR) for a core failure, with the errcode its status calls for. */
void		fg_report_error(const fg_error *err) pg_attribute_noreturn();

#endif							/* FG_PG_ERRORS_H */
