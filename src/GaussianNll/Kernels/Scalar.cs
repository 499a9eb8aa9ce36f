using System.Numerics;
using System.Runtime.CompilerServices;

namespace GaussianNll.Kernels;

/// <summary>
/// <see cref="ISimdVector{TSelf, T}"/> over one element: the scalar path, used for tails shorter than a vector and
/// on hardware without SIMD. A mask is <see cref="IBinaryNumber{TSelf}.AllBitsSet"/> or zero.
/// </summary>
internal readonly struct Scalar<T>(T value) : ISimdVector<Scalar<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T _value = value;

    public static int Count => 1;

    public static bool IsHardwareAccelerated => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> Create(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> Load(ref readonly T source, nuint index) => new(Unsafe.Add(ref Unsafe.AsRef(in source), index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Scalar<T> value, ref T destination, nuint index) => Unsafe.Add(ref destination, index) = value._value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator +(Scalar<T> left, Scalar<T> right) => new(left._value + right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator -(Scalar<T> left, Scalar<T> right) => new(left._value - right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator *(Scalar<T> left, Scalar<T> right) => new(left._value * right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> operator /(Scalar<T> left, Scalar<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> MultiplyAdd(Scalar<T> a, Scalar<T> b, Scalar<T> c) => new(T.MultiplyAddEstimate(a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> NegatedMultiplyAdd(Scalar<T> a, Scalar<T> b, Scalar<T> c) => new(T.MultiplyAddEstimate(-a._value, b._value, c._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decompose(Scalar<T> x, out Scalar<T> exponent, out Scalar<T> significand)
    {
        int k = T.ILogB(x._value);
        var m = T.ScaleB(x._value, -k);
        if (m >= FastMath.SignificandLimit<T>())
        {
            m = T.ScaleB(m, -1);
            k++;
        }

        exponent = new(T.CreateTruncating(k));
        significand = new(m);
    }

    /// <remarks>Unused by the kernel, which multiplies significands only in vectors; here for the interface's sake.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Split(Scalar<T> x, out Scalar<T> exponent, out Scalar<T> significand)
    {
        Decompose(x, out var k, out significand);
        exponent = PassInfinityOrNaN(k, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> PassInfinityOrNaN(Scalar<T> result, Scalar<T> x) => x._value < T.PositiveInfinity ? result : x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> TrackNegative(Scalar<T> tracker, Scalar<T> value) => value._value < tracker._value ? value : tracker;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasNegative(Scalar<T> tracker) => tracker._value < T.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> Round(Scalar<T> x) => new(T.Round(x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> ScaleByPowerOfTwo(Scalar<T> x, Scalar<T> n) => new(T.ScaleB(x._value, int.CreateTruncating(n._value)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> ConditionalSelect(Scalar<T> mask, Scalar<T> whenSet, Scalar<T> whenClear) =>
        T.IsZero(mask._value) ? whenClear : whenSet;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> ClampBelow(Scalar<T> x, Scalar<T> bound) => new(x._value < bound._value ? bound._value : x._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> Join(Scalar<T> first, Scalar<T> second, int split) => split > 0 ? first : second;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> LessThan(Scalar<T> x, Scalar<T> y) => new(x._value < y._value ? T.AllBitsSet : T.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Scalar<T> value) => value._value;
}
