/*
 * state_format.h -- the serialised training state of fairglmm_fit.
 *
 * A parallel aggregate ships each worker's partial state to the leader as
 * bytes.  Like the model, the bytes are self-describing and checked before
 * anything trusts them: magic "FGST", format version, byte order mark, flags
 * (reserved, must be 0), total length, the settings of the fit, the counts,
 * the stratum dictionary, the rows (features, labels, sensitive attribute,
 * stratum index), and a CRC-32C of everything before it.  Every number is
 * little-endian whatever the host.
 *
 * The decoder validates everything (structure, checksum, every count against
 * the bytes present before any allocation, option values, each label, each
 * outcome, each stratum index and each feature value) and returns a view whose row data
 * point into the input bytes, so decoding copies nothing large;
 * fg_state_append() then copies the rows into a training state.
 */
#ifndef FG_STATE_FORMAT_H
#define FG_STATE_FORMAT_H

#include "fg_core.h"
#include "train_state.h"

#define FG_STATE_MAGIC		0x54534746u	/* "FGST" read as little-endian u32 */
#define FG_STATE_VERSION	3
/* flag: least-squares sums (stream.h) in place of the rows */
#define FG_STATE_FLAG_SUMS	1u
/*
 * flag: the dictionaries only (fg_train's dicts_only): n_rows counts the
 * rows read, none is stored; then which binary values they had
 */
#define FG_STATE_FLAG_DICTIONARIES 2u

/*
 * How the SQL arguments were typed; part of the settings that must agree.
 * y is boolean, integer, float or numeric; sensitive (or each element of an
 * array sensitive) boolean, integer, bigint or text.  How y is stored
 * follows from the family (option "family"), not from its type: an integer
 * y may be gaussian, a float8 one binomial (0 or 1).
 */
typedef enum fg_arg_kind
{
	FG_ARG_BOOL = 1,			/* y or sensitive given as boolean */
	FG_ARG_INT = 2,				/* ... as smallint or integer (y: bigint too) */
	FG_ARG_INT8 = 3,			/* sensitive as bigint */
	FG_ARG_TEXT = 4,			/* sensitive as text or varchar */
	FG_ARG_FLOAT8 = 5,			/* y as real or double precision */
	FG_ARG_NUMERIC = 6			/* y as numeric */
} fg_arg_kind;

typedef enum fg_strata_kind
{
	FG_STRATA_INT4 = 1,
	FG_STRATA_INT8 = 2,
	FG_STRATA_TEXT = 3
} fg_strata_kind;

/*
 * Everything that must be identical in two partial states of one fit: the
 * options as parsed (every option of options.h's table travels, so the
 * leader fits with exactly the settings the workers parsed), the argument
 * types, and the raw bytes of the options argument (compared exactly, as
 * rows of one fit must pass the same value), and the rhos of a path.
 * has_c must be !isnan(opt.c).
 */
typedef struct fg_state_config
{
	fg_options	opt;
	bool		has_c;
	int			n_feature_names;	/* -1 when not given */
	char	  **feature_names;		/* n_feature_names NUL-terminated names */
	fg_arg_kind y_kind;
	fg_arg_kind s_kind;
	bool		s_array;		/* sensitive is an array of attributes of kind s_kind */
	bool		weighted;		/* the call has a weight argument */
	fg_strata_kind strata_kind;
	bool		has_options;
	const uint8_t *options;		/* options argument bytes, options_len of them */
	uint32_t	options_len;
	/*
	 * fairglmm_path: the rho of every model, in order (finite, >= 0, at
	 * most FG_PATH_MAX_MODELS); n_rhos 0 for fairglmm_fit.
	 */
	uint32_t	n_rhos;
	double	   *rhos;
} fg_state_config;

/* FG_OK when a and b agree; otherwise FG_ERR_INVALID saying what differs. */
fg_status	fg_state_config_check_equal(const fg_state_config *a, const fg_state_config *b,
										fg_error *err);

/* Bytes the encoding of config and train takes (0 if it would overflow size_t). */
size_t		fg_state_encoded_size(const fg_state_config *config, const fg_train *train);

/*
 * Encode config and train into buf, whose length must be exactly
 * fg_state_encoded_size() (the caller allocates, so the bytes can go straight
 * into a bytea).  Fails with FG_ERR_INVALID on a length mismatch or settings
 * that cannot be encoded.
 */
fg_status	fg_state_encode(const fg_state_config *config, const fg_train *train,
							uint8_t *buf, size_t len, fg_error *err);

/*
 * A decoded state.  config.feature_names, config.rhos and key_offsets are
 * env-allocated;
 * config.options, keys and the row arrays point into the decoded bytes,
 * which must outlive the view.
 */
typedef struct fg_state_view
{
	fg_state_config config;
	bool		uses_strata;
	int			p;				/* -1: no usable row seen */
	uint64_t	n_rows;
	uint64_t	n_skipped;
	uint32_t	n_strata;
	const uint8_t *keys;		/* key i is keys[key_offsets[i] .. key_offsets[i+1]) */
	uint64_t   *key_offsets;	/* n_strata + 1 */
	const uint8_t *x;			/* n_rows * p little-endian doubles */
	const uint8_t *y;			/* binomial: n_rows bytes, 0 or 1; else NULL */
	const uint8_t *y_real;		/* gaussian: n_rows little-endian f64, finite; else NULL */
	const uint8_t *s;			/* n_rows bytes, 0 or 1 (n_attr == 0), else NULL */
	const uint8_t *stratum;		/* n_rows little-endian u32 < n_strata, or NULL */
	/* coded sensitive attributes (n_attr > 0) and weights */
	uint32_t	n_attr;
	uint32_t	n_cats[FG_MAX_ATTRIBUTES];
	const uint8_t *attr_keys[FG_MAX_ATTRIBUTES];	/* as keys, per attribute */
	uint64_t   *attr_offsets[FG_MAX_ATTRIBUTES];	/* n_cats + 1 each */
	const uint8_t *codes;		/* n_rows x n_attr little-endian u32 < n_cats */
	const uint8_t *w;			/* n_rows little-endian f64, finite and > 0; or NULL */
	/*
	 * A state of sums (FG_STATE_FLAG_SUMS): no row arrays; which binary
	 * sensitive values appeared, and the sums' f64 fields as state_format.c
	 * lays them out (n_rows > 0 only), validated.
	 */
	bool		sums;
	bool		dictionaries;	/* FG_STATE_FLAG_DICTIONARIES */
	bool		s_seen[2];
	const uint8_t *sums_data;
} fg_state_view;

/* Decode and validate; FG_ERR_CORRUPT with a precise detail on bad bytes. */
fg_status	fg_state_decode(const fg_env *env, const uint8_t *bytes, size_t len,
							fg_state_view *out, fg_error *err);

/* Release what fg_state_decode allocated, and zero the view. */
void		fg_state_view_release(const fg_env *env, fg_state_view *view);

/*
 * Append the view's rows to train (whose method must match): strata are
 * re-interned in train's dictionary; the row counts add up.
 */
fg_status	fg_state_append(fg_train *train, const fg_state_view *view, fg_error *err);

/* Bytes train will hold after fg_state_append of view (for a memory limit). */
size_t		fg_state_append_memory(const fg_train *train, const fg_state_view *view);

#endif							/* FG_STATE_FORMAT_H */
