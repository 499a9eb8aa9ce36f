using System;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>The span helpers the short-row paths fold gradients with: their sums, their order and their rounding.</summary>
public class SpanMathTests
{
    /// <summary>
    /// The division-free least common multiple of a row and a power-of-two vector width (the period of the short-row
    /// paths) against the definition: the smallest positive multiple of the row that the width divides.
    /// </summary>
    [Fact]
    public void LeastCommonMultiple_AnyRowAndPowerOfTwoWidth_IsTheSmallestCommonMultiple()
    {
        foreach (int width in new[] { 1, 2, 4, 8, 16 })
        {
            for (int columns = 1; columns <= 1100; columns++)
            {
                int expected = columns;
                while (expected % width != 0)
                {
                    expected += columns;
                }

                SpanMath.LeastCommonMultiple(columns, width).Should().Be(expected, $"columns {columns}, width {width}");
            }
        }
    }

    /// <summary>
    /// A buffer that does not move (pinned, as a stack buffer is), with the slack <c>CacheLineSlack</c> asks for, at each
    /// float offset within a cache line: the span <c>AlignToCacheLine</c> returns starts on a 64-byte boundary, has the
    /// length asked for, and lies inside the buffer.
    /// </summary>
    [Fact]
    public void AlignToCacheLine_BufferAtAnyOffset_StartsOnALineInsideIt()
    {
        const int Length = 100;
        int slack = SpanMath.CacheLineSlack<float>();
        var pinned = GC.AllocateArray<float>(Length + slack + 16, pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);
        for (int shift = 0; shift < 16; shift++)
        {
            var buffer = pinned.AsSpan(shift, Length + slack);
            var aligned = SpanMath.AlignToCacheLine(buffer, Length);
            long skipped = Unsafe.ByteOffset(ref buffer[0], ref aligned[0]);
            ((address + (shift * sizeof(float)) + skipped) % 64).Should().Be(0, $"shifted by {shift} floats");
            skipped.Should().BeInRange(0, slack * sizeof(float), $"shifted by {shift} floats");
            aligned.Length.Should().Be(Length);
        }
    }

    /// <summary>
    /// Grouped row sums, for row lengths from a Vector256 (4 doubles, 8 floats) to 40, 48, 49, 64, 65 and 100 (one to
    /// three whole Vector256s, each count compiled apart, and longer rows; whole vectors, and a masked last vector), over 27
    /// rows (the last group overlapping the one before): each within the bound of a sum of that many terms in T of the
    /// exact (double) row sum, each row of Vector256s to the bit the sum in the order the method documents (so every
    /// compiled count adds as the general loop does), and each row's bits the same wherever it sits.
    /// </summary>
    [Theory]
    [InlineData("float")]
    [InlineData("double")]
    public void SumRowsInGroups_AnyRowOfAVectorOrMore_SumsEachRowInAFixedOrder(string type)
    {
        if (type == "float")
        {
            GroupedRowSums<float>();
        }
        else
        {
            GroupedRowSums<double>();
        }
    }

    /// <summary>
    /// Grouped sums of rows narrower than a Vector256 (1 to 7 floats, 1 to 3 doubles), by permutations with AVX-512 and
    /// gathers with AVX2: each the in-order sum of its row in T, to the bit (so both ways agree), and within the bound
    /// of that many terms of the exact (double) row sum, for every group the method takes (all but the last partial
    /// group where AVX2 is there); the rows after the groups are left alone.
    /// </summary>
    [Theory]
    [InlineData("float")]
    [InlineData("double")]
    public void SumNarrowRows_EveryRowOfAGroup_IsItsSum(string type)
    {
        if (type == "float")
        {
            NarrowRowSums<float>();
        }
        else
        {
            NarrowRowSums<double>();
        }
    }

    /// <summary>
    /// Folding rows into the first row, for 1 to 20 and 100 columns and 1 to 70 rows (periods of whole vectors, rows
    /// after the last period, rows that are whole vectors): each column within the bound of a pairwise sum of that many
    /// terms in T of its exact (double) sum.
    /// </summary>
    [Theory]
    [InlineData("float")]
    [InlineData("double")]
    public void FoldRows_AnyShape_SumsEachColumn(string type)
    {
        if (type == "float")
        {
            FoldedColumns<float>();
        }
        else
        {
            FoldedColumns<double>();
        }
    }

