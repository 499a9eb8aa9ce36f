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

    public static Scalar<T> Create(T value) => new(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Scalar<T> Load(ref readonly T source, nuint index) => new(Unsafe.Add(ref Unsafe.AsRef(in source), index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Scalar<T> value, ref T destination, nuint index) => Unsafe.Add(ref destination, index) = value._value;

    public static Scalar<T> operator +(Scalar<T> left, Scalar<T> right) => new(left._value + right._value);

    public static Scalar<T> operator -(Scalar<T> left, Scalar<T> right) => new(left._value - right._value);

    public static Scalar<T> operator *(Scalar<T> left, Scalar<T> right) => new(left._value * right._value);

    public static Scalar<T> operator /(Scalar<T> left, Scalar<T> right) => new(left._value / right._value);

    public static Scalar<T> Log(Scalar<T> x) => new(T.Log(x._value));

    public static Scalar<T> Exp(Scalar<T> x) => new(T.Exp(x._value));

    public static Scalar<T> ClampBelow(Scalar<T> x, Scalar<T> bound) => new(x._value < bound._value ? bound._value : x._value);

    public static Scalar<T> LessThan(Scalar<T> x, Scalar<T> y) => new(x._value < y._value ? T.AllBitsSet : T.Zero);

    public static Scalar<T> Or(Scalar<T> left, Scalar<T> right) => new(left._value | right._value);

    public static bool AnySet(Scalar<T> mask) => !T.IsZero(mask._value);

    public static T Sum(Scalar<T> value) => value._value;

    /// <summary>The element itself.</summary>
    public T Value => _value;
}
