using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace GaussianNll.Kernels;

/// <summary>
/// The logarithm and exponential the kernel uses, written once over <see cref="ISimdVector{TSelf, T}"/> so that they
/// inline into the loop (the runtime's vector <c>Log</c> and <c>Exp</c> are calls, which on x64 Unix force every
/// vector register to be spilled around them).
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Log{T, TVector}(TVector, in LogCoefficients{T, TVector})"/> follows fdlibm/musl: <c>x = 2^k·m</c> with <c>m</c> in [0.75, 1.5) (float) or
/// [√½, √2) (double), <c>f = m − 1</c>, <c>s = f/(2 + f)</c>, <c>ln(1 + f) = f − ½f² + s(½f² + R(s²))</c> with a
/// minimax <c>R(z) = z·P(z)</c> (for float, <c>P</c> of 3 terms fitted by tools/fit-log-polynomial.py, see
/// <see cref="LogCoefficients{T, TVector}"/>; for double, fdlibm's of 7), rewritten as <c>f − s(f − R)</c> (with <c>f − R</c> one
/// multiply-add) where multiply-adds are fused, and <c>k·ln 2</c> split into a high and a low part (except for fused
/// float, which adds <c>k·ln 2</c> in one multiply-add).
/// <see cref="Exp{T, TVector}"/> reduces <c>x = n·ln 2 + r</c>, |r| ≤ ½ln 2, and evaluates Cephes' minimax polynomial
/// (float) or the degree-13 Taylor polynomial (double) before scaling by <c>2^n</c>.
/// </para>
/// <para>
/// Accuracy, tested by <c>FastMathTests</c> over every binary exponent of the normal range at every vector width
/// (the bound each test asserts, then the largest error it measures): float log within 1 ulp (0.972) of the exact
/// result, double log within 1 ulp (1.0) of <see cref="System.Math.Log(double)"/>; float exp within 1.02 ulp (1.01)
/// of the exact result, double exp within 1 ulp (1.0) of <see cref="System.Math.Exp"/>. (1/v is an IEEE division.)
/// A check of every normal float found at most 0.972 ulp for log (at 0.37403086, fused, the same at every width;
/// 0.928 unfused, Vector128 without AVX) and 1.01 ulp for exp; the sweep includes those inputs.
/// </para>
/// </remarks>
internal static class FastMath
{
    /// <summary>The natural logarithm of normal <paramref name="x"/> &gt; 0; +∞ and NaN pass through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Log<T, TVector>(TVector x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T> =>
        Log(x, LogCoefficients<T, TVector>.Literals);

    /// <summary>
    /// The natural logarithm of normal <paramref name="x"/> &gt; 0, with the float coefficients taken from
    /// <paramref name="coefficients"/> (see <see cref="LogCoefficients{T, TVector}"/>); +∞ and NaN pass through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Log<T, TVector>(TVector x, in LogCoefficients<T, TVector> coefficients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var one = coefficients.One;

        TVector.Decompose(x, out var k, out var m);
        var f = m - one;
        var s = f / (m + one); // f/(2 + f) with the same rounding, one addition earlier in the chain
        var z = s * s;
        bool isFloat = typeof(T) == typeof(float);

        // R(z) = z·P(z).
        var p = isFloat ? LogPolynomialSingle<T, TVector>(z, coefficients) : LogPolynomialDouble<T, TVector>(z);

        TVector result;

        if (MultiplyAddIsFused && isFloat)
        {
            // ½f²·(1 − s) = f·s, so fdlibm's f − (½f² − s·(½f² + R)) is f − s·(f − R): fewer instructions (f − z·P is
            // one). Fused, k·ln 2 needs no high and low part: k·ln2f + (f − s·(f − R)) rounds once, and ln2f, ln 2
            // rounded to float, is 1.9·10⁻⁹ off, at most about 0.07 ulp of the result (a check of every float, with
            // musl's four-term P: 0.969 ulp, against 0.946 with the split, which costs a multiply and an add more).
            result = TVector.MultiplyAdd(k, coefficients.Ln2, TVector.NegatedMultiplyAdd(s, TVector.NegatedMultiplyAdd(z, p, f), f));
        }
        else
        {
            var ln2High = TVector.Create(T.CreateTruncating(isFloat ? 6.9313812256e-01 : 6.93147180369123816490e-01));
            var ln2Low = TVector.Create(T.CreateTruncating(isFloat ? 9.0580006145e-06 : 1.90821492927058770002e-10));
            if (MultiplyAddIsFused)
            {
                // Double keeps fdlibm's split of ln 2: rounded to double it is up to about 0.4 ulp of the result off
                // (k = ±1), which its bound (1 ulp of Math.Log, measured 1.0) has no room for.
                result = TVector.MultiplyAdd(k, ln2High, TVector.NegatedMultiplyAdd(s, TVector.NegatedMultiplyAdd(z, p, f), k * ln2Low) + f);
            }
            else
            {
                // Unfused, s·(f − R) would be rounded on its own, which takes that form past an ulp: fdlibm's form.
                var halfSquare = TVector.Create(T.CreateTruncating(0.5)) * f * f;
                result = TVector.MultiplyAdd(k, ln2High, (TVector.MultiplyAdd(s, halfSquare + (z * p), k * ln2Low) - halfSquare) + f);
            }
        }

