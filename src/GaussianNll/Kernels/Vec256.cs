using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GaussianNll.Kernels;

/// <summary>
/// <see cref="ISimdVector{TSelf, T}"/> over <see cref="Vector256{T}"/>, written with portable operations only (no
/// AVX-512), so it is also the path taken when AVX-512 is absent or switched off.
/// </summary>
internal readonly struct Vec256<T>(Vector256<T> value) : ISimdVector<Vec256<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Vector256<T> _value = value;

    public static int Count => Vector256<T>.Count;

    public static bool IsHardwareAccelerated => Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> Create(T value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> Load(ref readonly T source, nuint index) => new(Vector256.LoadUnsafe(in source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec256<T> value, ref T destination, nuint index) => value._value.StoreUnsafe(ref destination, index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> operator +(Vec256<T> left, Vec256<T> right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> operator -(Vec256<T> left, Vec256<T> right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> operator *(Vec256<T> left, Vec256<T> right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> operator /(Vec256<T> left, Vec256<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> MultiplyAdd(Vec256<T> a, Vec256<T> b, Vec256<T> c) => typeof(T) == typeof(float)
        ? new(Vector256.MultiplyAddEstimate(a._value.AsSingle(), b._value.AsSingle(), c._value.AsSingle()).As<float, T>())
        : new(Vector256.MultiplyAddEstimate(a._value.AsDouble(), b._value.AsDouble(), c._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> NegatedMultiplyAdd(Vec256<T> a, Vec256<T> b, Vec256<T> c) => MultiplyAdd(new(-a._value), b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decompose(Vec256<T> x, out Vec256<T> exponent, out Vec256<T> significand)
    {
        var k = Exponent(x._value);
        var m = Mantissa(x._value);
        var one = Vector256<T>.One;
        var high = Vector256.LessThanOrEqual(Vector256.Create(FastMath.SignificandLimit<T>()), m);
        exponent = new(Vector256.ConditionalSelect(high, k + one, k));
        significand = new(Vector256.ConditionalSelect(high, m * Vector256.Create(T.CreateTruncating(0.5)), m));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Split(Vec256<T> x, out Vec256<T> exponent, out Vec256<T> significand)
    {
        Decompose(x, out var k, out significand);
        exponent = PassInfinityOrNaN(k, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> PassInfinityOrNaN(Vec256<T> result, Vec256<T> x) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(x._value, Vector256.Create(T.PositiveInfinity)), result._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> TrackNegative(Vec256<T> tracker, Vec256<T> value) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(value._value, tracker._value), value._value, tracker._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasNegative(Vec256<T> tracker) => Vector256.LessThanAny(tracker._value, Vector256<T>.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Exponent(Vector256<T> x)
    {
        // Subnormals are first scaled into the normal range, and the scale taken off the exponent.
        if (typeof(T) == typeof(float))
        {
            var v = x.AsSingle();
            var subnormal = Vector256.LessThan(v, Vector256.Create(BitMath.SingleMinNormal));
            v = Vector256.ConditionalSelect(subnormal, v * BitMath.SingleSubnormalScale, v);
            var field = Vector256.ConvertToSingle(Vector256.ShiftRightLogical(v.AsInt32(), 23));
            var bias = Vector256.ConditionalSelect(subnormal, Vector256.Create(127f + BitMath.SingleSubnormalShift), Vector256.Create(127f));
            return (field - bias).As<float, T>();
        }
        else
        {
            var v = x.AsDouble();
            var subnormal = Vector256.LessThan(v, Vector256.Create(BitMath.DoubleMinNormal));
            v = Vector256.ConditionalSelect(subnormal, v * BitMath.DoubleSubnormalScale, v);
            var field = Vector256.ShiftRightLogical(v.AsInt64(), 52);
            var fieldAsDouble = (field | Vector256.Create(BitMath.DoubleMagicBits)).AsDouble() - Vector256.Create(BitMath.DoubleMagic);
            var bias = Vector256.ConditionalSelect(subnormal, Vector256.Create(1023.0 + BitMath.DoubleSubnormalShift), Vector256.Create(1023.0));
            return (fieldAsDouble - bias).As<double, T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Mantissa(Vector256<T> x)
    {
        if (typeof(T) == typeof(float))
        {
            var v = x.AsSingle();
            v = Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256.Create(BitMath.SingleMinNormal)), v * BitMath.SingleSubnormalScale, v);
            var bits = (v.AsInt32() & Vector256.Create(BitMath.SingleFractionMask)) | Vector256.Create(BitMath.SingleOneBits);
            return bits.AsSingle().As<float, T>();
        }
        else
        {
            var v = x.AsDouble();
            v = Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256.Create(BitMath.DoubleMinNormal)), v * BitMath.DoubleSubnormalScale, v);
            var bits = (v.AsInt64() & Vector256.Create(BitMath.DoubleFractionMask)) | Vector256.Create(BitMath.DoubleOneBits);
            return bits.AsDouble().As<double, T>();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> Round(Vec256<T> x) => typeof(T) == typeof(float)
        ? new(Vector256.Round(x._value.AsSingle()).As<float, T>())
        : new(Vector256.Round(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> ScaleByPowerOfTwo(Vec256<T> x, Vec256<T> n)
    {
        // Two factors 2^(n/2) built from their exponent bits, so that every n the callers pass stays in range.
        var halved = n._value * Vector256.Create(T.CreateTruncating(0.5));
        var half = typeof(T) == typeof(float)
            ? Vector256.Floor(halved.AsSingle()).As<float, T>()
            : Vector256.Floor(halved.AsDouble()).As<double, T>();
        return new(x._value * PowerOfTwo(half) * PowerOfTwo(n._value - half));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> ConditionalSelect(Vec256<T> mask, Vec256<T> whenSet, Vec256<T> whenClear) =>
        new(Vector256.ConditionalSelect(mask._value, whenSet._value, whenClear._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> ClampBelow(Vec256<T> x, Vec256<T> bound) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(x._value, bound._value), bound._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> Join(Vec256<T> first, Vec256<T> second, int split) => typeof(T) == typeof(float)
        ? new(Vector256.ConditionalSelect(Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(split)).As<int, T>(), first._value, second._value))
        : new(Vector256.ConditionalSelect(Vector256.LessThan(Vector256<long>.Indices, Vector256.Create((long)split)).As<long, T>(), first._value, second._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> LessThan(Vec256<T> x, Vec256<T> y) => new(Vector256.LessThan(x._value, y._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vec256<T> value) => Vector256.Sum(value._value);

    /// <summary>2^k for integral k in the normal exponent range, built from the bits: the magic constant puts k + bias in the low bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> PowerOfTwo(Vector256<T> k)
    {
        if (typeof(T) == typeof(float))
        {
            var biased = k.AsSingle() + Vector256.Create(127f + BitMath.SingleMagic);
            return Vector256.ShiftLeft(biased.AsInt32(), 23).AsSingle().As<float, T>();
        }
        else
        {
            var biased = k.AsDouble() + Vector256.Create(1023.0 + BitMath.DoubleMagic);
            return Vector256.ShiftLeft(biased.AsInt64(), 52).AsDouble().As<double, T>();
        }
    }
}
