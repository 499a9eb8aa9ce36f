using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GaussianNll.Kernels;

/// <summary>
/// <see cref="ISimdVector{TSelf, T}"/> over <see cref="Vector512{T}"/>. Vector512 is accelerated only with AVX-512F,
/// so the AVX-512 instructions used here (exponent and mantissa extraction, reciprocal estimate, scaling) are
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
    public static Vec512<T> Reciprocal(Vec512<T> x)
    {
        // A 14-bit estimate, refined by Newton steps r ← r + r·(1 − x·r): one for float (2^-28), two for double (2^-56).
        // The estimate of 1/∞ is 0, where a Newton step would give 0·∞ = NaN, so zero estimates are kept as they are.
        if (typeof(T) == typeof(float))
        {
            var v = x._value.AsSingle();
            var r = Avx512F.Reciprocal14(v);
            var refined = Vector512.FusedMultiplyAdd(r, Vector512.FusedMultiplyAdd(-v, r, Vector512<float>.One), r);
            return new(Vector512.ConditionalSelect(Vector512.Equals(r, Vector512<float>.Zero), r, refined).As<float, T>());
        }
        else
        {
            var v = x._value.AsDouble();
            var r = Avx512F.Reciprocal14(v);
            var refined = Vector512.FusedMultiplyAdd(r, Vector512.FusedMultiplyAdd(-v, r, Vector512<double>.One), r);
            refined = Vector512.FusedMultiplyAdd(refined, Vector512.FusedMultiplyAdd(-v, refined, Vector512<double>.One), refined);
            return new(Vector512.ConditionalSelect(Vector512.Equals(r, Vector512<double>.Zero), r, refined).As<double, T>());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Exponent(Vec512<T> x) => typeof(T) == typeof(float)
        ? new(Avx512F.GetExponent(x._value.AsSingle()).As<float, T>())
        : new(Avx512F.GetExponent(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Mantissa(Vec512<T> x) => typeof(T) == typeof(float)
        ? new(Avx512F.GetMantissa(x._value.AsSingle(), 0).As<float, T>())
        : new(Avx512F.GetMantissa(x._value.AsDouble(), 0).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Round(Vec512<T> x) => typeof(T) == typeof(float)
        ? new(Vector512.Round(x._value.AsSingle()).As<float, T>())
        : new(Vector512.Round(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> ScaleByPowerOfTwo(Vec512<T> x, Vec512<T> n) => typeof(T) == typeof(float)
        ? new(Avx512F.Scale(x._value.AsSingle(), n._value.AsSingle()).As<float, T>())
        : new(Avx512F.Scale(x._value.AsDouble(), n._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> ConditionalSelect(Vec512<T> mask, Vec512<T> whenSet, Vec512<T> whenClear) =>
        new(Vector512.ConditionalSelect(mask._value, whenSet._value, whenClear._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> ClampBelow(Vec512<T> x, Vec512<T> bound) =>
        new(Vector512.ConditionalSelect(Vector512.LessThan(x._value, bound._value), bound._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> LessThan(Vec512<T> x, Vec512<T> y) => new(Vector512.LessThan(x._value, y._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Or(Vec512<T> left, Vec512<T> right) => new(left._value | right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AnySet(Vec512<T> mask) => mask._value.ExtractMostSignificantBits() != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vec512<T> value) => Vector512.Sum(value._value);
}
