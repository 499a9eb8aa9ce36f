using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GaussianNll.Kernels;

/// <summary>
/// <see cref="ISimdVector{TSelf, T}"/> over <see cref="Vector128{T}"/>, written with portable operations only (no
/// AVX-512), so it is also the path taken when AVX-512 is absent or switched off.
/// </summary>
internal readonly struct Vec128<T>(Vector128<T> value) : ISimdVector<Vec128<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Vector128<T> _value = value;

    public static int Count => Vector128<T>.Count;

    public static bool IsHardwareAccelerated => Vector128.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> Create(T value) => new(Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> Load(ref readonly T source, nuint index) => new(Vector128.LoadUnsafe(in source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec128<T> value, ref T destination, nuint index) => value._value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> operator +(Vec128<T> left, Vec128<T> right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> operator -(Vec128<T> left, Vec128<T> right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> operator *(Vec128<T> left, Vec128<T> right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> operator /(Vec128<T> left, Vec128<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> MultiplyAdd(Vec128<T> a, Vec128<T> b, Vec128<T> c) => typeof(T) == typeof(float)
        ? new(Vector128.MultiplyAddEstimate(a._value.AsSingle(), b._value.AsSingle(), c._value.AsSingle()).As<float, T>())
        : new(Vector128.MultiplyAddEstimate(a._value.AsDouble(), b._value.AsDouble(), c._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> NegatedMultiplyAdd(Vec128<T> a, Vec128<T> b, Vec128<T> c) => MultiplyAdd(new(-a._value), b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decompose(Vec128<T> x, out Vec128<T> exponent, out Vec128<T> significand)
    {
        var k = Exponent(x._value);
        var m = Mantissa(x._value);
        var one = Vector128<T>.One;
        var high = Vector128.LessThanOrEqual(Vector128.Create(FastMath.SignificandLimit<T>()), m);
        exponent = new(Vector128.ConditionalSelect(high, k + one, k));
        significand = new(Vector128.ConditionalSelect(high, m * Vector128.Create(T.CreateTruncating(0.5)), m));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Split(Vec128<T> x, out Vec128<T> exponent, out Vec128<T> significand)
    {
        Decompose(x, out var k, out significand);
        exponent = PassInfinityOrNaN(k, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> PassInfinityOrNaN(Vec128<T> result, Vec128<T> x) =>
        new(Vector128.ConditionalSelect(Vector128.LessThan(x._value, Vector128.Create(T.PositiveInfinity)), result._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> TrackNegative(Vec128<T> tracker, Vec128<T> value) =>
        new(Vector128.ConditionalSelect(Vector128.LessThan(value._value, tracker._value), value._value, tracker._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasNegative(Vec128<T> tracker) => Vector128.LessThanAny(tracker._value, Vector128<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Exponent(Vector128<T> x)
    {
        // Subnormals are first scaled into the normal range, and the scale taken off the exponent.
        if (typeof(T) == typeof(float))
        {
            var v = x.AsSingle();
            var subnormal = Vector128.LessThan(v, Vector128.Create(BitMath.SingleMinNormal));
            v = Vector128.ConditionalSelect(subnormal, v * BitMath.SingleSubnormalScale, v);
            var field = Vector128.ConvertToSingle(Vector128.ShiftRightLogical(v.AsInt32(), 23));
            var bias = Vector128.ConditionalSelect(subnormal, Vector128.Create(127f + BitMath.SingleSubnormalShift), Vector128.Create(127f));
            return (field - bias).As<float, T>();
        }
        else
        {
            var v = x.AsDouble();
            var subnormal = Vector128.LessThan(v, Vector128.Create(BitMath.DoubleMinNormal));
            v = Vector128.ConditionalSelect(subnormal, v * BitMath.DoubleSubnormalScale, v);
            var field = Vector128.ShiftRightLogical(v.AsInt64(), 52);
            var fieldAsDouble = (field | Vector128.Create(BitMath.DoubleMagicBits)).AsDouble() - Vector128.Create(BitMath.DoubleMagic);
            var bias = Vector128.ConditionalSelect(subnormal, Vector128.Create(1023.0 + BitMath.DoubleSubnormalShift), Vector128.Create(1023.0));
            return (fieldAsDouble - bias).As<double, T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> Mantissa(Vector128<T> x)
    {
        if (typeof(T) == typeof(float))
        {
            var v = x.AsSingle();
            v = Vector128.ConditionalSelect(Vector128.LessThan(v, Vector128.Create(BitMath.SingleMinNormal)), v * BitMath.SingleSubnormalScale, v);
            var bits = (v.AsInt32() & Vector128.Create(BitMath.SingleFractionMask)) | Vector128.Create(BitMath.SingleOneBits);
            return bits.AsSingle().As<float, T>();
        }
        else
        {
            var v = x.AsDouble();
            v = Vector128.ConditionalSelect(Vector128.LessThan(v, Vector128.Create(BitMath.DoubleMinNormal)), v * BitMath.DoubleSubnormalScale, v);
            var bits = (v.AsInt64() & Vector128.Create(BitMath.DoubleFractionMask)) | Vector128.Create(BitMath.DoubleOneBits);
            return bits.AsDouble().As<double, T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> Round(Vec128<T> x) => typeof(T) == typeof(float)
        ? new(Vector128.Round(x._value.AsSingle()).As<float, T>())
        : new(Vector128.Round(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> ScaleByPowerOfTwo(Vec128<T> x, Vec128<T> n)
    {
        // Two factors 2^(n/2) built from their exponent bits, so that every n the callers pass stays in range.
        var halved = n._value * Vector128.Create(T.CreateTruncating(0.5));
        var half = typeof(T) == typeof(float)
            ? Vector128.Floor(halved.AsSingle()).As<float, T>()
            : Vector128.Floor(halved.AsDouble()).As<double, T>();
        return new(x._value * PowerOfTwo(half) * PowerOfTwo(n._value - half));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> ConditionalSelect(Vec128<T> mask, Vec128<T> whenSet, Vec128<T> whenClear) =>
        new(Vector128.ConditionalSelect(mask._value, whenSet._value, whenClear._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> ClampBelow(Vec128<T> x, Vec128<T> bound) =>
        new(Vector128.ConditionalSelect(Vector128.LessThan(x._value, bound._value), bound._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> Join(Vec128<T> first, Vec128<T> second, int split) => typeof(T) == typeof(float)
        ? new(Vector128.ConditionalSelect(Vector128.LessThan(Vector128<int>.Indices, Vector128.Create(split)).As<int, T>(), first._value, second._value))
        : new(Vector128.ConditionalSelect(Vector128.LessThan(Vector128<long>.Indices, Vector128.Create((long)split)).As<long, T>(), first._value, second._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> LessThan(Vec128<T> x, Vec128<T> y) => new(Vector128.LessThan(x._value, y._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vec128<T> value) => Vector128.Sum(value._value);

    /// <summary>2^k for integral k in the normal exponent range, built from the bits: the magic constant puts k + bias in the low bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<T> PowerOfTwo(Vector128<T> k)
    {
        if (typeof(T) == typeof(float))
        {
            var biased = k.AsSingle() + Vector128.Create(127f + BitMath.SingleMagic);
            return Vector128.ShiftLeft(biased.AsInt32(), 23).AsSingle().As<float, T>();
        }
        else
        {
            var biased = k.AsDouble() + Vector128.Create(1023.0 + BitMath.DoubleMagic);
            return Vector128.ShiftLeft(biased.AsInt64(), 52).AsDouble().As<double, T>();
        }
    }
}
