using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GaussianNll.Kernels;

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

    /// <summary>
    /// Writes the sums of the rows of <paramref name="matrix"/> into <paramref name="sums"/>, for rows at least a
    /// <see cref="Vector256{T}"/> long, in groups of <see cref="Vector256{T}.Count"/> rows; returns how many rows it
    /// did: all of them, or none where there are fewer than a group (or no AVX), which the caller sums. Each row's
    /// vectors are added in T (see <see cref="RowVector{T, TVectors, TTail}"/>: 512 bits wide with AVX-512 and rows of two such vectors or
    /// more; a partial last vector as the vector ending at the row's end with the lanes before the tail cleared), then
    /// the rows of a group are reduced together by horizontal adds, a few instructions for the whole group where a
    /// horizontal sum per row would cost as many per row. Every row gets the same order of additions wherever it sits.
    /// </summary>
    public static int SumRowsInGroups<T>(ReadOnlySpan<T> matrix, Span<T> sums, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!Avx.IsSupported || (typeof(T) != typeof(float) && typeof(T) != typeof(double)) || columns < Vector256<T>.Count)
        {
            return 0;
        }

        int group = Vector256<T>.Count;

        // The lanes of the vector that ends at the row's end which hold the tail, columns mod the width of them (none
        // when the row is whole vectors): with AVX-512 and rows at least a Vector512 long, of a Vector512.
        bool wide = Avx512F.IsSupported && columns >= 2 * Vector512<T>.Count;
        int width = wide ? Vector512<T>.Count : group;
        int tail = columns % width;
        var tailMask = typeof(T) == typeof(float)
            ? Vector512.GreaterThanOrEqual(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(width - tail)).As<int, T>()
            : Vector512.GreaterThanOrEqual(Vector512.Create(0L, 1, 2, 3, 4, 5, 6, 7), Vector512.Create((long)(width - tail))).As<long, T>();

        ref T start = ref MemoryMarshal.GetReference(matrix);
        ref T destination = ref MemoryMarshal.GetReference(sums);
        int rows = sums.Length;
        if (rows < group)
        {
            return 0;
        }

        // Rows of 8 to 31 floats (4 to 15 doubles) hold one to three whole Vector256s, and are never wide: a loop
        // compiled for each count has no branches between a group's rows, whose loads and additions then overlap (per row
        // of 17 floats at 1,024 elements, harness medians: 359 -> 336 ns for the call). Every other row (wide, or longer
        // without AVX-512) takes the general loop. Compiling in whether the rows end in a partial vector, and stepping
        // from row to row by an addition rather than a multiplication (RowCursor), took the loop from about 11 to 7
        // instructions per row: 120 rows of 17 floats, 88-90 ns against 102-105 ns alone (min and median of 15 rounds).
        bool partial = tail != 0;
        return (wide ? 0 : columns / group) switch
        {
            1 when partial => SumGroups<T, OneVector, Yes>(ref start, ref destination, rows, columns, tailMask, wide: false),
            1 => SumGroups<T, OneVector, No>(ref start, ref destination, rows, columns, tailMask, wide: false),
            2 when partial => SumGroups<T, TwoVectors, Yes>(ref start, ref destination, rows, columns, tailMask, wide: false),
            2 => SumGroups<T, TwoVectors, No>(ref start, ref destination, rows, columns, tailMask, wide: false),
            3 when partial => SumGroups<T, ThreeVectors, Yes>(ref start, ref destination, rows, columns, tailMask, wide: false),
            3 => SumGroups<T, ThreeVectors, No>(ref start, ref destination, rows, columns, tailMask, wide: false),
            _ => SumGroups<T, AnyVectors, No>(ref start, ref destination, rows, columns, tailMask, wide),
        };
    }

    /// <summary>
    /// <see cref="SumRowsInGroups{T}"/>'s loop over groups of rows, compiled for rows of exactly one, two or three whole
    /// Vector256s, or (<see cref="AnyVectors"/>) for any other row.
    /// </summary>
    private static int SumGroups<T, TVectors, TTail>(ref T start, ref T destination, int rows, int columns, Vector512<T> tailMask, bool wide)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVectors : struct, IRowVectors
        where TTail : struct, IFlag
    {
        int group = Vector256<T>.Count;
        var row = new RowCursor<T>(columns, tailMask);
        for (int r = 0; ; r += group)
        {
            // The last group ends at the last row, overlapping the one before it where the rows are not whole groups: it
            // writes the rows they share again, with the same bits, as each row's sum depends on that row alone.
            r = Math.Min(r, rows - group);
            row.Offset = (nuint)r * (nuint)columns;
            Vector256<T> result;
            if (typeof(T) == typeof(float))
            {
                // Pairs, then quadruples of each row's lanes; then the two 128-bit halves. Each RowVector call reads the
                // cursor's next row, and C# evaluates operands left to right: their order here is which row lands in
                // which lane.
                var q0 = Avx.HorizontalAdd(
                    Avx.HorizontalAdd(RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle(), RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle()),
                    Avx.HorizontalAdd(RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle(), RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle()));
                var q1 = Avx.HorizontalAdd(
                    Avx.HorizontalAdd(RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle(), RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle()),
                    Avx.HorizontalAdd(RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle(), RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsSingle()));
                result = (Avx.Permute2x128(q0, q1, 0x20) + Avx.Permute2x128(q0, q1, 0x31)).As<float, T>();
            }
            else
            {
                var h0 = Avx.HorizontalAdd(RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsDouble(), RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsDouble());
                var h1 = Avx.HorizontalAdd(RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsDouble(), RowVector<T, TVectors, TTail>(ref start, ref row, wide).AsDouble());
                result = (Avx.Permute2x128(h0, h1, 0x20) + Avx.Permute2x128(h0, h1, 0x31)).As<double, T>();
            }

            result.StoreUnsafe(ref destination, (nuint)r);
            if (r == rows - group)
            {
                return rows;
            }
        }
    }

    /// <summary>
    /// Writes the sums of the rows of <paramref name="matrix"/> into <paramref name="sums"/>, for rows narrower than a
    /// <see cref="Vector256{T}"/>; returns how many rows it did (a whole number of groups: the caller sums the rest). A
    /// group of rows is summed column by column in T, where a row at a time would add a few elements with a dependent
    /// chain per row: with AVX-512, a group of 16 rows of float (8 of double) is <c>columns</c> vectors, and column c
    /// of every row is put in place by <c>columns − 1</c> two-table permutations; with AVX2, gathered (slower on Zen 4:
    /// per row of 3 floats at 16,384 elements, harness, 17.2 µs with rows one at a time, 15.3 with gathers, 10.9 with
    /// permutations and prepared 1/v).
    /// </summary>
    public static int SumNarrowRows<T>(ReadOnlySpan<T> matrix, Span<T> sums, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && columns > 1 && columns < Vector256<T>.Count)
        {
            return SumNarrowRowsByPermutation(matrix, sums, columns);
        }

        return SumNarrowRowsByGather(matrix, sums, columns);
    }

    /// <summary>
    /// <see cref="SumNarrowRows{T}"/> with AVX-512: for each column c, the lanes r = 0..n−1 of the group's sum take element
    /// <c>r·columns + c</c>, which lies in the group's vector <c>(r·columns + c)/n</c>; a first permutation takes the lanes
    /// of vectors 0 and 1, each further one keeps the lanes placed so far and takes those of the next vector.
    /// </summary>
    private static int SumNarrowRowsByPermutation<T>(ReadOnlySpan<T> matrix, Span<T> sums, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int group = Vector512<T>.Count;
        int rows = sums.Length / group * group;
        Debug.Assert(matrix.Length >= rows * columns, "Every row of the groups.");

        // The permutations' indices, vector c·columns + q (q ≥ 1) putting column c's lanes from the group's vector q in
        // place and keeping the others; built here a vector at a time, a few instructions per permutation, on the stack.
        // For float a lane's bits 0-3 pick the element and bit 4 the table (the second operand, vector q); for double
        // bits 0-2 and bit 3.
        Span<int> indices32 = stackalloc int[typeof(T) == typeof(float) ? columns * columns * 16 : 0];
        Span<long> indices64 = stackalloc long[typeof(T) == typeof(double) ? columns * columns * 8 : 0];
        for (int c = 0; c < columns; c++)
        {
            for (int q = 1; q < columns; q++)
            {
                int table = (c * columns) + q;
                if (typeof(T) == typeof(float))
                {
                    var lane = Vector512.CreateSequence(0, 1);
                    var position = (lane * columns) + Vector512.Create(c);
                    var source = position >>> 4;
                    var element = position & Vector512.Create(15);
                    var keep = q == 1 ? Vector512.ConditionalSelect(Vector512.Equals(source, Vector512<int>.Zero), element, lane) : lane;
                    Vector512.ConditionalSelect(Vector512.Equals(source, Vector512.Create(q)), element | Vector512.Create(16), keep)
                        .StoreUnsafe(ref MemoryMarshal.GetReference(indices32), (nuint)(table * 16));
                }
                else
                {
                    var lane = Vector512.CreateSequence(0L, 1L);
                    var position = (lane * columns) + Vector512.Create((long)c);
                    var source = position >>> 3;
                    var element = position & Vector512.Create(7L);
                    var keep = q == 1 ? Vector512.ConditionalSelect(Vector512.Equals(source, Vector512<long>.Zero), element, lane) : lane;
                    Vector512.ConditionalSelect(Vector512.Equals(source, Vector512.Create((long)q)), element | Vector512.Create(8L), keep)
                        .StoreUnsafe(ref MemoryMarshal.GetReference(indices64), (nuint)(table * 8));
                }
            }
        }

        ref T start = ref MemoryMarshal.GetReference(matrix);
        ref T destination = ref MemoryMarshal.GetReference(sums);
        for (int r = 0; r < rows; r += group)
        {
            nuint at = (nuint)(r * columns);
            var sum = Vector512<T>.Zero;
            for (int c = 0; c < columns; c++)
            {
                var lanes = Vector512.LoadUnsafe(ref start, at);
                for (int q = 1; q < columns; q++)
                {
                    var next = Vector512.LoadUnsafe(ref start, at + (nuint)(q * group));
                    int table = (c * columns) + q;
                    lanes = typeof(T) == typeof(float)
                        ? Avx512F.PermuteVar16x32x2(lanes.AsSingle(), Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(indices32), (nuint)(table * 16)), next.AsSingle()).As<float, T>()
                        : Avx512F.PermuteVar8x64x2(lanes.AsDouble(), Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(indices64), (nuint)(table * 8)), next.AsDouble()).As<double, T>();
                }

                sum = c == 0 ? lanes : sum + lanes;
            }

            sum.StoreUnsafe(ref destination, (nuint)r);
        }

        return rows;
    }

    /// <summary><see cref="SumNarrowRows{T}"/> with AVX2: column c of a group of rows is one gather.</summary>
    private static unsafe int SumNarrowRowsByGather<T>(ReadOnlySpan<T> matrix, Span<T> sums, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!Avx2.IsSupported || (typeof(T) != typeof(float) && typeof(T) != typeof(double)) || columns >= Vector256<T>.Count)
        {
            return 0;
        }

        int group = Vector256<T>.Count;
        int rows = sums.Length / group * group;
        Debug.Assert(matrix.Length >= rows * columns, "Every row of the groups.");
        ref T destination = ref MemoryMarshal.GetReference(sums);
        fixed (T* start = matrix)
        {
            for (int r = 0; r < rows; r += group)
            {
                T* row = start + (r * columns);
                Vector256<T> sum;
                if (typeof(T) == typeof(float))
                {
                    var offsets = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * columns;
                    var lanes = Avx2.GatherVector256((float*)row, offsets, sizeof(float));
                    for (int c = 1; c < columns; c++)
                    {
                        lanes += Avx2.GatherVector256((float*)row + c, offsets, sizeof(float));
                    }

                    sum = lanes.As<float, T>();
                }
                else
                {
                    var offsets = Vector128.Create(0, 1, 2, 3) * columns;
                    var lanes = Avx2.GatherVector256((double*)row, offsets, sizeof(double));
                    for (int c = 1; c < columns; c++)
                    {
                        lanes += Avx2.GatherVector256((double*)row + c, offsets, sizeof(double));
                    }

                    sum = lanes.As<double, T>();
                }

                sum.StoreUnsafe(ref destination, (nuint)r);
            }
        }

        return rows;
    }

    /// <summary>
    /// Spreads the first <paramref name="rows"/> elements of <paramref name="tile"/> out to rows of
    /// <paramref name="columns"/>, fewer than a <see cref="Vector512{T}"/> holds (element r to [r·columns,
    /// (r + 1)·columns)), a vector at a time: each output vector is one permutation of the vector of entries it draws
    /// from. Returns false, doing nothing, where AVX-512 is not there (or the rows are a vector wide or wider).
    /// </summary>
    /// <remarks>
    /// In place, last vector first: the partial vector at the end element by element, then whole vectors down to the
    /// start. Output vector p draws on entries up to (p + width − 1)/columns, which lie below the vectors written
    /// before it; the vector it loads from there may reach into them, but only in lanes the permutation leaves out.
    /// </remarks>
    public static bool SpreadNarrowRows<T>(Span<T> tile, int rows, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!SpreadsNarrowRows<T>(columns))
        {
            return false;
        }

        int width = Vector512<T>.Count;

        int length = rows * columns;
        Debug.Assert(tile.Length >= length, "Room for every row.");
        int whole = length / width * width;
        for (int i = length - 1; i >= whole; i--)
        {
            tile[i] = tile[i / columns];
        }

        // The lanes of output vector p take entries p/columns + (phase + lane)/columns, phase = p mod columns: one
        // permutation per phase (lane indices as int for float, long for double, what vpermps and vpermpd read),
        // counted out lane by lane rather than divided.
        Span<int> lanes32 = stackalloc int[16 * 16];
        Span<long> lanes64 = stackalloc long[16 * 8];
        for (int phase = 0; phase < columns; phase++)
        {
            int entry = 0;
            int column = phase;
            for (int lane = 0; lane < width; lane++)
            {
                if (typeof(T) == typeof(float))
                {
                    lanes32[(phase * 16) + lane] = entry;
                }
                else
                {
                    lanes64[(phase * 8) + lane] = entry;
                }

                if (++column == columns)
                {
                    column = 0;
                    entry++;
                }
            }
        }

        ref T start = ref MemoryMarshal.GetReference(tile);
        for (int p = whole - width; p >= 0; p -= width)
        {
            int entry = p / columns;
            int phase = p - (entry * columns);
            var source = Vector512.LoadUnsafe(ref start, (nuint)entry);
            var spread = typeof(T) == typeof(float)
                ? Avx512F.PermuteVar16x32(source.AsSingle(), Vector512.Create<int>(lanes32.Slice(phase * 16, 16))).As<float, T>()
                : Avx512F.PermuteVar8x64(source.AsDouble(), Vector512.Create<long>(lanes64.Slice(phase * 8, 8))).As<double, T>();
            spread.StoreUnsafe(ref start, (nuint)p);
        }

        return true;
    }

    /// <summary>Whether <see cref="SpreadNarrowRows{T}"/> spreads rows of <paramref name="columns"/> (with AVX-512, 2 to a vector's length less one).</summary>
    public static bool SpreadsNarrowRows<T>(int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && columns >= 2 && columns < Vector512<T>.Count;

    /// <summary>
    /// The row at <paramref name="row"/>'s offset in the lanes of a <see cref="Vector256{T}"/>, moving the cursor on to the
    /// next row: the row's whole vectors added in order, then its tail, the vector ending at the row's end with only the
    /// lanes of the cursor's tail mask kept. Where <paramref name="wide"/> (rows of two Vector512s or more, with AVX-512),
    /// the vectors are 512 bits wide and added in two interleaved sums, even and odd vectors, so that a long row is not one
    /// chain of dependent additions; then the two halves are added.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <typeparam name="TVectors">
    /// The row's count of whole Vector256s where it is compiled in (one to three, never wide): the same additions as the
    /// general loop, without its branches; <see cref="AnyVectors"/> for the general loop.
    /// </typeparam>
    /// <typeparam name="TTail">Where the count is compiled in, whether the row ends in a partial vector (the general loop tests it).</typeparam>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> RowVector<T, TVectors, TTail>(ref T start, ref RowCursor<T> row, bool wide)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVectors : struct, IRowVectors
        where TTail : struct, IFlag
    {
        nuint offset = row.Offset;
        row.Offset += row.Columns;
        int columns = (int)row.Columns;
        int count = TVectors.Count;
        if (count > 0)
        {
            // The same additions as the loop below, in the same order.
            Debug.Assert(!wide && columns / Vector256<T>.Count == count, "Rows of this many whole Vector256s.");
            Debug.Assert(TTail.IsSet == (count * Vector256<T>.Count < columns), "A tail exactly where the row has one.");
            var whole = Vector256.LoadUnsafe(ref start, offset);
            if (count >= 2)
            {
                whole += Vector256.LoadUnsafe(ref start, offset + (nuint)Vector256<T>.Count);
            }

            if (count >= 3)
            {
                whole += Vector256.LoadUnsafe(ref start, offset + (nuint)(2 * Vector256<T>.Count));
            }

            if (TTail.IsSet)
            {
                whole += Vector256.LoadUnsafe(ref start, offset + row.TailOffset) & row.TailMask;
            }

            return whole;
        }

        if (wide)
        {
            int width = Vector512<T>.Count;
            var even = Vector512.LoadUnsafe(ref start, offset);
            var odd = Vector512<T>.Zero;
            int c = width;
            for (; c <= columns - (2 * width); c += 2 * width)
            {
                odd += Vector512.LoadUnsafe(ref start, offset + (nuint)c);
                even += Vector512.LoadUnsafe(ref start, offset + (nuint)(c + width));
            }

            if (c <= columns - width)
            {
                odd += Vector512.LoadUnsafe(ref start, offset + (nuint)c);
                c += width;
            }

            if (c < columns)
            {
                odd += Vector512.LoadUnsafe(ref start, offset + (nuint)(columns - width)) & row.WideTailMask;
            }

            var sum = even + odd;
            return sum.GetLower() + sum.GetUpper();
        }

        var lanes = Vector256.LoadUnsafe(ref start, offset);
        int k = Vector256<T>.Count;
        for (; k <= columns - Vector256<T>.Count; k += Vector256<T>.Count)
        {
            lanes += Vector256.LoadUnsafe(ref start, offset + (nuint)k);
        }

        if (k < columns)
        {
            lanes += Vector256.LoadUnsafe(ref start, offset + row.TailOffset) & row.TailMask;
        }

        return lanes;
    }

    /// <summary>
    /// Where <see cref="RowVector{T, TVectors, TTail}"/> reads the next row, and what it needs of the row's length, worked
    /// out once per call rather than per row.
    /// </summary>
    private struct RowCursor<T>(int columns, Vector512<T> tailMask)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        /// <summary>The next row's first element.</summary>
        public nuint Offset;

        /// <summary>The row's length.</summary>
        public readonly nuint Columns = (nuint)columns;

        /// <summary>Where, from a row's start, the Vector256 that ends at the row's end starts.</summary>
        public readonly nuint TailOffset = (nuint)(columns - Vector256<T>.Count);

        /// <summary>The lanes of that vector that hold the tail.</summary>
        public readonly Vector256<T> TailMask = tailMask.GetLower();

        /// <summary>The lanes of the Vector512 that ends at the row's end that hold the tail, for wide rows.</summary>
        public readonly Vector512<T> WideTailMask = tailMask;
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
        ref double target = ref MemoryMarshal.GetReference(destination);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            if (typeof(T) == typeof(float))
            {
                // Each vector of floats widens exactly into two of doubles.
                ref float addend = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(source));
                for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
                {
                    Vector.Widen(Vector.LoadUnsafe(ref addend, (nuint)i), out var low, out var high);
                    (Vector.LoadUnsafe(ref target, (nuint)i) + low).StoreUnsafe(ref target, (nuint)i);
                    (Vector.LoadUnsafe(ref target, (nuint)(i + Vector<double>.Count)) + high).StoreUnsafe(ref target, (nuint)(i + Vector<double>.Count));
                }
            }
            else if (typeof(T) == typeof(double))
            {
                AddInPlace(destination, MemoryMarshal.Cast<T, double>(source));
                return;
            }
        }

        for (; i < source.Length; i++)
        {
            Unsafe.Add(ref target, i) += double.CreateTruncating(source[i]);
        }
    }

    /// <summary>Writes each of <paramref name="source"/>, rounded to T, into the same element of <paramref name="destination"/>.</summary>
    public static void NarrowFromDouble<T>(Span<T> destination, ReadOnlySpan<double> source)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        source = source.Slice(0, destination.Length);
        if (typeof(T) == typeof(double))
        {
            source.CopyTo(MemoryMarshal.Cast<T, double>(destination));
            return;
        }

        ref double value = ref MemoryMarshal.GetReference(source);
        int i = 0;
        if (Vector.IsHardwareAccelerated && typeof(T) == typeof(float))
        {
            // Two vectors of doubles narrow into one of floats, each element rounded to nearest as a conversion would.
            ref float target = ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(destination));
            for (; i <= destination.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Narrow(Vector.LoadUnsafe(ref value, (nuint)i), Vector.LoadUnsafe(ref value, (nuint)(i + Vector<double>.Count))).StoreUnsafe(ref target, (nuint)i);
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] = T.CreateTruncating(Unsafe.Add(ref value, i));
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
    /// Sums the <paramref name="rows"/> rows of <paramref name="columns"/> elements in <paramref name="matrix"/> into its
    /// first row, pairwise, so each column's rounding error grows with the logarithm of the rows, not with the rows.
    /// </summary>
    /// <remarks>
    /// Rows that are not whole vectors would be added a few elements at a time (rows of 3: one element per addition).
    /// So where two or more periods fit, each of <c>p</c> elements, the least common multiple of the row and
    /// <see cref="Vector{T}"/>'s length, the periods are folded pairwise first, whole vectors at a time, into the first
    /// period; the rows after the last whole period are added into their places in it; then its <c>p</c>/columns rows are
    /// folded pairwise. Harness, ForwardBackward float per column of 3 at 16,384 elements: 15.1 -> 4.9 µs.
    /// </remarks>
    public static void FoldRows<T>(Span<T> matrix, int rows, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int width = Vector<T>.Count;
        int period = LeastCommonMultiple(columns, width);
        int rowsPerPeriod = period / columns;
        int periods = rows / rowsPerPeriod;
        if (Vector.IsHardwareAccelerated && rowsPerPeriod > 1 && periods > 1)
        {
            FoldRowsPairwise(matrix, periods, period);
            for (int row = periods * rowsPerPeriod; row < rows; row++)
            {
                AddInPlace(matrix.Slice(row % rowsPerPeriod * columns, columns), matrix.Slice(row * columns, columns));
            }

            rows = rowsPerPeriod;
        }

        FoldRowsPairwise(matrix, rows, columns);
    }

    /// <summary>The elements a stack buffer needs beyond its length for <see cref="AlignToCacheLine{T}"/>: 64 bytes' worth.</summary>
    internal static int CacheLineSlack<T>()
        where T : unmanaged => 64 / Unsafe.SizeOf<T>();

    /// <summary>
    /// The <paramref name="length"/> elements of <paramref name="buffer"/> (a stack buffer, which does not move, with
    /// <see cref="CacheLineSlack{T}"/> elements to spare) from its first 64-byte boundary on. stackalloc aligns to 16
    /// bytes only, so where a buffer starts within a cache line depends on the stack, which differs from process to
    /// process; a 512-bit access 16 or 48 bytes past a boundary splits one of its 256-bit halves across two lines.
    /// Harness, ForwardBackward float per column of 100 at 1,024 elements, medians of five processes with the period
    /// buffers aligned, or 16 or 48 bytes past a boundary: 325, 346 and 348 ns.
    /// </summary>
    internal static unsafe Span<T> AlignToCacheLine<T>(Span<T> buffer, int length)
        where T : unmanaged
    {
        int misalignment = (int)((nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer)) % 64);
        int skip = misalignment == 0 ? 0 : (64 - misalignment) / Unsafe.SizeOf<T>();
        return buffer.Slice(skip, length);
    }

    /// <summary>
    /// The least common multiple of <paramref name="columns"/> (positive) and <paramref name="width"/> (a power of two):
    /// the columns with the factors of two they share with the width taken out, times the width. No division, as it
    /// runs once or twice per call.
    /// </summary>
    internal static int LeastCommonMultiple(int columns, int width)
    {
        Debug.Assert(columns > 0 && BitOperations.IsPow2(width), "Positive columns and a power-of-two width.");
        Debug.Assert(columns <= int.MaxValue / width, "A multiple that fits an int: callers bound the columns first.");
        return (columns >> Math.Min(BitOperations.TrailingZeroCount(columns), BitOperations.Log2((uint)width))) * width;
    }

    /// <summary>
    /// Sums the <paramref name="rows"/> rows of <paramref name="columns"/> elements in <paramref name="matrix"/>
    /// pairwise into its first row, so each column's rounding error grows with log2(rows), not with rows.
    /// </summary>
    private static void FoldRowsPairwise<T>(Span<T> matrix, int rows, int columns)
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

    /// <summary>How many whole Vector256s a row holds, where <see cref="SumRowsInGroups{T}"/> compiles a loop for it (else 0).</summary>
    private interface IRowVectors
    {
        static abstract int Count { get; }
    }

    private readonly struct OneVector : IRowVectors
    {
        public static int Count => 1;
    }

    private readonly struct TwoVectors : IRowVectors
    {
        public static int Count => 2;
    }

    private readonly struct ThreeVectors : IRowVectors
    {
        public static int Count => 3;
    }

    private readonly struct AnyVectors : IRowVectors
    {
        public static int Count => 0;
    }
}