    /// <summary>Rounding the double accumulators to float rounds each element as a cast does: ties, overflow, subnormals, NaN.</summary>
    [Fact]
    public void NarrowFromDouble_EveryElement_SameBitsAsACast()
    {
        var random = new Random(11);
        var values = new double[37];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-160, 140));
        }

        values[0] = 1 + Math.Pow(2, -24);                  // a tie: to even (1)
        values[1] = 1 + (3 * Math.Pow(2, -24));            // a tie: to even (1 + 2^-22)
        values[2] = 3.5e38;                                // beyond float: +∞
        values[3] = -1e-40;                                // a float subnormal
        values[4] = double.NaN;
        values[5] = -0.0;
        values[36] = 1 + Math.Pow(2, -24);                 // the same tie in the scalar tail

        var narrowed = new float[values.Length];
        SpanMath.NarrowFromDouble<float>(narrowed, values);
        for (int i = 0; i < values.Length; i++)
        {
            BitConverter.SingleToInt32Bits(narrowed[i]).Should().Be(BitConverter.SingleToInt32Bits((float)values[i]), $"element {i}, {values[i]:R}");
        }
    }

    /// <summary>Widening into the double accumulators adds each element exactly as the scalar addition does, tail included.</summary>
    [Fact]
    public void AddToDouble_EveryElement_SameBitsAsScalarAdditions()
    {
        var random = new Random(12);
        var source = new float[37];
        var destination = new double[source.Length];
        var expected = new double[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            source[i] = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 30)));
            destination[i] = (random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 30));
            expected[i] = destination[i] + source[i];
        }

        SpanMath.AddToDouble<float>(destination, source);
        destination.Should().Equal(expected);
    }

    private static void NarrowRowSums<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double roundoff = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        var random = new Random(15);
        var mismatches = new Mismatches();
        const int Rows = 53;
        for (int columns = 1; columns < System.Runtime.Intrinsics.Vector256<T>.Count; columns++)
        {
            var matrix = new T[Rows * columns];
            for (int i = 0; i < matrix.Length; i++)
            {
                matrix[i] = T.CreateTruncating((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 6)));
            }

            var sums = new T[Rows];
            var sentinel = T.CreateTruncating(-12345.5);
            sums.AsSpan().Fill(sentinel);
            int done = SpanMath.SumNarrowRows<T>(matrix, sums, columns);
            if (Avx2.IsSupported)
            {
                done.Should().BeGreaterThanOrEqualTo(Rows - 16, $"{columns} columns: every whole group");
            }

            (done % 4).Should().Be(0, "whole groups of rows");
            done.Should().BeLessThanOrEqualTo(Rows);
            for (int r = done; r < Rows; r++)
            {
                mismatches.Bits($"{columns} columns, row {r} past the groups (untouched)", sums[r], sentinel);
            }

            for (int r = 0; r < done; r++)
            {
                double exact = 0, magnitude = 0;
                var inOrder = T.Zero;
                for (int c = 0; c < columns; c++)
                {
                    var value = matrix[(r * columns) + c];
                    inOrder = c == 0 ? value : inOrder + value;
                    double x = double.CreateTruncating(value);
                    exact += x;
                    magnitude += Math.Abs(x);
                }

                // Both ways (permutations, gathers) add a row's elements in order, in T: the same bits.
                mismatches.Bits($"{columns} columns, row {r}: the in-order sum in T", sums[r], inOrder);
                mismatches.Close($"{columns} columns, row", r, double.CreateTruncating(sums[r]), exact, columns * roundoff * magnitude);
            }
        }

        mismatches.ThrowIfAny("SumNarrowRows");
    }

    private static void FoldedColumns<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double roundoff = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        var random = new Random(14);
        var mismatches = new Mismatches();
        foreach (int columns in new[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 100 })
        {
            foreach (int rows in new[] { 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 70, 1024 / columns })
            {
                var matrix = new T[rows * columns];
                var exact = new double[columns];
                var magnitude = new double[columns];
                for (int i = 0; i < matrix.Length; i++)
                {
                    matrix[i] = T.CreateTruncating((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 6)));
                    double x = double.CreateTruncating(matrix[i]);
                    exact[i % columns] += x;
                    magnitude[i % columns] += Math.Abs(x);
                }

                SpanMath.FoldRows<T>(matrix, rows, columns);
                double bound = 2 * Math.Ceiling(Math.Log2(rows) + 1) * roundoff;
                for (int c = 0; c < columns; c++)
                {
                    mismatches.Close($"{rows} rows of {columns}, column", c, double.CreateTruncating(matrix[c]), exact[c], bound * magnitude[c]);
                }
            }
        }

        mismatches.ThrowIfAny("FoldRows");
    }

    private static void GroupedRowSums<T>()
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double roundoff = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        var random = new Random(13);
        var mismatches = new Mismatches();
        // Not whole groups of 8: the last group overlaps the one before it.
        const int Rows = 27;
        int[] narrowest = typeof(T) == typeof(double) ? [4, 5, 6, 7] : [];
        foreach (int columns in narrowest.Concat([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 23, 24, 25, 31, 32, 33, 39, 40, 48, 49, 64, 65, 100]))
        {
            var matrix = new T[Rows * columns];
            for (int i = 0; i < matrix.Length; i++)
            {
                // Signs and twelve orders of magnitude, so that another order of additions would round differently.
                matrix[i] = T.CreateTruncating((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-6, 6)));
            }

            var sums = new T[Rows];
            int done = SpanMath.SumRowsInGroups<T>(matrix, sums, columns);
            done.Should().Be(Avx.IsSupported ? Rows : 0, $"{columns} columns: every group of 8 rows where AVX is there");
            for (int r = 0; r < done; r++)
            {
                double exact = 0, magnitude = 0;
                for (int c = 0; c < columns; c++)
                {
                    double x = double.CreateTruncating(matrix[(r * columns) + c]);
                    exact += x;
                    magnitude += Math.Abs(x);
                }

                mismatches.Close($"{columns} columns, row", r, double.CreateTruncating(sums[r]), exact, columns * roundoff * magnitude);
                if (!(Avx512F.IsSupported && columns >= 2 * Vector512<T>.Count))
                {
                    mismatches.Bits($"{columns} columns, row {r} against the documented order", sums[r], Vector256RowSum(matrix.AsSpan(r * columns, columns)));
                }
            }

            // The same rows, moved down by one group: each row's sum keeps its bits.
            var moved = new T[Rows * columns];
            Array.Copy(matrix, 0, moved, 8 * columns, (Rows - 8) * columns);
            Array.Copy(matrix, (Rows - 8) * columns, moved, 0, 8 * columns);
            var movedSums = new T[Rows];
            SpanMath.SumRowsInGroups<T>(moved, movedSums, columns);
            for (int r = 0; r < done; r++)
            {
                mismatches.Bits($"{columns} columns, row {r} moved a group down", movedSums[(r + 8) % Rows], sums[r]);
            }
        }

        mismatches.ThrowIfAny("SumRowsInGroups");
    }

    /// <summary>
    /// A row's sum in the order SumRowsInGroups adds a row of Vector256s (rows short of two Vector512s with AVX-512,
    /// every row without): lane j takes elements j, j + w, ... of the whole vectors (w the lanes of a Vector256) in
    /// order, then the vector that ends at the row's end with the lanes below the tail zeroed (+0 added there); then
    /// the horizontal adds, ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7)) for float, (x0 + x1) + (x2 + x3) for double.
    /// </summary>
    private static T Vector256RowSum<T>(ReadOnlySpan<T> row)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int w = Vector256<T>.Count;
        int whole = row.Length / w;
        int tail = row.Length % w;
        var x = new T[w];
        for (int j = 0; j < w; j++)
        {
            x[j] = row[j];
            for (int v = 1; v < whole; v++)
            {
                x[j] += row[(v * w) + j];
            }

            if (tail > 0)
            {
                x[j] += j >= w - tail ? row[row.Length - w + j] : T.Zero;
            }
        }

        return w == 8
            ? ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]))
            : (x[0] + x[1]) + (x[2] + x[3]);
    }
}
