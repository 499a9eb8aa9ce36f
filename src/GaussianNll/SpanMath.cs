using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GaussianNll;

/// <summary>Small vectorized span helpers for folding per-element variance gradients onto their entries.</summary>
internal static class SpanMath
{
    /// <summary>The sum of <paramref name="values"/>, in <see cref="Vector{T}"/> lanes and then in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T start = ref MemoryMarshal.GetReference(values);
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
        {
            var lanes = Vector<T>.Zero;
            for (; i <= values.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                lanes += Vector.LoadUnsafe(ref start, (nuint)i);
            }

            sum = double.CreateTruncating(Vector.Sum(lanes));
        }

        for (; i < values.Length; i++)
        {
            sum += double.CreateTruncating(Unsafe.Add(ref start, i));
        }

        return sum;
    }

    /// <summary>Adds <paramref name="source"/> into <paramref name="destination"/>, element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddInPlace<T>(Span<T> destination, ReadOnlySpan<T> source)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        source = source.Slice(0, destination.Length);
        ref T target = ref MemoryMarshal.GetReference(destination);
        ref T addend = ref MemoryMarshal.GetReference(source);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= destination.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                (Vector.LoadUnsafe(ref target, (nuint)i) + Vector.LoadUnsafe(ref addend, (nuint)i)).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i < destination.Length; i++)
        {
            Unsafe.Add(ref target, i) += Unsafe.Add(ref addend, i);
        }
    }

    /// <summary>Adds each of <paramref name="source"/>, as a double, into the same element of <paramref name="destination"/>.</summary>
    public static void AddToDouble<T>(Span<double> destination, ReadOnlySpan<T> source)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        destination = destination.Slice(0, source.Length);
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] += double.CreateTruncating(source[i]);
        }
    }

    /// <summary>Writes <paramref name="value"/> into every element of <paramref name="destination"/>.</summary>
    /// <remarks><see cref="Span{T}.Fill"/> is a call; the short rows this fills cost less than the call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill<T>(Span<T> destination, T value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T target = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<T>.Count)
        {
            var values = new Vector<T>(value);
            for (; i < destination.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                values.StoreUnsafe(ref target, (nuint)i);
            }

            // The last vector ends at the end, overlapping the one before it.
            values.StoreUnsafe(ref target, (nuint)(destination.Length - Vector<T>.Count));
            return;
        }

        for (; i < destination.Length; i++)
        {
            Unsafe.Add(ref target, i) = value;
        }
    }

    /// <summary>
    /// Sums the <paramref name="rows"/> rows of <paramref name="columns"/> elements in <paramref name="matrix"/>
    /// pairwise into its first row, so each column's rounding error grows with log2(rows), not with rows.
    /// </summary>
    public static void FoldRowsPairwise<T>(Span<T> matrix, int rows, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int stride = 1; stride < rows; stride *= 2)
        {
            for (int row = 0; row + stride < rows; row += 2 * stride)
            {
                AddInPlace(matrix.Slice(row * columns, columns), matrix.Slice((row + stride) * columns, columns));
            }
        }
    }
}
