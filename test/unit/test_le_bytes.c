/*
 * test_le_bytes.c -- the bounded little-endian writer and reader that both
 * formats and the options block use: byte order, sign and NaN payloads kept,
 * and an overrun that touches no byte and sticks.
 */
#include "le_bytes.h"
#include "unit.h"

#include <string.h>

int
main(void)
{
	uint8_t		buf[64];
	fg_le_writer w;
	fg_le_reader r;
	uint64_t	nan_bits = UINT64_C(0x7FF8000000ABCDEF);
	double		nan_payload;
	double		arr[3] = {1.5, -0.0, 1e-310};
	double		back;
	uint64_t	bits;

	memcpy(&nan_payload, &nan_bits, sizeof(nan_payload));

	/* least significant byte first, whatever the host */
	memset(buf, 0xAA, sizeof(buf));
	fg_le_writer_init(&w, buf, sizeof(buf));
	fg_le_put_u8(&w, 0x01);
	fg_le_put_u16(&w, 0x0302);
	fg_le_put_u32(&w, 0x07060504u);
	fg_le_put_u64(&w, UINT64_C(0x0F0E0D0C0B0A0908));
	for (int i = 0; i < 15; i++)
		CHECK(buf[i] == i + 1, "byte %d is 0x%02X", i, buf[i]);
	fg_le_put_i32(&w, -2);
	CHECK(memcmp(buf + 15, "\xFE\xFF\xFF\xFF", 4) == 0);
	fg_le_put_f64(&w, nan_payload);
	fg_le_put_f64_array(&w, arr, 3);
	fg_le_put_bytes(&w, "xyz", 3);
	fg_le_put_bytes(&w, NULL, 0);
	CHECK(!w.overrun && w.pos == 15 + 4 + 8 + 24 + 3, "pos %zu", w.pos);

	fg_le_reader_init(&r, buf, w.pos);
	CHECK(fg_le_get_u8(&r) == 0x01);
	CHECK(fg_le_get_u16(&r) == 0x0302);
	CHECK(fg_le_get_u32(&r) == 0x07060504u);
	CHECK(fg_le_get_u64(&r) == UINT64_C(0x0F0E0D0C0B0A0908));
	CHECK(fg_le_get_i32(&r) == -2);
	back = fg_le_get_f64(&r);
	memcpy(&bits, &back, sizeof(bits));
	CHECK(bits == nan_bits, "NaN payload 0x%016llX", (unsigned long long) bits);
	for (int i = 0; i < 3; i++)
	{
		back = fg_le_get_f64(&r);
		CHECK(memcmp(&back, &arr[i], sizeof(back)) == 0, "element %d", i);
	}
	CHECK(fg_le_left(&r) == 3 && memcmp(fg_le_take(&r, 3), "xyz", 3) == 0);
	CHECK(fg_le_left(&r) == 0 && !r.overrun);
	CHECK(fg_le_take(&r, 0) != NULL && !r.overrun, "an empty take at the end is no overrun");
	CHECK(fg_le_load(buf + 3, 4) == 0x07060504u && fg_le_load_f64(buf + 19) != fg_le_load_f64(buf + 19));
	fg_le_store(buf, 0x0201, 2);
	CHECK(buf[0] == 0x01 && buf[1] == 0x02);

	/* a put that does not fit writes nothing, and nothing after it either */
	memset(buf, 0, sizeof(buf));
	fg_le_writer_init(&w, buf, 5);
	fg_le_put_u32(&w, 0x11111111u);
	fg_le_put_u32(&w, 0x22222222u);
	fg_le_put_u8(&w, 0x33);
	CHECK(w.overrun && w.pos == 4 && buf[4] == 0, "pos %zu, byte 4 is 0x%02X", w.pos, buf[4]);
	fg_le_writer_init(&w, buf, 16);
	fg_le_put_f64_array(&w, arr, 3);
	CHECK(w.overrun && w.pos == 0, "an array that does not fit is not written in part");
	fg_le_writer_init(&w, buf, 16);
	fg_le_put_f64_array(&w, arr, SIZE_MAX / 4);
	CHECK(w.overrun && w.pos == 0, "a byte count that overflows is an overrun");

	/* a get past the end returns 0 and stays an overrun */
	fg_le_reader_init(&r, (const uint8_t *) "\x01\x02\x03", 3);
	CHECK(fg_le_get_u16(&r) == 0x0201);
	CHECK(fg_le_get_u16(&r) == 0 && r.overrun && r.pos == 2);
	CHECK(fg_le_get_u8(&r) == 0 && fg_le_take(&r, 0) == NULL, "an overrun sticks");
	fg_le_reader_init(&r, (const uint8_t *) "\x01", 1);
	CHECK(fg_le_take(&r, 2) == NULL && r.overrun && fg_le_left(&r) == 1);

	return unit_summary("le_bytes");
}
