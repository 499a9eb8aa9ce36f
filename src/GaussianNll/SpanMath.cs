using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GaussianNll;

/// <summary>Small vectorized span helpers for folding per-element variance gradients onto their entries.</summary>
internal static class SpanMath
{
    /// <summary>The sum of <paramref name="values"/>, in <see cref="Vector{T}"/> lanes and then in double.</summary>
    public static double SumToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<T>.Count)
        {
            var lanes = Vector<T>.Zero;
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(values);
            foreach (var vector in vectors)
            {
                lanes += vector;
            }

            sum = double.CreateTruncating(Vector.Sum(lanes));
            i = vectors.Length * Vector<T>.Count;
        }

        for (; i < values.Length; i++)
        {
            sum += double.CreateTruncating(values[i]);
        }

        return sum;
    }

    /// <summary>Adds <paramref name="source"/> into <paramref name="destination"/>, element by element.</summary>
    public static void AddInPlace<T>(Span<T> destination, ReadOnlySpan<T> source)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var target = MemoryMarshal.Cast<T, Vector<T>>(destination);
            var addend = MemoryMarshal.Cast<T, Vector<T>>(source.Slice(0, destination.Length));
            for (int v = 0; v < target.Length; v++)
            {
                target[v] += addend[v];
            }

            i = target.Length * Vector<T>.Count;
        }

        for (; i < destination.Length; i++)
        {
            destination[i] += source[i];
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
