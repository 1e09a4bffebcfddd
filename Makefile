# fairglmm -- built with PGXS.  `make && make install`, then see README.md.

EXTENSION = fairglmm
MODULE_big = fairglmm
DATA = sql/fairglmm--1.0.sql sql/fairglmm--1.0--1.1.sql sql/fairglmm--1.1.sql

CORE_OBJS = $(patsubst %.c,%.o,$(wildcard src/core/*.c))
SQL_OBJS = $(patsubst %.c,%.o,$(wildcard src/*.c))
OBJS = $(CORE_OBJS) $(SQL_OBJS)

# Regression tests: sql/<name>.sql against expected/<name>.out, run on a
# server where the extension is installed (tools/test.sh makes a throwaway one;
# `make installcheck` alone runs against the server PGHOST/PGPORT name).
REGRESS = $(shell cat test/regress_schedule 2>/dev/null)
REGRESS_OPTS = --load-extension=fairglmm

# The extension version a model records is the control file's default_version.
EXTENSION_VERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" fairglmm.control)
PG_CPPFLAGS = -Isrc/core $(shell pkg-config --cflags openblas 2>/dev/null) \
	-DFGSQL_EXTENSION_VERSION='"$(EXTENSION_VERSION)"'
PG_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
# Link exactly the numerical libraries, nothing else the server links.
SHLIB_LINK = -lopenblas -llapacke

# JIT bitcode would need clang on every build machine; the numerics live in BLAS anyway.
override with_llvm = no

CORE_VECTORIZE = -ftree-vectorize -fvect-cost-model=dynamic -fno-trapping-math

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies unless the server was configured with
# --enable-depend; a changed struct must not leave stale objects behind.
$(OBJS): $(wildcard src/*.h src/core/*.h)
src/fit_agg.o: fairglmm.control

# GCC's default -O2 cost model leaves the core's short per-row loops (Hessian
# blocks, stratum sums, co-moments) scalar because their length is only known
# at run time.  Element-wise loops vectorize with baseline SSE2 and give the
# same bits; a Newton pass gets about a tenth cheaper.  -fno-trapping-math lets
# a comparison with a constant become a vector select (the clamp in
# exp_nonpositive.h); nothing here enables floating-point traps, and the flag
# changes no rounding.
$(CORE_OBJS): override CFLAGS += $(CORE_VECTORIZE)
# ... and the row reader of the training aggregates, whose check that every
# feature of a row is finite runs once per feature and row
src/fit_agg.o: override CFLAGS += $(CORE_VECTORIZE)

.PHONY: unittest
unittest:
	$(MAKE) -C test/unit run
