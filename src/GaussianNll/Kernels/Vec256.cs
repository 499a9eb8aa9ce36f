using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GaussianNll.Kernels;

/// <summary><see cref="ISimdVector{TSelf, T}"/> over <see cref="Vector256{T}"/>.</summary>
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

    public static Vec256<T> operator +(Vec256<T> left, Vec256<T> right) => new(left._value + right._value);

    public static Vec256<T> operator -(Vec256<T> left, Vec256<T> right) => new(left._value - right._value);

    public static Vec256<T> operator *(Vec256<T> left, Vec256<T> right) => new(left._value * right._value);

    public static Vec256<T> operator /(Vec256<T> left, Vec256<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> Log(Vec256<T> x) => typeof(T) == typeof(float)
        ? new(Vector256.Log(x._value.AsSingle()).As<float, T>())
        : new(Vector256.Log(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> Exp(Vec256<T> x) => typeof(T) == typeof(float)
        ? new(Vector256.Exp(x._value.AsSingle()).As<float, T>())
        : new(Vector256.Exp(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> ClampBelow(Vec256<T> x, Vec256<T> bound) =>
        new(Vector256.ConditionalSelect(Vector256.LessThan(x._value, bound._value), bound._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec256<T> LessThan(Vec256<T> x, Vec256<T> y) => new(Vector256.LessThan(x._value, y._value));

    public static Vec256<T> Or(Vec256<T> left, Vec256<T> right) => new(left._value | right._value);

    public static bool AnySet(Vec256<T> mask) => mask._value.ExtractMostSignificantBits() != 0;

    public static T Sum(Vec256<T> value) => Vector256.Sum(value._value);
}
