#!/usr/bin/python3
"""Mutated fairglmm models for the SQL random-input test (test/random/run.sh).

Reads valid models from stdin, one per line as "name<TAB>hex", and writes
COUNT mutated ones to stdout as "kind<TAB>base<TAB>hex" (hex without the
leading \\x).  Deterministic for a given seed.

The mutations know the layout of format version 2 (src/core/model_format.c)
so that they can aim at what a decoder must distrust: lengths and counts
(truncated, swapped, huge), enumerations and flags, doubles (NaN, infinity,
extremes), key order, and the framing (truncation, trailing data, splices).
Most mutants are "resealed": the header's length and the CRC-32C are
recomputed, so they reach the body parser instead of failing the checksum.

usage: mutate_models.py COUNT SEED < base_models.tsv > mutants.tsv
"""
import random
import struct
import sys

HEADER = 20
TRAILER = 4


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def reseal(buf):
    """Make the header's total length and the checksum match the bytes."""
    if len(buf) < HEADER + TRAILER:
        return buf
    buf[12:20] = struct.pack('<Q', len(buf))
    buf[-4:] = struct.pack('<I', crc32c(bytes(buf[:-4])))
    return buf


def layout(model):
    """Offsets of the fields of a valid model, by category."""
    u32 = lambda pos: struct.unpack_from('<I', model, pos)[0]
    if struct.unpack_from('<H', model, 4)[0] != 2:
        raise SystemExit('mutate_models.py: not a format version 2 model; update layout()')
    lay = {'lengths': [], 'doubles': [], 'bytes': [], 'strata': [], 'u64': []}
    # the options block: count u16, then name length u8 | name | type u8 | value
    pos = HEADER + 2
    for _ in range(struct.unpack_from('<H', model, HEADER)[0]):
        n = model[pos]
        lay['bytes'] += [pos, pos + 1]          # a name's length, its first byte
        pos += 1 + n
        kind = model[pos]
        lay['bytes'].append(pos)                # the type code
        pos += 1
        if kind == 1:                           # number
            lay['doubles'].append(pos)
            pos += 8
        elif kind == 2:                         # integer
            lay['u64'].append(pos)
            pos += 8
        elif kind == 7:                         # bounds per attribute: 16 doubles
            lay['doubles'] += [pos + 8 * k for k in range(16)]
            pos += 128
        else:                                   # boolean, method, enumeration
            lay['bytes'].append(pos)
            pos += 1
    counts = pos
    lay['u64'] += [counts, counts + 8]
    lay['lengths'] += [counts + 16, counts + 20]
    lay['bytes'] += [counts + 24, counts + 25]
    p, n_strata, has_names = u32(counts + 16), u32(counts + 20), model[counts + 25]
    pos = counts + 26
    lay['doubles'].append(pos)
    pos += 8
    lay['doubles'] += [pos + 8 * j for j in range(p)]
    pos += 8 * p
    if has_names:
        for _ in range(p):
            lay['lengths'].append(pos)
            pos += 4 + u32(pos)
    for _ in range(n_strata):
        start = pos
        lay['lengths'].append(pos)
        pos += 4 + u32(pos)
        lay['doubles'].append(pos)
        lay['u64'].append(pos + 8)
        pos += 16
        lay['strata'].append((start, pos - start))
    tail = pos
    lay['doubles'] += [tail + 5 + 8 * k for k in range(6)] + [tail + 53, tail + 66]
    lay['bytes'] += [tail + 4, tail + 65, tail + 74]
    pos = tail + 75 + (4 * p if model[tail + 74] else 0)
    # the separation report: separated_rows u64, n_unidentified u32, the terms
    lay['u64'].append(pos)
    lay['lengths'].append(pos + 8)
    n_unidentified = u32(pos + 8)
    lay['lengths'] += [pos + 12 + 4 * k for k in range(n_unidentified)]
    pos += 12 + 4 * n_unidentified
    # weights, sensitive attributes (key type, labels), fairness terms, disparate impacts
    lay['bytes'].append(pos)
    lay['doubles'].append(pos + 1)
    lay['lengths'].append(pos + 9)
    n_attr = u32(pos + 9)
    pos += 13
    for _ in range(n_attr):
        lay['bytes'].append(pos)
        lay['lengths'].append(pos + 1)
        n_cats = u32(pos + 1)
        pos += 5
        for _ in range(n_cats):
            lay['lengths'].append(pos)
            pos += 4 + u32(pos)
    lay['lengths'].append(pos)
    n_terms = u32(pos)
    pos += 4
    for _ in range(n_terms):
        lay['lengths'] += [pos, pos + 4]
        lay['bytes'].append(pos + 8)
        lay['doubles'] += [pos + 9 + 8 * k for k in range(5)]
        pos += 49
    lay['lengths'].append(pos)
    n_di = u32(pos)
    lay['doubles'] += [pos + 4 + 8 * k for k in range(n_di)]
    pos += 4 + 8 * n_di
    # inference: vcov_type u8 | has_vcov u8 | [(p+1)^2 f64] | has_b_se u8 | [n_strata f64] |
    # loglik, null_loglik, edf, target_reached f64 | created_at i64 | version length u8 | version
    lay['bytes'] += [pos, pos + 1]
    has_vcov = model[pos + 1]
    pos += 2
    if has_vcov:
        lay['doubles'] += [pos + 8 * k for k in range((p + 1) * (p + 1))]
        pos += 8 * (p + 1) * (p + 1)
    lay['bytes'].append(pos)
    has_b_se = model[pos]
    pos += 1
    if has_b_se:
        lay['doubles'] += [pos + 8 * k for k in range(n_strata)]
        pos += 8 * n_strata
    lay['doubles'] += [pos, pos + 8, pos + 16, pos + 24]
    lay['u64'].append(pos + 32)
    lay['bytes'].append(pos + 40)
    pos += 41 + model[pos + 40]
    # continuous: sigma2, rmse, r2 f64 | sweeps i32 | threshold_gap, parity_ks f64 |
    # n_thresholds u32 | thresholds f64
    lay['doubles'] += [pos, pos + 8, pos + 16, pos + 28, pos + 36]
    lay['lengths'] += [pos + 24, pos + 44]
    n_thresholds = u32(pos + 44)
    lay['doubles'] += [pos + 48 + 8 * k for k in range(n_thresholds)]
    pos += 48 + 8 * n_thresholds
    if pos + TRAILER != len(model):
        raise SystemExit('mutate_models.py: the model layout does not match; update layout()')
    return lay


