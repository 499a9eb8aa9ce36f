using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GaussianNll.Kernels;

/// <summary><see cref="ISimdVector{TSelf, T}"/> over <see cref="Vector128{T}"/>.</summary>
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

    public static Vec128<T> operator +(Vec128<T> left, Vec128<T> right) => new(left._value + right._value);

    public static Vec128<T> operator -(Vec128<T> left, Vec128<T> right) => new(left._value - right._value);

    public static Vec128<T> operator *(Vec128<T> left, Vec128<T> right) => new(left._value * right._value);

    public static Vec128<T> operator /(Vec128<T> left, Vec128<T> right) => new(left._value / right._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> Log(Vec128<T> x) => typeof(T) == typeof(float)
        ? new(Vector128.Log(x._value.AsSingle()).As<float, T>())
        : new(Vector128.Log(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> Exp(Vec128<T> x) => typeof(T) == typeof(float)
        ? new(Vector128.Exp(x._value.AsSingle()).As<float, T>())
        : new(Vector128.Exp(x._value.AsDouble()).As<double, T>());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> ClampBelow(Vec128<T> x, Vec128<T> bound) =>
        new(Vector128.ConditionalSelect(Vector128.LessThan(x._value, bound._value), bound._value, x._value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vec128<T> LessThan(Vec128<T> x, Vec128<T> y) => new(Vector128.LessThan(x._value, y._value));

    public static Vec128<T> Or(Vec128<T> left, Vec128<T> right) => new(left._value | right._value);

    public static bool AnySet(Vec128<T> mask) => mask._value.ExtractMostSignificantBits() != 0;

    public static T Sum(Vec128<T> value) => Vector128.Sum(value._value);
}
