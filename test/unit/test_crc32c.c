/*
 * test_crc32c.c -- fg_crc32c against a bit-at-a-time reference written here,
 * over lengths and alignments that exercise every path of the fast version
 * (leading bytes, whole words, trailing bytes), and chained calls.
 */
#include "model_format.h"
#include "unit.h"

#include <string.h>

/* The definition: shift one bit at a time through the reflected polynomial. */
static uint32_t
crc32c_bitwise(const uint8_t *p, size_t len)
{
	uint32_t	crc = 0xFFFFFFFFu;

	for (size_t i = 0; i < len; i++)
	{
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

int
main(void)
{
	static uint8_t buf[4096 + 16];
	uint64_t	state = 7;

	for (size_t i = 0; i < sizeof(buf); i++)
	{
		state = state * 6364136223846793005ull + 1442695040888963407ull;
		buf[i] = (uint8_t) (state >> 56);
	}

	/* the standard check value */
	CHECK(fg_crc32c(0, "123456789", 9) == 0xE3069283u);
	CHECK(fg_crc32c(0, buf, 0) == 0);

	for (size_t offset = 0; offset < 9; offset++)
		for (size_t len = 0; len < 80; len++)
			CHECK(fg_crc32c(0, buf + offset, len) == crc32c_bitwise(buf + offset, len),
				  "offset %zu length %zu", offset, len);
	CHECK(fg_crc32c(0, buf + 3, 4096) == crc32c_bitwise(buf + 3, 4096));

	/* a checksum continued over pieces equals the checksum of the whole */
	for (size_t cut = 0; cut <= 100; cut += 7)
		CHECK(fg_crc32c(fg_crc32c(0, buf, cut), buf + cut, 1000 - cut) == fg_crc32c(0, buf, 1000),
			  "cut at %zu", cut);
	return unit_summary("crc32c");
}
