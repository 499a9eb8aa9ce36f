using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GaussianNll.Benchmarks;

/// <summary>
/// Memory-limit kernels: they move the same bytes as the loss (read input, target and variance; write two
/// gradients, or nothing for the forward pass) and do no math, so no implementation of the loss can beat the faster
/// of the two variants on the same arrays. The reports express the loss's speed as a fraction of that.
/// </summary>
public static class MemoryLimit
{
    /// <summary>
    /// The forward-backward traffic with 512-bit vectors, unrolled four times: writes μ − y and σ² to the two outputs
    /// and returns Σσ² so that nothing is dead.
    /// </summary>
    public static T Vector512Kernel<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> first, Span<T> second)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = input.Length;
        if (target.Length != n || variance.Length != n || first.Length != n || second.Length != n)
        {
            throw new ArgumentException("All spans must have the same length.", nameof(target));
        }

        ref T x = ref MemoryMarshal.GetReference(input);
        ref T y = ref MemoryMarshal.GetReference(target);
        ref T v = ref MemoryMarshal.GetReference(variance);
        ref T o1 = ref MemoryMarshal.GetReference(first);
        ref T o2 = ref MemoryMarshal.GetReference(second);
        int width = Vector512<T>.Count;
        var sum = Vector512<T>.Zero;
        nuint i = 0;
        for (; (int)i <= n - (4 * width); i += (nuint)(4 * width))
        {
            var v0 = Vector512.LoadUnsafe(ref v, i);
            var v1 = Vector512.LoadUnsafe(ref v, i + (nuint)width);
            var v2 = Vector512.LoadUnsafe(ref v, i + (nuint)(2 * width));
            var v3 = Vector512.LoadUnsafe(ref v, i + (nuint)(3 * width));
            (Vector512.LoadUnsafe(ref x, i) - Vector512.LoadUnsafe(ref y, i)).StoreUnsafe(ref o1, i);
            (Vector512.LoadUnsafe(ref x, i + (nuint)width) - Vector512.LoadUnsafe(ref y, i + (nuint)width)).StoreUnsafe(ref o1, i + (nuint)width);
            (Vector512.LoadUnsafe(ref x, i + (nuint)(2 * width)) - Vector512.LoadUnsafe(ref y, i + (nuint)(2 * width))).StoreUnsafe(ref o1, i + (nuint)(2 * width));
            (Vector512.LoadUnsafe(ref x, i + (nuint)(3 * width)) - Vector512.LoadUnsafe(ref y, i + (nuint)(3 * width))).StoreUnsafe(ref o1, i + (nuint)(3 * width));
            v0.StoreUnsafe(ref o2, i);
            v1.StoreUnsafe(ref o2, i + (nuint)width);
            v2.StoreUnsafe(ref o2, i + (nuint)(2 * width));
            v3.StoreUnsafe(ref o2, i + (nuint)(3 * width));
            sum += (v0 + v1) + (v2 + v3);
        }

        for (; (int)i <= n - width; i += (nuint)width)
        {
            var vi = Vector512.LoadUnsafe(ref v, i);
            (Vector512.LoadUnsafe(ref x, i) - Vector512.LoadUnsafe(ref y, i)).StoreUnsafe(ref o1, i);
            vi.StoreUnsafe(ref o2, i);
            sum += vi;
        }

        T total = Vector512.Sum(sum);
        for (; (int)i < n; i++)
        {
            T vi = Unsafe.Add(ref v, i);
            Unsafe.Add(ref o1, i) = Unsafe.Add(ref x, i) - Unsafe.Add(ref y, i);
            Unsafe.Add(ref o2, i) = vi;
            total += vi;
        }

        return total;
    }

    /// <summary>The forward-backward traffic with library copies: μ and y copied to the outputs, plus Σσ².</summary>
    public static T CopyKernel<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance, Span<T> first, Span<T> second)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        input.CopyTo(first);
        target.CopyTo(second);
        return TensorPrimitives.Sum(variance);
    }

    /// <summary>The forward traffic (three reads, no writes) with 512-bit vectors: returns Σ(μ + y + σ²).</summary>
    public static T ReadVector512Kernel<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = input.Length;
        if (target.Length != n || variance.Length != n)
        {
            throw new ArgumentException("All spans must have the same length.", nameof(target));
        }

        ref T x = ref MemoryMarshal.GetReference(input);
        ref T y = ref MemoryMarshal.GetReference(target);
        ref T v = ref MemoryMarshal.GetReference(variance);
        int width = Vector512<T>.Count;
        var sum0 = Vector512<T>.Zero;
        var sum1 = Vector512<T>.Zero;
        nuint i = 0;
        for (; (int)i <= n - (2 * width); i += (nuint)(2 * width))
        {
            nuint j = i + (nuint)width;
            sum0 += Vector512.LoadUnsafe(ref x, i) + Vector512.LoadUnsafe(ref y, i) + Vector512.LoadUnsafe(ref v, i);
            sum1 += Vector512.LoadUnsafe(ref x, j) + Vector512.LoadUnsafe(ref y, j) + Vector512.LoadUnsafe(ref v, j);
        }

        for (; (int)i <= n - width; i += (nuint)width)
        {
            sum0 += Vector512.LoadUnsafe(ref x, i) + Vector512.LoadUnsafe(ref y, i) + Vector512.LoadUnsafe(ref v, i);
        }

        T total = Vector512.Sum(sum0 + sum1);
        for (; (int)i < n; i++)
        {
            total += Unsafe.Add(ref x, i) + Unsafe.Add(ref y, i) + Unsafe.Add(ref v, i);
        }

        return total;
    }

    /// <summary>The forward traffic with library sums: Σμ + Σy + Σσ².</summary>
    public static T ReadSumKernel<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> target, ReadOnlySpan<T> variance)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        TensorPrimitives.Sum(input) + TensorPrimitives.Sum(target) + TensorPrimitives.Sum(variance);
}
