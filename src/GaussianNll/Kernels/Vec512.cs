using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GaussianNll.Kernels;

/// <summary><see cref="ISimdVector{TSelf, T}"/> over <see cref="Vector512{T}"/>.</summary>
internal readonly struct Vec512<T>(Vector512<T> value) : ISimdVector<Vec512<T>, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly Vector512<T> _value = value;

    public static int Count => Vector512<T>.Count;

    public static bool IsHardwareAccelerated => Vector512.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Create(T value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Load(ref readonly T source, nuint index) => new(Vector512.LoadUnsafe(in source, index));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vec512<T> value, ref T destination, nuint index) => value._value.StoreUnsafe(ref destination, index);

    public static Vec512<T> operator +(Vec512<T> left, Vec512<T> right) => new(left._value + right._value);

    public static Vec512<T> operator -(Vec512<T> left, Vec512<T> right) => new(left._value - right._value);

    public static Vec512<T> operator *(Vec512<T> left, Vec512<T> right) => new(left._value * right._value);

    public static Vec512<T> operator /(Vec512<T> left, Vec512<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Log(Vec512<T> x) => typeof(T) == typeof(float)
        ? new(Vector512.Log(x._value.AsSingle()).As<float, T>())
        : new(Vector512.Log(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> Exp(Vec512<T> x) => typeof(T) == typeof(float)
        ? new(Vector512.Exp(x._value.AsSingle()).As<float, T>())
        : new(Vector512.Exp(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> ClampBelow(Vec512<T> x, Vec512<T> bound) =>
        new(Vector512.ConditionalSelect(Vector512.LessThan(x._value, bound._value), bound._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec512<T> LessThan(Vec512<T> x, Vec512<T> y) => new(Vector512.LessThan(x._value, y._value));

    public static Vec512<T> Or(Vec512<T> left, Vec512<T> right) => new(left._value | right._value);

    public static bool AnySet(Vec512<T> mask) => mask._value.ExtractMostSignificantBits() != 0;

    public static T Sum(Vec512<T> value) => Vector512.Sum(value._value);
}
