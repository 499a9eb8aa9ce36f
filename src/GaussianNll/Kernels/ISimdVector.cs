using System;
using System.Numerics;

namespace GaussianNll.Kernels;

/// <summary>
/// The operations the loss kernel needs from a vector of <typeparamref name="T"/>, implemented once per width
/// (<see cref="Vec512{T}"/>, <see cref="Vec256{T}"/>, <see cref="Vec128{T}"/>) and once for a single element
/// (<see cref="Scalar{T}"/>), so that one generic loop serves every width and the scalar tail.
/// </summary>
/// <remarks>
/// The JIT specialises each generic instantiation over a struct, so these static calls compile to the bare
/// instructions. A mask is a vector whose lanes are all ones (true) or all zeros (false).
/// </remarks>
internal interface ISimdVector<TSelf, T>
    where TSelf : struct, ISimdVector<TSelf, T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The number of elements in one vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether this width runs on hardware instructions here (always true for the scalar type).</summary>
    static abstract bool IsHardwareAccelerated { get; }

    /// <summary>A vector with every lane set to <paramref name="value"/>.</summary>
    static abstract TSelf Create(T value);

    /// <summary>Loads <see cref="Count"/> elements from <c>source[index..]</c>, with no alignment needed.</summary>
    static abstract TSelf Load(ref readonly T source, nuint index);

    /// <summary>Stores the vector at <c>destination[index..]</c>.</summary>
    static abstract void Store(TSelf value, ref T destination, nuint index);

    static abstract TSelf operator +(TSelf left, TSelf right);

    static abstract TSelf operator -(TSelf left, TSelf right);

    static abstract TSelf operator *(TSelf left, TSelf right);

    /// <summary>
    /// <c>a·b + c</c>, fused where the hardware has FMA (one rounding), else multiplied then added: a software fused
    /// multiply-add would cost tens of cycles, and the functions built on this stay within their stated ulps either way.
    /// </summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary><c>c − a·b</c>, fused where the hardware has FMA (as <see cref="MultiplyAdd"/>).</summary>
    static abstract TSelf NegatedMultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary>
    /// IEEE division, correctly rounded. The kernel's divisions (1/v, and the logarithm's <c>f/(2 + f)</c> where it
    /// takes ln v per element) go to the divider, which on the Zen 4 this was tuned on holds the FMA units for about two
    /// cycles per 512-bit division (measured: 12 independent multiply-adds take 12 cycles, with one division 14); a
    /// reciprocal estimate refined by Newton steps would take three FMA-unit instructions (vrcp14 runs there too), and
    /// the FMA units are what limit the loop.
    /// </summary>
    static abstract TSelf operator /(TSelf left, TSelf right);

    /// <summary>
    /// Splits finite, normal <c>x &gt; 0</c> into <c>x = significand·2^exponent</c> with the exponent integral and the
    /// significand in [0.75, 1.5) for float, [√½, √2) for double (see <see cref="FastMath.SignificandLimit{T}"/>; a
    /// rounding may put a double a hair outside). Some widths also handle subnormals; callers
    /// must not rely on it.
    /// </summary>
    static abstract void Decompose(TSelf x, out TSelf exponent, out TSelf significand);

    /// <summary>
    /// Splits <c>x &gt; 0</c> into <c>x = significand·2^exponent</c> for a running product of significands, the
    /// cheapest way the width has: the significand in [0.75, 1.5) (Vector512, and float at every width) or [√½, √2),
    /// so near 1 for x near 1; the exponent integral for finite, normal x, +∞ for +∞ and NaN for NaN (the significand
    /// is then unspecified). Every width implements it, even where it is <see cref="Decompose"/> and
    /// <see cref="PassInfinityOrNaN"/>: the JIT does not inline a default implementation of a static virtual member,
    /// and the kernel's loop must make no calls.
    /// </summary>
    static abstract void Split(TSelf x, out TSelf exponent, out TSelf significand);

    /// <summary>
    /// <paramref name="x"/> where it is +∞ or NaN, else <paramref name="result"/>: the answer of a function whose
    /// computation is meaningless at those inputs but which maps them to themselves (the logarithm of x ≥ 0).
    /// </summary>
    static abstract TSelf PassInfinityOrNaN(TSelf result, TSelf x);

    /// <summary>
    /// Folds <paramref name="value"/> into a running minimum that ignores NaN: start from zero, and
    /// <see cref="HasNegative"/> then tells whether any value was below zero.
    /// </summary>
    static abstract TSelf TrackNegative(TSelf tracker, TSelf value);

    /// <summary>Whether a tracker built by <see cref="TrackNegative"/> saw a value below zero.</summary>
    static abstract bool HasNegative(TSelf tracker);

    /// <summary>Each lane rounded to the nearest integer, ties to even.</summary>
    static abstract TSelf Round(TSelf x);

    /// <summary>
    /// <c>x·2^n</c> for integral <c>n</c> with |n| ≤ 2·(the exponent range), over- and underflowing as a
    /// multiplication would (a portable width may flush results below the normal range to zero).
    /// </summary>
    static abstract TSelf ScaleByPowerOfTwo(TSelf x, TSelf n);

    /// <summary>Lane by lane, <paramref name="whenSet"/> where <paramref name="mask"/> is set, else <paramref name="whenClear"/>.</summary>
    static abstract TSelf ConditionalSelect(TSelf mask, TSelf whenSet, TSelf whenClear);

    /// <summary>
    /// <paramref name="first"/> in the lanes below <paramref name="split"/> and <paramref name="second"/> in the others:
    /// the values of two consecutive rows in a vector that starts in the first (<paramref name="split"/> ≥ 1).
    /// </summary>
    static abstract TSelf Join(TSelf first, TSelf second, int split);

    /// <summary><c>x &lt; bound ? bound : x</c> lane by lane: a lower clamp that keeps NaN, as PyTorch's clamp does.</summary>
    static abstract TSelf ClampBelow(TSelf x, TSelf bound);

    /// <summary>A mask of the lanes where <c>x &lt; y</c> (false where either is NaN).</summary>
    static abstract TSelf LessThan(TSelf x, TSelf y);

    /// <summary>The sum of the lanes, added in a fixed order.</summary>
    static abstract T Sum(TSelf value);

    /// <summary>
    /// Stores at <c>destination[index..]</c>, an address a multiple of the vector's size, the vector that straddles
    /// <paramref name="previous"/> and <paramref name="current"/>, two consecutive vectors of a stream, as
    /// <paramref name="indices"/> say (32-bit lane j of it is lane <c>indices[j]</c> of the two as one vector of twice the
    /// lanes: see <see cref="StreamCarry{T}"/>). With <paramref name="nonTemporal"/>, without first reading the cache
    /// line into the caches: a non-temporal store, not ordered with other stores, as other threads see them, until a
    /// store fence; else a plain aligned store. Only widths that stream have it; callers pass a constant, so the branch
    /// compiles away.
    /// </summary>
    static virtual void StoreStraddled(TSelf previous, TSelf current, TSelf indices, ref T destination, nuint index, bool nonTemporal) => throw new NotSupportedException();
}
