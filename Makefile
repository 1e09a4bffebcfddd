# fairglmm -- built with PGXS.  `make && make install`, then see README.md.

EXTENSION = fairglmm
MODULE_big = fairglmm
DATA = sql/fairglmm--1.0.sql

CORE_OBJS = $(patsubst %.c,%.o,$(wildcard src/core/*.c))
SQL_OBJS = $(patsubst %.c,%.o,$(wildcard src/*.c))
OBJS = $(CORE_OBJS) $(SQL_OBJS)

# Regression tests: sql/<name>.sql against expected/<name>.out, run on a
# server where the extension is installed (see test/run_tests.sh).
REGRESS = $(shell cat test/regress_schedule 2>/dev/null)
REGRESS_OPTS = --load-extension=fairglmm

PG_CPPFLAGS = -Isrc/core $(shell pkg-config --cflags openblas 2>/dev/null)
PG_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
# Link exactly the numerical libraries, nothing else the server links.
SHLIB_LINK = -lopenblas -llapacke

# JIT bitcode would need clang on every build machine; the numerics live in BLAS anyway.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies unless the server was configured with
# --enable-depend; a changed struct must not leave stale objects behind.
$(OBJS): $(wildcard src/*.h src/core/*.h)

.PHONY: unittest
unittest:
	$(MAKE) -C test/unit run
