/*
 * pg_errors.h -- a core failure (fg_error) as a PostgreSQL error.
 */
#ifndef FGSQL_PG_ERRORS_H
#define FGSQL_PG_ERRORS_H

#include "postgres.h"

#include "fg_core.h"

/* ereport(ERROR) for a core failure, with the errcode its status calls for. */
void		fgsql_report_error(const fg_error *err) pg_attribute_noreturn();

#endif							/* FGSQL_PG_ERRORS_H */