        // At +∞ and NaN the reduction is meaningless: the answer is x itself. Vector512's float reduction (vgetmant,
        // vgetexp) already carries them through (k = +∞ with f = 0, or NaN), which saves an FMA-unit instruction.
        return isFloat && typeof(TVector) == typeof(Vec512<T>) ? result : TVector.PassInfinityOrNaN(result, x);
    }

    /// <summary>
    /// Whether <see cref="ISimdVector{TSelf, T}.MultiplyAdd"/> rounds once at every width: AVX-512 implies FMA, and the
    /// portable widths and the scalar tail use MultiplyAddEstimate, which fuses where the hardware has FMA (x64) and
    /// always on Arm64.
    /// </summary>
    internal static bool MultiplyAddIsFused => Fma.IsSupported || AdvSimd.IsSupported;

    /// <summary>
    /// The upper end of the significand range of <see cref="ISimdVector{TSelf, T}.Decompose"/>: 1.5 for float (the
    /// range [0.75, 1.5) is one AVX-512 instruction, and the float polynomial of <see cref="LogCoefficients{T, TVector}"/>
    /// was fitted on it), √2 for double
    /// ([√½, √2), the range fdlibm's polynomial was fitted on).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T SignificandLimit<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? T.CreateTruncating(1.5f) : T.CreateTruncating(1.41421356237309504880);

    /// <summary>e^<paramref name="x"/> for any x: overflows to +∞, underflows to 0, NaN passes through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp<T, TVector>(TVector x)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        bool isFloat = typeof(T) == typeof(float);

        // Beyond these e^x is 0 or ∞ anyway; clamping keeps n inside the range ScaleByPowerOfTwo handles (NaN is kept).
        var limit = TVector.Create(T.CreateTruncating(isFloat ? 110.0 : 760.0));
        x = TVector.ClampBelow(x, TVector.Create(T.Zero) - limit);
        x = TVector.ConditionalSelect(TVector.LessThan(limit, x), limit, x);

        var n = TVector.Round(x * TVector.Create(T.CreateTruncating(1.44269504088896340736)));
        var p = typeof(T) == typeof(float) ? ExpPolynomialSingle<T, TVector>(x, n) : ExpPolynomialDouble<T, TVector>(x, n);
        return TVector.ScaleByPowerOfTwo(p, n);
    }

    // The polynomials are separate methods per element type so that the JIT imports only the one it needs: inlining
    // both into the kernel's loop would exhaust its inlining budget, and the loop's vector operations would be left
    // as calls.

    /// <summary>P(z) = P0 + z·(P1 + z·P2), with R(z) = z·P(z) (see <see cref="LogCoefficients{T, TVector}"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector LogPolynomialSingle<T, TVector>(TVector z, in LogCoefficients<T, TVector> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var r = TVector.MultiplyAdd(z, c.P2, c.P1);
        return TVector.MultiplyAdd(z, r, c.P0);
    }

    /// <summary>P(z) = Lg1 + z·(Lg2 + … + z·Lg7), where fdlibm's log has R(z) = z·P(z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector LogPolynomialDouble<T, TVector>(TVector z)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var r = TVector.MultiplyAdd(z, TVector.Create(T.CreateTruncating(1.479819860511658591e-01)), TVector.Create(T.CreateTruncating(1.531383769920937332e-01)));
        r = TVector.MultiplyAdd(z, r, TVector.Create(T.CreateTruncating(1.818357216161805012e-01)));
        r = TVector.MultiplyAdd(z, r, TVector.Create(T.CreateTruncating(2.222219843214978396e-01)));
        r = TVector.MultiplyAdd(z, r, TVector.Create(T.CreateTruncating(2.857142874366239149e-01)));
        r = TVector.MultiplyAdd(z, r, TVector.Create(T.CreateTruncating(3.999999999940941908e-01)));
        return TVector.MultiplyAdd(z, r, TVector.Create(T.CreateTruncating(6.666666666666735130e-01)));
    }

    /// <summary>e^x = 2^n·e^r with r = x − n·ln 2 (Cephes' split of ln 2) and Cephes' expf polynomial for e^r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpPolynomialSingle<T, TVector>(TVector x, TVector n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var r = TVector.MultiplyAdd(n, TVector.Create(T.CreateTruncating(-0.693359375f)), x);
        r = TVector.MultiplyAdd(n, TVector.Create(T.CreateTruncating(2.12194440e-4f)), r);
        var p = TVector.MultiplyAdd(r, TVector.Create(T.CreateTruncating(1.9875691500e-4f)), TVector.Create(T.CreateTruncating(1.3981999507e-3f)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(8.3334519073e-3f)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(4.1665795894e-2f)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(1.6666665459e-1f)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(5.0000001201e-1f)));
        return TVector.MultiplyAdd(p, r * r, r) + TVector.Create(T.One);
    }

    /// <summary>e^r = 1 + r + r²/2! + … + r^13/13! by Horner from the top, with r = x − n·ln 2 (fdlibm's split).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector ExpPolynomialDouble<T, TVector>(TVector x, TVector n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct, ISimdVector<TVector, T>
    {
        var r = TVector.MultiplyAdd(n, TVector.Create(T.CreateTruncating(-6.93147180369123816490e-01)), x);
        r = TVector.MultiplyAdd(n, TVector.Create(T.CreateTruncating(-1.90821492927058770002e-10)), r);
        var p = TVector.Create(T.CreateTruncating(1.6059043836821613e-10));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(2.08767569878681e-09)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(2.505210838544172e-08)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(2.755731922398589e-07)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(2.7557319223985893e-06)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(2.48015873015873e-05)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(0.0001984126984126984)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(0.001388888888888889)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(0.008333333333333333)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(0.041666666666666664)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(0.16666666666666666)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.CreateTruncating(0.5)));
        p = TVector.MultiplyAdd(r, p, TVector.Create(T.One));
        return TVector.MultiplyAdd(r, p, TVector.Create(T.One));
    }
}

