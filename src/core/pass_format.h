/*
 * pass_format.h -- the bytes of fairglmm_train's passes (core-internal).
 *
 * A pass request tells the pass aggregate what to add up: the section
 * kinds and layout of passes.h, the point and the other constants of the
 * pass, the fit's settings (so rows are read exactly as fairglmm_fit reads
 * them) and the dictionaries of the first pass (strata and sensitive
 * labels, as a training state of state_format.h without rows).  A request
 * of no kind is the first pass itself, which collects those dictionaries.
 *
 * A pass state is the aggregate's state as it leaves a worker: the layout
 * and the accumulator of passes.h, or the dictionaries (a training state's
 * bytes) for the first pass.  Both have the frame of the other formats
 * (magic, version, byte order mark, flags, total length: 20 bytes), are
 * little-endian and end with a CRC-32C; the decoders check everything
 * before they trust a count, so any bytes give an error, never a crash.
 */
#ifndef FG_PASS_FORMAT_H
#define FG_PASS_FORMAT_H

#include "fg_core.h"
#include "passes.h"

#define FG_PASS_REQUEST_MAGIC	0x51504746u /* "FGPQ" */
#define FG_PASS_STATE_MAGIC		0x53504746u /* "FGPS" */
#define FG_PASS_FORMAT_VERSION	1
/* strata a pass may have (the dictionaries of the first pass bound them anyway) */
#define FG_PASS_MAX_STRATA		(1u << 26)

/* A pass request, decoded: arrays point into the bytes. */
typedef struct fg_pass_request
{
	fg_pass_spec spec;			/* kinds 0: the first pass */
	/*
	 * The type oids of y, strata and sensitive as the source has them (the
	 * caller's business: the core only carries them; built-in types only)
	 */
	uint32_t	arg_types[3];
	double		rho;
	double		lambda;
	const char *options;		/* the options' JSON text (not terminated), or NULL */
	size_t		options_len;
	const uint8_t *dict;		/* the first pass's state (state_format.h), or NULL */
	size_t		dict_len;
} fg_pass_request;

size_t		fg_pass_request_size(const fg_pass_request *req);
/* Write req into buf (fg_pass_request_size bytes). */
void		fg_pass_request_encode(const fg_pass_request *req, uint8_t *buf, size_t len);
/* Check and decode; req's arrays point into bytes. */
fg_status	fg_pass_request_decode(const uint8_t *bytes, size_t len, fg_pass_request *req,
								   fg_error *err);

/*
 * After fg_pass_request_decode: the request's arrays (mean, point, step)
 * as aligned doubles, checked finite, in *store (env-allocated, freed by
 * the caller); spec's pointers are moved there.
 */
fg_status	fg_pass_request_arrays(const fg_env *env, fg_pass_request *req, double **store,
								   fg_error *err);

/* The bytes of an accumulator of spec (FG_PASS_STATE_MAGIC, not the first pass). */
size_t		fg_pass_state_size(const fg_pass_spec *spec);
void		fg_pass_state_encode(const fg_pass_spec *spec, const double *acc, uint8_t *buf,
								 size_t len);

/* The bytes of the first pass's state around a training state's bytes. */
size_t		fg_pass_dict_size(size_t train_len);
void		fg_pass_dict_encode(const uint8_t *train, size_t train_len, uint8_t *buf, size_t len);

/*
 * Check and decode a pass state: either an accumulator (*spec gets its
 * layout, *acc points at env-allocated doubles) or the first pass's
 * training state (*train points into bytes, *acc is NULL).
 */
fg_status	fg_pass_state_decode(const fg_env *env, const uint8_t *bytes, size_t len,
								 fg_pass_spec *spec, double **acc, const uint8_t **train,
								 size_t *train_len, fg_error *err);

/* Do two specs have the same accumulator layout (so that they merge)? */
bool		fg_pass_same_layout(const fg_pass_spec *a, const fg_pass_spec *b);

#endif							/* FG_PASS_FORMAT_H */
