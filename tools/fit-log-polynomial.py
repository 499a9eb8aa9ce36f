#!/usr/bin/env python3
"""Fits the float logarithm's polynomial in src/GaussianNll/Kernels/FastMath.cs (LogCoefficients).

The logarithm reduces x = 2^k * m with m in [0.75, 1.5), f = m - 1, s = f / (2 + f), z = s^2, and takes
ln m = ln(1 + s) - ln(1 - s) = 2s + s * R(z), where R*(z) = z * P*(z) with P*(z) = (2 atanh(sqrt z) / sqrt z - 2) / z
(2/3 + 2z/5 + 2z^2/7 + ...). An error e in R moves ln m by s * e, about e / 2 of ln m itself (ln m is about 2s), so P is
fitted to minimise max |z * (P(z) - P*(z))| over z in [0, 0.2^2] (|s| < 0.2 on that range of m): a Remez exchange for
P of degree 2, in 40-digit arithmetic.

Run: python3 tools/fit-log-polynomial.py (needs mpmath). It prints the three coefficients and the bound, about
5.6e-9, or 2.8e-9 relative in ln m: at most about 0.05-0.09 ulp of a float. The coefficients rounded to float are
what FastMath uses; a check of every normal float found the logarithm within 0.972 ulp (see FastMathTests).
"""
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
        if len(extrema) >= n + 1:
            reference = sorted(sorted(extrema, key=lambda z: -abs(weighted_error(c, z)))[: n + 1])
    return c, max(abs(v) for v in values)


if __name__ == "__main__":
    coefficients, bound = remez()
    for j, c in enumerate(coefficients):
        print(f"P{j} = {mp.nstr(c, 20)}  (float: {float(c):.10g})")
    print(f"max |z (P - P*)| = {mp.nstr(bound, 5)}; relative error in ln m about {mp.nstr(bound / 2, 5)}")
