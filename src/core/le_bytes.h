/*
 * le_bytes.h -- little-endian values in byte buffers: the one writer and
 * reader behind the model format, the training-state format and the options
 * block both of them store.
 *
 * Every value goes out least significant byte first, whatever the host, so
 * the bytes do not depend on the machine that wrote them.  Writer and reader
 * are bounded: a put or get that does not fit sets overrun and touches no
 * byte (a get then returns 0), so a size computed wrongly cannot become an
 * access out of bounds.  Callers check overrun once after a group of fields.
 */
#ifndef FG_LE_BYTES_H
#define FG_LE_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---------- raw access, for bytes the caller has already bounded ---------- */

/* The n (1 to 8) bytes at p, least significant first. */
static inline uint64_t
fg_le_load(const uint8_t *p, int n)
{
	uint64_t	v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* Store the n low bytes of v at p, least significant first. */
static inline void
fg_le_store(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t) (v >> (8 * i));
}

/* The double whose bit pattern (NaN payloads included) is stored at p. */
static inline double
fg_le_load_f64(const uint8_t *p)
{
	uint64_t	bits = fg_le_load(p, 8);
	double		d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

/*
 * On a little-endian host an array of doubles or u32 already has its stored
 * form, so the hot paths copy it whole instead of byte by byte.
 */
static inline bool
fg_host_is_little_endian(void)
{
	const uint16_t one = 1;
	uint8_t		first;

	memcpy(&first, &one, 1);
	return first == 1;
}

/* ---------- the bounded writer ---------- */

typedef struct fg_le_writer
{
	uint8_t    *buf;
	size_t		pos;			/* bytes written */
	size_t		end;			/* size of buf */
	bool		overrun;		/* a put did not fit; nothing was written since */
} fg_le_writer;

void		fg_le_writer_init(fg_le_writer *w, uint8_t *buf, size_t len);
/* The n (1 to 8) low bytes of v. */
void		fg_le_put(fg_le_writer *w, uint64_t v, int n);
/* The bit pattern of v, NaN payloads included. */
void		fg_le_put_f64(fg_le_writer *w, double v);
void		fg_le_put_f64_array(fg_le_writer *w, const double *v, size_t n);
/* n bytes as they are (data may be NULL when n is 0). */
void		fg_le_put_bytes(fg_le_writer *w, const void *data, size_t n);

static inline void
fg_le_put_u8(fg_le_writer *w, uint8_t v)
{
	fg_le_put(w, v, 1);
}

static inline void
fg_le_put_u16(fg_le_writer *w, uint16_t v)
{
	fg_le_put(w, v, 2);
}

static inline void
fg_le_put_u32(fg_le_writer *w, uint32_t v)
{
	fg_le_put(w, v, 4);
}

static inline void
fg_le_put_u64(fg_le_writer *w, uint64_t v)
{
	fg_le_put(w, v, 8);
}

static inline void
fg_le_put_i32(fg_le_writer *w, int32_t v)
{
	/* signed to unsigned conversion is defined as modulo 2^32 */
	fg_le_put(w, (uint32_t) v, 4);
}

/* ---------- the bounded reader ---------- */

typedef struct fg_le_reader
{
	const uint8_t *buf;
	size_t		pos;			/* bytes read */
	size_t		end;			/* size of buf */
	bool		overrun;		/* a get did not fit; every get since returned 0 */
} fg_le_reader;

void		fg_le_reader_init(fg_le_reader *r, const uint8_t *buf, size_t len);

static inline size_t
fg_le_left(const fg_le_reader *r)
{
	return r->end - r->pos;
}

/* The next n bytes in place, or NULL (and overrun) when fewer are left. */
const uint8_t *fg_le_take(fg_le_reader *r, size_t n);
/* The next n (1 to 8) bytes as a number, or 0 (and overrun). */
uint64_t	fg_le_get(fg_le_reader *r, int n);
int32_t		fg_le_get_i32(fg_le_reader *r);
double		fg_le_get_f64(fg_le_reader *r);

static inline uint8_t
fg_le_get_u8(fg_le_reader *r)
{
	return (uint8_t) fg_le_get(r, 1);
}

static inline uint16_t
fg_le_get_u16(fg_le_reader *r)
{
	return (uint16_t) fg_le_get(r, 2);
}

static inline uint32_t
fg_le_get_u32(fg_le_reader *r)
{
	return (uint32_t) fg_le_get(r, 4);
}

static inline uint64_t
fg_le_get_u64(fg_le_reader *r)
{
	return fg_le_get(r, 8);
}

#endif							/* FG_LE_BYTES_H */