/// <summary>
/// The vectors of the float logarithm: the coefficients of <c>P</c>, ln 2 and 1 (the double logarithm takes only
/// <see cref="One"/>; its seven coefficients and split ln 2 stay literals).
/// </summary>
/// <remarks>
/// <para>
/// <c>P(z) = P0 + z·(P1 + z·P2)</c> minimises max |z·(P(z) − P*(z))| for z = s² ≤ 0.04 (|s| &lt; 0.2 where m is in
/// [0.75, 1.5)), P* the exact <c>(2·atanh(√z)/√z − 2)/z</c>: a Remez fit by tools/fit-log-polynomial.py, which puts
/// that error at 5.6·10⁻⁹ (6.1·10⁻⁹ with the coefficients rounded to float), 3·10⁻⁹ of ln m (about 0.05 ulp at most). musl's logf takes four terms (Lg1–Lg4), accurate
/// to 10⁻¹¹ there; three save a multiply-add per vector, and tools/LogUlpCheck, which checks every normal float, finds
/// the logarithm within 0.972 ulp with them (0.969 with musl's), 0.928 unfused (0.904). Harness, <c>ForwardElementwise</c> at 1,024
/// and 16,384 floats, medians of five processes: 339 → 321 ns and 4.57 → 4.37 µs.
/// </para>
/// <para>
/// The JIT folds a literal vector into each instruction that uses it, which inside a loop is a load per use (an
/// embedded or explicit broadcast from the constant area: eight per vector in <c>ForwardElementwise</c>'s loop before
/// this struct, with musl's four terms and the split ln 2). <see cref="Hoisted"/> reads the same values from an array,
/// whose elements the JIT cannot take for constants (an array's elements can change): built once before the kernel's
/// loop and passed to <see cref="IParametrization.Prepare"/>, they stay in registers across it (nothing checks that
/// they do: .ci/run's listing check looks for calls only). (Held in
/// <see cref="KernelConstants{T, TVector}"/> instead, they pushed the preparation of per-row entries over the JIT's
/// inlining budget, leaving its vector operations as calls.) Harness, <c>ForwardElementwise</c>
/// at 1,024 and 16,384 floats: 351 → 333 ns and 4.80 → 4.69 µs (medians of five processes).
/// </para>
/// </remarks>
internal readonly struct LogCoefficients<T, TVector>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVector : struct, ISimdVector<TVector, T>
{
    private const float P0Value = 0.6666694735f;
    private const float P1Value = 0.3995782578f;
    private const float P2Value = 0.3036056223f;
    private const float Ln2Value = 0.693147180559945309f;

    private static readonly float[] Values = [P0Value, P1Value, P2Value, Ln2Value, 1f];

    public readonly TVector P0;
    public readonly TVector P1;
    public readonly TVector P2;

    /// <summary>ln 2 rounded to float.</summary>
    public readonly TVector Ln2;

    public readonly TVector One;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private LogCoefficients(float p0, float p1, float p2, float ln2, float one)
    {
        P0 = TVector.Create(T.CreateTruncating(p0));
        P1 = TVector.Create(T.CreateTruncating(p1));
        P2 = TVector.Create(T.CreateTruncating(p2));
        Ln2 = TVector.Create(T.CreateTruncating(ln2));
        One = TVector.Create(T.CreateTruncating(one));
    }

    /// <summary>The values as literals, for a logarithm outside a loop.</summary>
    public static LogCoefficients<T, TVector> Literals
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => new(P0Value, P1Value, P2Value, Ln2Value, 1f);
    }

    /// <summary>The same values, read so that the JIT keeps them in registers across a loop.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LogCoefficients<T, TVector> Hoisted()
    {
        var values = Values;
        return new(values[0], values[1], values[2], values[3], values[4]);
    }
}
