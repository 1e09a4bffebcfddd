/*
 * options.h -- the options of a fit, defined once.
 *
 * Every setting of fairglmm_fit that ends up in fg_options (the two numeric
 * arguments rho and lambda included) has one row in fg_option_table: its
 * name, type, default, allowed range, where it lives in fg_options and a
 * one-line description.  Everything else is derived from that row: the
 * defaults (fg_options_default), the range checks (fg_options_check), the
 * jsonb parser of the SQL layer, the options block that the model and the
 * training-state formats store, and the "options" object of fairglmm_info.
 * Adding an option means adding a field to fg_options and a row here.
 *
 * feature_names has a row too (so that it is a valid key, is listed and is
 * printed), but it is a text array kept outside fg_options, so the parser,
 * the formats and fairglmm_info handle it on their own.
 */
#ifndef FG_OPTIONS_H
#define FG_OPTIONS_H

#include "fg_core.h"
#include "le_bytes.h"

typedef enum fg_option_type
{
	FG_OPTION_NUMBER = 1,		/* double */
	FG_OPTION_INTEGER = 2,		/* whole number in [min, max]; an int or uint64_t field */
	FG_OPTION_BOOLEAN = 3,		/* bool */
	FG_OPTION_METHOD = 4,		/* fg_method, given by name */
	FG_OPTION_NAMES = 5,		/* feature_names: a text array, not in fg_options */
	FG_OPTION_ENUM = 6,			/* one of a few names, stored as its index in an int field */
	FG_OPTION_BOUNDS = 7		/* c_attr: FG_MAX_ATTRIBUTES doubles, NaN = not given */
} fg_option_type;

/* given as an argument of fairglmm_fit (rho, lambda), not as an option key */
#define FG_OPTION_ARGUMENT	0x1
/*
 * not given by default: a number whose default NaN means "not given" (c),
 * only given values are checked; an integer stored as 0 when not given
 * (folds)
 */
#define FG_OPTION_UNSET		0x2
/* stored, but not an options key of its own (c_attr is set through "c") */
#define FG_OPTION_INTERNAL	0x4

typedef struct fg_option_def
{
	const char *name;
	fg_option_type type;
	unsigned	flags;
	double		default_value;	/* numbers; integers, booleans (0/1) and method codes too */
	double		min;
	double		max;			/* INFINITY: no upper bound (numbers must still be finite) */
	bool		min_open;		/* the range excludes min */
	bool		max_open;		/* ... max */
	size_t		offset;			/* of the field in fg_options */
	size_t		size;			/* of that field; 0 for FG_OPTION_NAMES */
	const char *description;	/* a noun phrase: "the ... of ..." */
} fg_option_def;

extern const fg_option_def fg_option_table[];
extern const int fg_option_count;

/* The row of an option, or NULL.  name need not be NUL-terminated. */
const fg_option_def *fg_option_find(const char *name, size_t len);

/*
 * The names of an FG_OPTION_ENUM option, indexed by value, and their count;
 * NULL for other options.
 */
const char *const *fg_option_enum_names(const fg_option_def *def, int *count);

/* The name of value for an FG_OPTION_ENUM option, or NULL. */
const char *fg_option_enum_name(const fg_option_def *def, int64_t value);

/* The value of name (len bytes) for an FG_OPTION_ENUM option, or -1. */
int			fg_option_enum_value(const fg_option_def *def, const char *name, size_t len);

/*
 * Is the stored value of def in opt allowed (every entry of an
 * FG_OPTION_BOUNDS option)?  As fg_option_check_value.
 */
fg_status	fg_option_check_stored(const fg_options *opt, const fg_option_def *def,
								   fg_error *err);

/* Field access.  Integers, booleans, method codes and enums go through _integer. */
double		fg_option_get_number(const fg_options *opt, const fg_option_def *def);
int64_t		fg_option_get_integer(const fg_options *opt, const fg_option_def *def);
void		fg_option_set_number(fg_options *opt, const fg_option_def *def, double value);
void		fg_option_set_integer(fg_options *opt, const fg_option_def *def, int64_t value);

/*
 * Is value allowed for this option?  Numbers must be finite and in range
 * (NaN passes for an FG_OPTION_UNSET number: not given); integers whole
 * and in range (or 0 for an FG_OPTION_UNSET one); booleans 0 or 1; methods
 * a known code.  On failure
 * FG_ERR_INVALID with the message, detail and (for options, not for the
 * arguments rho and lambda) a hint describing the option.
 */
fg_status	fg_option_check_value(const fg_option_def *def, double value, fg_error *err);

/*
 * Is value, given by the user, allowed?  As fg_option_check_value, except
 * that an FG_OPTION_UNSET integer (stored as 0 when not given) must be in
 * its range.
 */
fg_status	fg_option_check_given(const fg_option_def *def, double value, fg_error *err);

/*
 * The default as text ("1e-10", "100", "false", "fair_glmm", "x1 .. xp");
 * false, with "unset" in buf, for an option that is not set by default.
 */
bool		fg_option_default_text(const fg_option_def *def, char *buf, size_t len);

/* The allowed values as text: ">= 0", "in (0, 1]", "an integer in [1, 1000]", ... */
void		fg_option_range_text(const fg_option_def *def, char *buf, size_t len);

/* 'Option "nu" is the ...; its default is 1.' into buf. */
void		fg_option_hint(const fg_option_def *def, char *buf, size_t len);

/* "c, exact_trace, ..." : the option keys in byte order, arguments left out. */
void		fg_option_key_list(char *buf, size_t len);

/* "fair_glmm, glmm, fair_crlr, crlr, fair_lr, lr" */
void		fg_method_list(char *buf, size_t len);

/*
 * The options block of the model and training-state formats: a u16 count,
 * then one entry per stored option (every row but feature_names) in table
 * order:
 *
 *   name length u8 | name bytes | type u8 (fg_option_type) | value
 *
 * where the value is a little-endian f64 for a number, an i64 for an
 * integer, one byte for a boolean (0/1), a method code or an enum index,
 * and FG_MAX_ATTRIBUTES f64 for the per-attribute bounds (NaN: not given).  The names
 * make the block self-describing; the decoder nevertheless takes only the
 * exact sequence this build writes, so a decoded block encodes back to the
 * same bytes.
 */
size_t		fg_options_block_size(void);

/* Write the block (fg_options_block_size() bytes) to w. */
void		fg_options_block_write(const fg_options *opt, fg_le_writer *w);

/*
 * Read a block from r into *opt; r moves past it only when it is valid.
 * Every value is checked with fg_option_check_value.  On failure returns
 * FG_ERR_CORRUPT and writes a sentence saying why into why.
 */
fg_status	fg_options_block_read(fg_le_reader *r, fg_options *opt,
								  char *why, size_t why_len);

/*
 * The first option whose value differs between a and b (doubles by value,
 * NaN equal to NaN), or NULL when they agree.
 */
const fg_option_def *fg_options_first_difference(const fg_options *a, const fg_options *b);

#endif							/* FG_OPTIONS_H */
