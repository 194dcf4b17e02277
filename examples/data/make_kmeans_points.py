#!/usr/bin/env python3
"""Writes kmeans_points.csv: the deterministic k-means points of the bench suite.

Point i lies in blob c = i % 3 (Phylanx's three blobs), with SplitMix64 streams as defined
in the bench README (../shared/bench/README.md, "kmeans"):

    centers = [(1.0, 0.0), (-0.5, 0.5), (-0.5, -0.5)];  scales = [0.75, 0.25, 0.5]
    px[i] = centers[c].x + scales[c] * symmetric(1, i)   (one rounded multiply, one rounded add)
    py[i] = centers[c].y + scales[c] * symmetric(2, i)

Pure Python (no numpy): every step is one correctly rounded float operation, so the file
is bit-identical to numpy_ref.py's kmeans_data(n). Numbers are written with repr(), which
round-trips exactly. Usage: python3 make_kmeans_points.py [n] [output]  (default 3000).
"""
import sys

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def stream(seed, i):
    """The (i+1)-th output of the sequential splitmix64 started at state = seed."""
    return mix64((seed + (i + 1) * GOLDEN) & MASK64)


def uniform(seed, i):
    """Exact double in [0, 1): the top 53 bits times 2^-53."""
    return (stream(seed, i) >> 11) * (1.0 / 9007199254740992.0)


def symmetric(seed, i):
    """Exact double in [-1, 1)."""
    return 2.0 * uniform(seed, i) - 1.0


CENTERS = [(1.0, 0.0), (-0.5, 0.5), (-0.5, -0.5)]
SCALES = [0.75, 0.25, 0.5]


def points(n):
    out = []
    for i in range(n):
        c = i % 3
        out.append((CENTERS[c][0] + SCALES[c] * symmetric(1, i),
                    CENTERS[c][1] + SCALES[c] * symmetric(2, i)))
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    path = sys.argv[2] if len(sys.argv) > 2 else "kmeans_points.csv"
    # test vectors of the bench README
    assert symmetric(1, 0) == 0.1331231503445618 and symmetric(1, 2) == 0.9420055071735924
    with open(path, "w") as f:
        for x, y in points(n):
            f.write(f"{x!r},{y!r}\n")


if __name__ == "__main__":
    main()
