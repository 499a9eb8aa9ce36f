using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GaussianNll.Kernels;

/// <summary>
/// <see cref="ISimdVector{TSelf, T}"/> over <see cref="Vector512{T}"/>. Vector512 is accelerated only with AVX-512F,
/// so the AVX-512 instructions used here (exponent and mantissa extraction, fix-up, scaling) are
/// always available when this width runs.
/// </summary>
internal readonly struct Vec512<T>(Vector512<T> value) : ISimdVector<Vec512<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Vector512<T> _value = value;

    public static int Count => Vector512<T>.Count;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Create(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Load(ref readonly T source, nuint index) => new(Vector512.LoadUnsafe(in source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec512<T> value, ref T destination, nuint index) => value._value.StoreUnsafe(ref destination, index);

    // In 32-bit lanes for double too (two per element, StreamCarry's indices count them): one form to inline.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void StoreStraddled(Vec512<T> previous, Vec512<T> current, Vec512<T> indices, ref T destination, nuint index, bool nonTemporal)
    {
        float* address = (float*)Unsafe.AsPointer(ref Unsafe.Add(ref destination, index));
        var straddling = Avx512F.PermuteVar16x32x2(previous._value.AsSingle(), indices._value.AsInt32(), current._value.AsSingle());
        if (nonTemporal)
        {
            Avx512F.StoreAlignedNonTemporal(address, straddling);
        }
        else
        {
            Avx512F.StoreAligned(address, straddling);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> operator +(Vec512<T> left, Vec512<T> right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> operator -(Vec512<T> left, Vec512<T> right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> operator *(Vec512<T> left, Vec512<T> right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> operator /(Vec512<T> left, Vec512<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> MultiplyAdd(Vec512<T> a, Vec512<T> b, Vec512<T> c) => typeof(T) == typeof(float)
        ? new(Vector512.FusedMultiplyAdd(a._value.AsSingle(), b._value.AsSingle(), c._value.AsSingle()).As<float, T>())
        : new(Vector512.FusedMultiplyAdd(a._value.AsDouble(), b._value.AsDouble(), c._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> NegatedMultiplyAdd(Vec512<T> a, Vec512<T> b, Vec512<T> c) => typeof(T) == typeof(float)
        ? new(Avx512F.FusedMultiplyAddNegated(a._value.AsSingle(), b._value.AsSingle(), c._value.AsSingle()).As<float, T>())
        : new(Avx512F.FusedMultiplyAddNegated(a._value.AsDouble(), b._value.AsDouble(), c._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decompose(Vec512<T> x, out Vec512<T> exponent, out Vec512<T> significand)
    {
        if (typeof(T) == typeof(float))
        {
            // [0.75, 1.5), the range the float polynomial was fitted on (see LogCoefficients): Split's.
            Split(x, out exponent, out significand);
        }
        else
        {
            // [√½, √2), the range of fdlibm's double polynomial: k = floor(log2(x·√½)) + 1 puts x·2^-k there. x·√½
            // cannot overflow and the scaling by 2^-k is exact; for subnormal x the product may round across a power
            // of two, so this needs normal x, which the kernel guarantees (ε is at least the smallest normal number).
            var e = GetExponent(x._value * Vector512.Create(T.CreateTruncating(0.70710678118654752440)));
            exponent = new(e + Vector512<T>.One);
            significand = new(Scale(x._value, Vector512.Create(T.NegativeOne) - e));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Split(Vec512<T> x, out Vec512<T> exponent, out Vec512<T> significand)
    {
        // The significand normalised to [0.75, 1.5), where x near 1 has a significand near 1, in one instruction; its
        // exponent (−1 or 0) taken from x's gives the matching power of two. Exact for every x > 0; vgetexp takes +∞
        // to +∞ and NaN to NaN.
        var v = x._value;
        var m = typeof(T) == typeof(float)
            ? Avx512F.GetMantissa(v.AsSingle(), ThreeQuartersToThreeHalves).As<float, T>()
            : Avx512F.GetMantissa(v.AsDouble(), ThreeQuartersToThreeHalves).As<double, T>();
        exponent = new(GetExponent(v) - GetExponent(m));
        significand = new(m);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> PassInfinityOrNaN(Vec512<T> result, Vec512<T> x) => new(Fixup(result._value, x._value, PassInfinityOrNaNFixups));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> TrackNegative(Vec512<T> tracker, Vec512<T> value) => typeof(T) == typeof(float)
        ? new(Avx512F.Min(value._value.AsSingle(), tracker._value.AsSingle()).As<float, T>()) // vminps returns its second operand when the first is NaN
        : new(Avx512F.Min(value._value.AsDouble(), tracker._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasNegative(Vec512<T> tracker) => Vector512.LessThanAny(tracker._value, Vector512<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Round(Vec512<T> x) => typeof(T) == typeof(float)
        ? new(Vector512.Round(x._value.AsSingle()).As<float, T>())
        : new(Vector512.Round(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> ScaleByPowerOfTwo(Vec512<T> x, Vec512<T> n) => new(Scale(x._value, n._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> ConditionalSelect(Vec512<T> mask, Vec512<T> whenSet, Vec512<T> whenClear) =>
        new(Vector512.ConditionalSelect(mask._value, whenSet._value, whenClear._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> ClampBelow(Vec512<T> x, Vec512<T> bound) => typeof(T) == typeof(float)
        ? new(Avx512F.Max(bound._value.AsSingle(), x._value.AsSingle()).As<float, T>()) // vmaxps returns its second operand, x, when x is NaN
        : new(Avx512F.Max(bound._value.AsDouble(), x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Join(Vec512<T> first, Vec512<T> second, int split) => typeof(T) == typeof(float)
        ? new(Vector512.ConditionalSelect(Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(split)).As<int, T>(), first._value, second._value))
        : new(Vector512.ConditionalSelect(Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)split)).As<long, T>(), first._value, second._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> LessThan(Vec512<T> x, Vec512<T> y) => new(Vector512.LessThan(x._value, y._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vec512<T> value) => Vector512.Sum(value._value);

    /// <summary><c>vgetmant</c>'s control: the significand in [0.75, 1.5), with the sign of the source.</summary>
    private const byte ThreeQuartersToThreeHalves = 0b0011;

    /// <summary>
    /// The vfixupimm table that passes NaN and +∞ through and keeps the computed result for everything else (−∞ too, as
    /// the other widths do: the logarithm never sees it). A table
    /// holds one 4-bit response per class of the second operand (bits 4j..4j+3 for class j: 0 quiet NaN, 1 signalling
    /// NaN, 2 ±0, 3 +1, 4 −∞, 5 +∞, 6 negative, 7 positive); response 0 keeps the first operand, 1 gives the second.
    /// </summary>
    private const int PassInfinityOrNaNFixups = 0x0010_0011;

    /// <summary>
    /// <c>vfixupimm</c>: <paramref name="result"/> where <paramref name="x"/>'s class has response 0 in
    /// <paramref name="table"/>, else the response.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fixup(Vector512<T> result, Vector512<T> x, int table) => typeof(T) == typeof(float)
        ? Avx512F.Fixup(result.AsSingle(), x.AsSingle(), Vector512.Create(table), 0).As<float, T>()
        : Avx512F.Fixup(result.AsDouble(), x.AsDouble(), Vector512.Create((long)table), 0).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> GetExponent(Vector512<T> x) => typeof(T) == typeof(float)
        ? Avx512F.GetExponent(x.AsSingle()).As<float, T>()
        : Avx512F.GetExponent(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Scale(Vector512<T> x, Vector512<T> n) => typeof(T) == typeof(float)
        ? Avx512F.Scale(x.AsSingle(), n.AsSingle()).As<float, T>()
        : Avx512F.Scale(x.AsDouble(), n.AsDouble()).As<double, T>();
}
