#!/usr/bin/env python3
"""Fits the float logarithm's polynomial in src/GaussianNll/Kernels/FastMath.cs (LogCoefficients).

The logarithm reduces x = 2^k * m with m in [0.75, 1.5), f = m - 1, s = f / (2 + f), z = s^2, and takes
ln m = ln(1 + s) - ln(1 - s) = 2s + s * R(z), where R*(z) = z * P*(z) with P*(z) = (2 atanh(sqrt z) / sqrt z - 2) / z
(2/3 + 2z/5 + 2z^2/7 + ...). An error e in R moves ln m by s * e, about e / 2 of ln m itself (ln m is about 2s), so P is
fitted to minimise max |z * (P(z) - P*(z))| over z in [0, 0.2^2] (|s| < 0.2 on that range of m): a Remez exchange for
P of degree 2, in 40-digit arithmetic.

Run: python3 tools/fit-log-polynomial.py (needs mpmath). It prints the three coefficients, exact and rounded to
float (what FastMath uses), and the bound for each, about 5.6e-9 (2.8e-9 relative in ln m: about 0.05 ulp of a float
at most). tools/LogUlpCheck checks the logarithm built on them against every normal float: within 0.972 ulp.
"""
import struct

import mpmath as mp

mp.mp.dps = 40
DEGREE = 2
Z_MAX = mp.mpf("0.2") ** 2


def p_star(z):
    if z == 0:
        return mp.mpf(2) / 3
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) / s - 2) / z


def weighted_error(c, z):
    return z * (sum(c[j] * z**j for j in range(DEGREE + 1)) - p_star(z))


def remez(iterations=30, grid_points=4000):
    n = DEGREE + 1
    reference = [Z_MAX * (1 - mp.cos(mp.pi * (i + mp.mpf("0.5")) / (n + 1))) / 2 for i in range(n + 1)]
    reference[-1] = Z_MAX
    grid = [Z_MAX * k / grid_points for k in range(1, grid_points + 1)]
    for _ in range(iterations):
        # Solve z_i * (P(z_i) - P*(z_i)) = (-1)^i * E on the reference points.
        a = mp.matrix(n + 1, n + 1)
        b = mp.matrix(n + 1, 1)
        for i, z in enumerate(reference):
            for j in range(n):
                a[i, j] = z * z**j
            a[i, n] = -((-1) ** i)
            b[i] = z * p_star(z)
        solution = mp.lu_solve(a, b)
        c = [solution[j] for j in range(n)]
        values = [weighted_error(c, z) for z in grid]
        extrema = [
            grid[k]
            for k in range(len(grid))
            if abs(values[k]) >= abs(values[k - 1] if k > 0 else 0)
            and abs(values[k]) >= abs(values[k + 1] if k + 1 < len(grid) else 0)
        ]
        # The n + 1 largest local extrema become the next reference. For this smooth error they alternate in sign,
        # which the assertion below checks on the final reference.
        if len(extrema) >= n + 1:
            reference = sorted(sorted(extrema, key=lambda z: -abs(weighted_error(c, z)))[: n + 1])
    signs = [mp.sign(weighted_error(c, z)) for z in reference]
    assert all(signs[i] == -signs[i + 1] for i in range(n)), "the reference's errors do not alternate in sign"
    return c, max(abs(v) for v in values)


def to_float32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


if __name__ == "__main__":
    coefficients, bound = remez()
    rounded = [mp.mpf(to_float32(c)) for c in coefficients]
    for j, (c, r) in enumerate(zip(coefficients, rounded)):
        print(f"P{j} = {mp.nstr(c, 20)}  (float: {mp.nstr(r, 9)})")
    grid = [Z_MAX * k / 4000 for k in range(1, 4001)]
    rounded_bound = max(abs(weighted_error(rounded, z)) for z in grid)
    print(f"max |z (P - P*)| = {mp.nstr(bound, 5)}, with the float coefficients {mp.nstr(rounded_bound, 5)}; "
          f"relative error in ln m about half of that")