DOUBLES = [float('nan'), float('inf'), float('-inf'), 1.7e308, -1.7e308, 5e-324, -0.0, 1e154]
U32S = [0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 100000, 100001, 100000000, 100000001, 4096, 4097]


def mutate(rng, name, model, lay, others):
    """One mutant of model: (kind, bytes)."""
    b = bytearray(model)
    kind = rng.choice(['truncate', 'truncate_sealed', 'flip', 'flip_sealed', 'swap_lengths',
                       'huge_length', 'length_off_by_one', 'double', 'enum_byte', 'u64_count',
                       'insert_sealed', 'delete_sealed', 'splice_sealed', 'random_bytes',
                       'random_body_sealed', 'trailing_sealed', 'strata_swapped', 'header_total'])
    if kind == 'truncate':
        return kind, bytes(b[:rng.randrange(len(b))])
    if kind == 'truncate_sealed':
        return kind, bytes(reseal(b[:rng.randrange(HEADER + TRAILER, len(b))]))
    if kind in ('flip', 'flip_sealed'):
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b) - TRAILER)
            b[i] ^= rng.randint(1, 255)
        return kind, bytes(reseal(b) if kind == 'flip_sealed' else b)
    if kind == 'swap_lengths':
        if len(lay['lengths']) < 2:
            kind = 'huge_length'
        else:
            i, j = rng.sample(lay['lengths'], 2)
            b[i:i + 4], b[j:j + 4] = b[j:j + 4], b[i:i + 4]
            return kind, bytes(reseal(b))
    if kind == 'huge_length':
        i = rng.choice(lay['lengths'])
        b[i:i + 4] = struct.pack('<I', rng.choice(U32S))
        return kind, bytes(reseal(b))
    if kind == 'length_off_by_one':
        i = rng.choice(lay['lengths'])
        v = struct.unpack_from('<I', b, i)[0]
        b[i:i + 4] = struct.pack('<I', (v + rng.choice([-1, 1])) & 0xFFFFFFFF)
        return kind, bytes(reseal(b))
    if kind == 'double':
        for _ in range(rng.randint(1, 3)):
            i = rng.choice(lay['doubles'])
            b[i:i + 8] = struct.pack('<d', rng.choice(DOUBLES))
        return kind, bytes(reseal(b))
    if kind == 'enum_byte':
        i = rng.choice(lay['bytes'])
        b[i] = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 0x7F, 0xFF])
        return kind, bytes(reseal(b))
    if kind == 'u64_count':
        i = rng.choice(lay['u64'])
        b[i:i + 8] = struct.pack('<Q', rng.choice([0, 1, 2**63, 2**64 - 1]))
        return kind, bytes(reseal(b))
    if kind == 'insert_sealed':
        i = rng.randrange(HEADER, len(b) - TRAILER)
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        return kind, bytes(reseal(b))
    if kind == 'delete_sealed':
        i = rng.randrange(HEADER, len(b) - TRAILER - 1)
        del b[i:i + rng.randint(1, min(16, len(b) - TRAILER - i))]
        return kind, bytes(reseal(b))
    if kind == 'splice_sealed':
        other = bytearray(rng.choice(others))
        cut_a = rng.randrange(HEADER, len(b))
        cut_b = rng.randrange(HEADER, len(other))
        return kind, bytes(reseal(b[:cut_a] + other[cut_b:]))
    if kind == 'random_bytes':
        return kind, bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 19, 24, 25, 100, 1000])))
    if kind == 'random_body_sealed':
        body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        return kind, bytes(reseal(bytearray(b[:HEADER]) + body + b'\0' * TRAILER))
    if kind == 'trailing_sealed':
        return kind, bytes(reseal(b + bytes(rng.randint(1, 8))))
    if kind == 'strata_swapped' and len(lay['strata']) >= 2:
        (s0, n0), (s1, n1) = lay['strata'][0], lay['strata'][rng.randrange(1, len(lay['strata']))]
        first, second = bytes(b[s0:s0 + n0]), bytes(b[s1:s1 + n1])
        b[s1:s1 + n1] = first
        b[s0:s0 + n0] = second
        return kind, bytes(reseal(b))
    # header_total, or strata_swapped on a model without strata
    b[12:20] = struct.pack('<Q', rng.choice([0, len(b) - 1, len(b) + 1, 2**63, 2**64 - 1]))
    return 'header_total', bytes(b)


def main():
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    bases = []
    for line in sys.stdin:
        name, hexbytes = line.rstrip('\n').split('\t')
        model = bytes.fromhex(hexbytes.removeprefix('\\x'))
        bases.append((name, model, layout(model)))
    if not bases:
        raise SystemExit('mutate_models.py: no base models on stdin')
    rng = random.Random(seed)
    others = [m for _, m, _ in bases]
    out = sys.stdout
    for _ in range(count):
        name, model, lay = rng.choice(bases)
        kind, mutant = mutate(rng, name, model, lay, others)
        out.write(f'{kind}\t{name}\t{mutant.hex()}\n')


if __name__ == '__main__':
    main()
