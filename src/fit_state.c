/*
 * fit_state.c -- the aggregate's settings in the core's terms: what a
 * serialised part carries and what the combine function compares.
 */
#include "postgres.h"

#include "catalog/pg_type.h"

#include "fit_state.h"

bool
fgsql_strata_is_text(Oid type)
{
	return type == TEXTOID || type == VARCHAROID || type == UNKNOWNOID;
}

void
fgsql_fit_state_fill_config(fgsql_fit_state *st)
{
	fg_state_config *c = &st->config;

	memset(c, 0, sizeof(*c));
	c->opt = st->settings.opt;
	c->has_c = st->settings.has_c;
	c->n_feature_names = st->settings.n_feature_names;
	c->feature_names = st->settings.feature_names;
	c->y_kind = st->y_type == BOOLOID ? FG_ARG_BOOL
		: st->y_type == NUMERICOID ? FG_ARG_NUMERIC
		: st->y_type == FLOAT8OID || st->y_type == FLOAT4OID ? FG_ARG_FLOAT8 : FG_ARG_INT;
	c->s_kind = st->s_kind;
	c->s_array = st->s_array;
	c->weighted = st->weighted;
	c->strata_kind = fgsql_strata_is_text(st->strata_type) ? FG_STRATA_TEXT
		: st->strata_type == INT8OID ? FG_STRATA_INT8 : FG_STRATA_INT4;
	c->has_options = st->options != NULL;
	c->options = st->options ? (const uint8_t *) st->options : NULL;
	c->options_len = st->options ? VARSIZE(st->options) : 0;
	c->n_rhos = st->path ? st->n_rhos : 0;
	c->rhos = st->path ? st->rhos : NULL;
}
