/*
 * le_bytes.c -- the bounded little-endian writer and reader (le_bytes.h).
 */
#include "le_bytes.h"

/* ---------- writing ---------- */

void
fg_le_writer_init(fg_le_writer *w, uint8_t *buf, size_t len)
{
	w->buf = buf;
	w->pos = 0;
	w->end = len;
	w->overrun = false;
}

/* Room for n more bytes?  Once a put has not fit, no later put is written. */
static bool
room(fg_le_writer *w, size_t n)
{
	if (w->overrun || n > w->end - w->pos)
	{
		w->overrun = true;
		return false;
	}
	return true;
}

void
fg_le_put(fg_le_writer *w, uint64_t v, int n)
{
	if (!room(w, (size_t) n))
		return;
	fg_le_store(w->buf + w->pos, v, n);
	w->pos += n;
}

void
fg_le_put_f64(fg_le_writer *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	fg_le_put(w, bits, 8);
}

void
fg_le_put_bytes(fg_le_writer *w, const void *data, size_t n)
{
	if (!room(w, n))
		return;
	if (n > 0)
		memcpy(w->buf + w->pos, data, n);
	w->pos += n;
}

/* Doubles as fg_le_put_f64 writes them: on a little-endian host one copy. */
void
fg_le_put_f64_array(fg_le_writer *w, const double *v, size_t n)
{
	/* all of the array or none of it */
	if (n > SIZE_MAX / 8 || !room(w, n * 8))
	{
		w->overrun = true;
		return;
	}
	if (fg_host_is_little_endian())
		fg_le_put_bytes(w, v, n * 8);
	else
		for (size_t i = 0; i < n; i++)
			fg_le_put_f64(w, v[i]);
}

/* ---------- reading ---------- */

void
fg_le_reader_init(fg_le_reader *r, const uint8_t *buf, size_t len)
{
	r->buf = buf;
	r->pos = 0;
	r->end = len;
	r->overrun = false;
}

const uint8_t *
fg_le_take(fg_le_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->overrun || n > r->end - r->pos)
	{
		r->overrun = true;
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

uint64_t
fg_le_get(fg_le_reader *r, int n)
{
	const uint8_t *p = fg_le_take(r, (size_t) n);

	return p != NULL ? fg_le_load(p, n) : 0;
}

int32_t
fg_le_get_i32(fg_le_reader *r)
{
	uint32_t	u = fg_le_get_u32(r);

	/* unsigned to signed without relying on implementation-defined casts */
	if (u <= (uint32_t) INT32_MAX)
		return (int32_t) u;
	return -(int32_t) (~u) - 1;
}

double
fg_le_get_f64(fg_le_reader *r)
{
	uint64_t	bits = fg_le_get_u64(r);
	double		d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}
