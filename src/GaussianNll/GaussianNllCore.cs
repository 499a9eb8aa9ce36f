using System;
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using GaussianNll.Kernels;

namespace GaussianNll;

/// <summary>
/// The one generic implementation behind every public entry point: validation, then the layout's walk over the
/// data in fixed chunks, each handed to <see cref="LossKernel"/>.
/// </summary>
internal static class GaussianNllCore
{
    /// <summary>
    /// The number of elements whose partial sums are combined as one unit. The reduction order is: elements within a
    /// block (<see cref="LossKernel.BlockSize"/>) in vector lanes, blocks within a chunk in double, chunks in order
    /// in double; it depends only on the length and layout, never on alignment or on the number of threads. The
    /// variance gradients of short rows are summed in T first: per row, each row's vectors lane by lane, then its lanes
    /// (a group of rows at a time, see <see cref="SumRows"/>); per column, a period's elements over at most
    /// <see cref="PeriodsPerJob"/> periods in order and then its rows pairwise (<see cref="RunPeriods"/>), or, with rows
    /// exactly one vector wide, each lane's block sums over the chunk, at most BlockSize / lanes + 15 additions in all,
    /// or else a tile's rows pairwise (<see cref="SpanMath.FoldRows{T}"/>); then in double.
    /// </summary>
    internal const int ChunkSize = 16 * 1024;

    /// <summary>Rows of a per-column layout whose variance gradients are summed in T before they are added into double.</summary>
    private const int PerColumnRowGroup = 16;

    /// <summary>The largest number of columns whose double accumulators go on the stack.</summary>
    private const int StackColumns = 512;

    /// <summary>
    /// Per-row rows shorter than this are processed in tiles of whole rows, with the variance (or, without β, its 1/v
    /// and, where the loss is written per element, ln v) spread out to one entry per element (without β, rows one
    /// vector wide or wider are not spread: see <see cref="RunTiles"/>), so that the vector loop runs over the whole
    /// tile instead of over a few columns at a time. (Per column, see <see cref="RunLanes"/>, <see cref="RunPeriods"/>
    /// and <see cref="RunTiles"/>.)
    /// </summary>
    /// <remarks>
    /// A row run on its own pays a fixed cost (constants, the shared variance, the block sums, and its tail) of a few
    /// hundred cycles. Measured on the Zen 4 this was tuned on (when each tail ran at every narrower vector width),
    /// ForwardBackward float over 16,384 elements, per-row rows run one by one against in tiles: 256 columns 6.4 against
    /// 4.2 µs, 300 columns 8.6 against 5.1 µs, 512 columns 4.5 against 4.7 µs.
    /// </remarks>
    internal const int ShortRow = 512;

    /// <summary>The most elements in one tile of a per-column layout's short rows.</summary>
    /// <remarks>
    /// Its buffers are all repeats of one prepared row. Measured (harness, per column of 100 at 16,384 elements), tiles
    /// of 2,048 floats were 10% slower than of 1,024.
    /// </remarks>
    private const int TileSize = 1024;

    /// <summary>
    /// The bytes of each buffer of a tile of a per-row layout's short rows: 2,048 floats or 1,024 doubles. Rows a vector
    /// wide or wider keep only one prepared entry per row (and one more) besides the gradient.
    /// </summary>
    private const int TileBytes = 8 * 1024;

    /// <summary>
    /// The most periods of a per-column layout one job runs (see <see cref="RunPeriods"/>): the most additions in T of
    /// one column's gradient in order before its period's rows are folded.
    /// </summary>
    private const int PeriodsPerJob = 64;

    /// <summary>½·ln(2π), the constant of the full loss.</summary>
    internal const double LogSqrtTwoPi = 0.91893853320467274178032973640561764;

    /// <summary>
    /// Computes what the spans ask for and returns the sum of the per-element losses (zero when
    /// <paramref name="reduceLoss"/> is false). All spans have been validated by <see cref="Validate"/>.
    /// </summary>
    internal static double Execute<T>(
        ReadOnlySpan<T> input,
        ReadOnlySpan<T> target,
        ReadOnlySpan<T> variance,
        ReadOnlySpan<T> outputGradient,
        Span<T> destination,
        Span<T> inputGradient,
        Span<T> varianceGradient,
        GaussianNllOptions options,
        bool reduceLoss,
        double scale)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var settings = new KernelSettings<T>
        {
            Epsilon = T.CreateTruncating(options.Epsilon),
            LogEpsilon = T.CreateTruncating(options.LogEpsilon),
            Constant = options.Full ? T.CreateTruncating(LogSqrtTwoPi) : T.Zero,
            Beta = T.CreateTruncating(options.Beta),
            Scale = T.CreateTruncating(scale),
            ReduceLoss = reduceLoss,
        };

        var request = new Request<T>
        {
            Input = input,
            Target = target,
            Variance = variance,
            OutputGradient = outputGradient,
            Destination = destination,
            InputGradient = inputGradient,
            VarianceGradient = varianceGradient,
            Layout = EffectiveLayout(options.VarianceLayout, input.Length, variance.Length),
        };

        int dop = options.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : options.MaxDegreeOfParallelism;
        Sums total = options.Parametrization switch
        {
            VarianceParametrization.LogVariance => Walk<T, LogVarianceInput>(request, settings, dop),
            VarianceParametrization.StandardDeviation => Walk<T, StandardDeviationInput>(request, settings, dop),
            _ => Walk<T, VarianceInput>(request, settings, dop),
        };

        bool rejectsNegative = options.Parametrization != VarianceParametrization.LogVariance;
        if (rejectsNegative && (total.NegativeVariance || input.IsEmpty))
        {
            int index = IndexOfNegative(variance);
            if (index >= 0)
            {
                destination.Clear();
                inputGradient.Clear();
                varianceGradient.Clear();
                ThrowHelper.ThrowNegativeVariance(index, options.Parametrization);
            }
        }

        return total.Loss;
    }

    /// <summary>
    /// Checks every argument before anything is written: lengths (target, variance for its layout, output gradient,
    /// destination, gradients), then that no output overlaps an input or another output.
    /// </summary>
    internal static void Validate<T>(
        ReadOnlySpan<T> input,
        ReadOnlySpan<T> target,
        ReadOnlySpan<T> variance,
        GaussianNllOptions options,
        scoped ReadOnlySpan<T> outputGradient = default,
        bool hasOutputGradient = false,
        scoped Span<T> destination = default,
        bool hasDestination = false,
        scoped Span<T> inputGradient = default,
        scoped Span<T> varianceGradient = default)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // A normal ε keeps v normal, which the kernel's logarithm needs, and 1/v finite; ε must also be a float.
        if (typeof(T) == typeof(float) && options.Epsilon is < Kernels.BitMath.SingleMinNormal or > float.MaxValue)
        {
            ThrowHelper.ThrowEpsilonOutOfFloatRange(options.Epsilon);
        }

        if (target.Length != input.Length)
        {
            ThrowHelper.ThrowLengthMismatch(nameof(target), target.Length, input.Length, "input");
        }

        if (!VarianceFits(variance.Length, input.Length, options.VarianceLayout))
        {
            ThrowHelper.ThrowVarianceLayoutMismatch(variance.Length, input.Length, options.VarianceLayout);
        }

        if (hasOutputGradient && outputGradient.Length != input.Length)
        {
            ThrowHelper.ThrowLengthMismatch(nameof(outputGradient), outputGradient.Length, input.Length, "input");
        }

        if (hasDestination && destination.Length != input.Length)
        {
            ThrowHelper.ThrowLengthMismatch(nameof(destination), destination.Length, input.Length, "input");
        }

        if (!inputGradient.IsEmpty && inputGradient.Length != input.Length)
        {
            ThrowHelper.ThrowLengthMismatch(nameof(inputGradient), inputGradient.Length, input.Length, "input (or 0 when not wanted)");
        }

        if (!varianceGradient.IsEmpty && varianceGradient.Length != variance.Length)
        {
            ThrowHelper.ThrowLengthMismatch(nameof(varianceGradient), varianceGradient.Length, variance.Length, "variance (or 0 when not wanted)");
        }

        CheckOverlap(destination, nameof(destination), input, target, variance, outputGradient);
        CheckOverlap(inputGradient, nameof(inputGradient), input, target, variance, outputGradient);
        CheckOverlap(varianceGradient, nameof(varianceGradient), input, target, variance, outputGradient);
        if (destination.Overlaps(inputGradient))
        {
            ThrowHelper.ThrowOverlap(nameof(inputGradient), nameof(destination));
        }

        if (destination.Overlaps(varianceGradient))
        {
            ThrowHelper.ThrowOverlap(nameof(varianceGradient), nameof(destination));
        }

        if (inputGradient.Overlaps(varianceGradient))
        {
            ThrowHelper.ThrowOverlap(nameof(varianceGradient), nameof(inputGradient));
        }
    }

    /// <summary>
    /// The layout that computes the same thing most directly: one column per row is elementwise, and one column
    /// shared by every row is a scalar.
    /// </summary>
    private static VarianceLayout EffectiveLayout(VarianceLayout layout, int inputLength, int varianceLength) => layout switch
    {
        VarianceLayout.PerRow when inputLength > 0 && varianceLength == inputLength => VarianceLayout.Elementwise,
        VarianceLayout.PerColumn when varianceLength == 1 => VarianceLayout.Scalar,
        _ => layout,
    };

    /// <summary>Whether <paramref name="varianceLength"/> entries fit <paramref name="inputLength"/> elements in a layout.</summary>
    internal static bool VarianceFits(int varianceLength, int inputLength, VarianceLayout layout) => layout switch
    {
        VarianceLayout.Elementwise => varianceLength == inputLength,
        VarianceLayout.Scalar => varianceLength == 1,
        // An empty [0, columns] input fits any number of rows (PerRow) or columns (PerColumn).
        _ => inputLength == 0 || (varianceLength > 0 && inputLength % varianceLength == 0),
    };

    private static void CheckOverlap<T>(
        ReadOnlySpan<T> output,
        string outputName,
        ReadOnlySpan<T> input,
        ReadOnlySpan<T> target,
        ReadOnlySpan<T> variance,
        ReadOnlySpan<T> outputGradient)
    {
        if (output.Overlaps(input))
        {
            ThrowHelper.ThrowOverlap(outputName, nameof(input));
        }

        if (output.Overlaps(target))
        {
            ThrowHelper.ThrowOverlap(outputName, nameof(target));
        }

        if (output.Overlaps(variance))
        {
            ThrowHelper.ThrowOverlap(outputName, nameof(variance));
        }

        if (output.Overlaps(outputGradient))
        {
            ThrowHelper.ThrowOverlap(outputName, nameof(outputGradient));
        }
    }

    private static int IndexOfNegative<T>(ReadOnlySpan<T> variance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < variance.Length; i++)
        {
            if (variance[i] < T.Zero)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Walks the data of one call chunk by chunk and combines the chunks' partial sums in order.</summary>
    private static Sums Walk<T, TPar>(scoped in Request<T> request, in KernelSettings<T> settings, int maxDegreeOfParallelism)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        var shape = new Shape(request.Layout, request.Input.Length, request.Variance.Length);
        // Per column, the variance gradient sums over every row, in double, in columnSums (from the tiles' folds, the
        // per-lane sums of RunLanes, or, for rows of a tile's length or more and for a single row, groups of rows
        // summed in the caller's varianceGradient span as scratch); the span is written with the final sums at the end.
        bool perColumnGradient = request.Layout == VarianceLayout.PerColumn && !request.VarianceGradient.IsEmpty;

        Sums total;
        if (perColumnGradient)
        {
            // The column sums run across every row, so this layout stays on the calling thread.
            double[]? rented = null;
            Span<double> columnSums = shape.Columns <= StackColumns
                ? stackalloc double[StackColumns]
                : (rented = ArrayPool<double>.Shared.Rent(shape.Columns));
            columnSums = columnSums.Slice(0, shape.Columns);
            columnSums.Clear();

            total = WalkSequential<T, TPar>(request, settings, shape, columnSums);
            SpanMath.NarrowFromDouble(request.VarianceGradient, columnSums);

            if (rented is not null)
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }
        else
        {
            total = ParallelWalk.ShouldRun(shape, maxDegreeOfParallelism)
                ? ParallelWalk.Run<T, TPar>(request, settings, shape, maxDegreeOfParallelism)
                : WalkSequential<T, TPar>(request, settings, shape, default);
        }

        if (request.Layout == VarianceLayout.Scalar && !request.VarianceGradient.IsEmpty)
        {
            request.VarianceGradient[0] = T.CreateTruncating(total.VarianceGradient);
        }

        return total;
    }

    private static Sums WalkSequential<T, TPar>(scoped in Request<T> request, in KernelSettings<T> settings, in Shape shape, Span<double> columnSums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        if (CallStreams(request))
        {
            return WalkStreamed<T, TPar>(request, settings, shape);
        }

        Sums total = default;
        for (int chunk = 0; chunk < shape.Chunks; chunk++)
        {
            Combine(ref total, RunChunk<T, TPar>(request, settings, shape, chunk, columnSums));
        }

        return total;
    }

    /// <summary>
    /// <see cref="WalkSequential"/> for a call that streams its outputs (see <see cref="CallStreams{T}"/>): the chunks with
    /// a <see cref="StreamCarry{T}"/> on the stack, flushed at the end, the outputs pinned meanwhile (the carry holds their
    /// addresses). Apart, so that the calls that do not stream take none of its setup.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe Sums WalkStreamed<T, TPar>(scoped in Request<T> request, in KernelSettings<T> settings, in Shape shape)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        Sums total = default;
        scoped var streamed = request;
        streamed.StreamCarry = StartStreams(request, stackalloc T[StreamCarry<T>.VectorsLength], stackalloc T[StreamCarry<T>.VectorsLength], stackalloc nuint[StreamCarry<T>.StateLength]);
        fixed (T* destination = request.Destination, inputGradient = request.InputGradient, varianceGradient = request.VarianceGradient)
        {
            for (int chunk = 0; chunk < shape.Chunks; chunk++)
            {
                Combine(ref total, RunChunk<T, TPar>(streamed, settings, shape, chunk, default));
            }

            streamed.StreamCarry.FlushAll();
        }

        return total;
    }

    /// <summary>
    /// Whether a call streams its outputs, by whole aligned vectors (see <see cref="Kernels.Job{T}.StreamCarry"/>): with
    /// AVX-512, where its arrays are at least <see cref="LossKernel.AlignedStoreBytes"/>, its variance per element or
    /// scalar, and it writes something per element: the loss, the input gradient, or a per-element variance's gradient.
    /// From <see cref="LossKernel.StreamingBytes"/> on, those stores go past the caches; from
    /// <see cref="LossKernel.SplitStoreBytes"/> on, the input gradient's do where the call writes both gradients per
    /// element (<see cref="SplitsStores{T}"/>). Otherwise all go through them, and only where an output does not start
    /// on a cache line, since plain stores to outputs that do are aligned already (the chunks start at multiples of
    /// <see cref="ChunkSize"/> elements, on lines too), and the permutations would only cost (see
    /// <see cref="LossKernel.AlignedStoreBytes"/>). The sequential walk reads the outputs' addresses before it pins
    /// them: a collection that moved one meanwhile would change only the choice of stores, never the results, which are
    /// the same bits either way.
    /// </summary>
    internal static bool CallStreams<T>(scoped in Request<T> request)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        bool elementwise = request.Layout == VarianceLayout.Elementwise;
        if (!Vec512<T>.IsHardwareAccelerated
            || !LossKernel.StreamsOutputs<T>(request.Input.Length)
            || !(elementwise || request.Layout == VarianceLayout.Scalar)
            || (request.Destination.IsEmpty && request.InputGradient.IsEmpty && (!elementwise || request.VarianceGradient.IsEmpty)))
        {
            return false;
        }

        return LossKernel.StreamsPastCaches<T>(request.Input.Length)
            || SplitsStores(request)
            || !OnCacheLine(request.Destination)
            || !OnCacheLine(request.InputGradient)
            || (elementwise && !OnCacheLine(request.VarianceGradient));
    }

    /// <summary>
    /// Whether a call that streams its outputs (<see cref="CallStreams{T}"/>) stores the input gradient past the caches
    /// and the variance's gradient through them: from <see cref="LossKernel.SplitStoreBytes"/> to
    /// <see cref="LossKernel.StreamingBytes"/>, where it writes both gradients per element (no entry point writes the
    /// loss per element along with a gradient).
    /// </summary>
    internal static bool SplitsStores<T>(scoped in Request<T> request)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        LossKernel.InSplitRange<T>(request.Input.Length)
        && request.Layout == VarianceLayout.Elementwise
        && !request.InputGradient.IsEmpty
        && !request.VarianceGradient.IsEmpty;

    /// <summary>Whether <paramref name="output"/> is empty or starts on a 64-byte cache line.</summary>
    private static unsafe bool OnCacheLine<T>(Span<T> output) =>
        output.IsEmpty || (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(output)) % 64 == 0;

    /// <summary>
    /// A carry for a walk over consecutive chunks of <paramref name="request"/>, a call that streams
    /// (<see cref="CallStreams{T}"/>), in <paramref name="vectors"/>, <paramref name="indices"/> and
    /// <paramref name="state"/>, with nothing carried yet. The walk flushes it when done
    /// (<see cref="StreamCarry{T}.FlushAll"/>).
    /// </summary>
    internal static StreamCarry<T> StartStreams<T>(scoped in Request<T> request, Span<T> vectors, Span<T> indices, Span<nuint> state)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        state.Clear();
        return new StreamCarry<T>
        {
            Vectors = vectors,
            Indices = indices,
            State = state,
            NonTemporal = LossKernel.StreamsPastCaches<T>(request.Input.Length),
            SplitsStores = SplitsStores(request),
        };
    }

    /// <summary>Adds a chunk's partial sums to the running total: the one place the chunk order is fixed.</summary>
    internal static void Combine(ref Sums total, in Sums chunk)
    {
        total.Loss += chunk.Loss;
        total.VarianceGradient += chunk.VarianceGradient;
        total.NegativeVariance |= chunk.NegativeVariance;
    }

    /// <summary>Runs chunk <paramref name="chunk"/> of the call and returns its partial sums.</summary>
    internal static Sums RunChunk<T, TPar>(scoped in Request<T> request, in KernelSettings<T> settings, in Shape shape, int chunk, Span<double> columnSums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        Sums sums = default;
        int start = chunk * shape.UnitsPerChunk;
        int end = Math.Min(shape.Units, start + shape.UnitsPerChunk);
        switch (request.Layout)
        {
            case VarianceLayout.Elementwise:
            case VarianceLayout.Scalar:
                RunElements<T, TPar>(request, settings, start, end, ref sums);
                break;
            case VarianceLayout.PerRow:
                if (shape.Columns < ShortRow && shape.Columns > 0)
                {
                    RunTiles<T, TPar>(request, settings, shape.Columns, start, end, columnSums, ref sums);
                }
                else
                {
                    RunRows<T, TPar>(request, settings, shape.Columns, start, end, ref sums);
                }

                break;
            default:
                if (shape.Columns > 1 && shape.Columns == LossKernel.WidestLanes<T>())
                {
                    RunLanes<T, TPar>(request, settings, shape.Columns, start, end, columnSums, ref sums);
                }
                else if (shape.Units > 1 && settings.Beta == T.Zero && shape.Columns <= TileSize && Period<T>(shape.Columns) <= TileSize)
                {
                    RunPeriods<T, TPar>(request, settings, shape.Columns, start, end, columnSums, ref sums);
                }
                else if (shape.Columns < TileSize && shape.Units > 1)
                {
                    RunTiles<T, TPar>(request, settings, shape.Columns, start, end, columnSums, ref sums);
                }
                else
                {
                    RunColumns<T, TPar>(request, settings, shape.Columns, shape.Units, start, end, columnSums, ref sums);
                }

                break;
        }

        return sums;
    }

    /// <summary>Elements [start, end) of an elementwise or scalar layout.</summary>
    private static void RunElements<T, TPar>(scoped in Request<T> request, in KernelSettings<T> settings, int start, int end, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        bool broadcast = request.Layout == VarianceLayout.Scalar;
        int count = end - start;
        var job = request.Elements(start, count);
        job.Variance = broadcast ? request.Variance : request.Variance.Slice(start, count);
        job.VarianceGradient = broadcast ? default : Part(request.VarianceGradient, start, count);
        job.BroadcastVariance = broadcast;
        job.SumVarianceGradient = broadcast && !request.VarianceGradient.IsEmpty;
        job.StreamCarry = request.StreamCarry;
        LossKernel.Run<T, TPar>(job, settings, ref sums);
    }

    /// <summary>Rows [start, end) of a per-row layout: each row's variance is broadcast over its columns.</summary>
    private static void RunRows<T, TPar>(scoped in Request<T> request, in KernelSettings<T> settings, int columns, int start, int end, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        bool wantVarianceGradient = !request.VarianceGradient.IsEmpty;
        for (int row = start; row < end; row++)
        {
            int offset = row * columns;
            var job = request.Elements(offset, columns);
            job.Variance = request.Variance.Slice(row, 1);
            job.BroadcastVariance = true;
            job.SumVarianceGradient = wantVarianceGradient;
            var rowSums = new Sums { Loss = sums.Loss, NegativeVariance = sums.NegativeVariance };
            LossKernel.Run<T, TPar>(job, settings, ref rowSums);
            sums.Loss = rowSums.Loss;
            sums.NegativeVariance = rowSums.NegativeVariance;
            if (wantVarianceGradient)
            {
                request.VarianceGradient[row] = T.CreateTruncating(rowSums.VarianceGradient);
            }
        }
    }

    /// <summary>
    /// Rows [start, end) of a per-column layout: each row meets the whole variance span element by element. The
    /// variance gradient is summed in T over groups of <see cref="PerColumnRowGroup"/> rows (in the caller's
    /// gradient span), then added into <paramref name="columnSums"/> in double.
    /// </summary>
    private static void RunColumns<T, TPar>(
        scoped in Request<T> request,
        in KernelSettings<T> settings,
        int columns,
        int rows,
        int start,
        int end,
        Span<double> columnSums,
        ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        bool wantVarianceGradient = !request.VarianceGradient.IsEmpty;
        for (int row = start; row < end; row++)
        {
            int offset = row * columns;
            var job = request.Elements(offset, columns);
            job.Variance = request.Variance;
            job.VarianceGradient = request.VarianceGradient;
            job.AccumulateVarianceGradient = row % PerColumnRowGroup != 0;
            LossKernel.Run<T, TPar>(job, settings, ref sums);
            if (wantVarianceGradient && (row % PerColumnRowGroup == PerColumnRowGroup - 1 || row == rows - 1))
            {
                SpanMath.AddToDouble(columnSums, request.VarianceGradient);
            }
        }
    }

    /// <summary>
    /// Rows [start, end) of a per-column layout whose rows are exactly one vector of the widest width (16 floats with
    /// AVX-512): one job, in which the kernel holds the variances one per lane, as it holds the scalar layout's one, and
    /// sums each lane's variance gradient in T (per block, then over the blocks of the chunk) before it is added into
    /// <paramref name="columnSums"/> in double. Nothing is spread out or folded.
    /// </summary>
    private static void RunLanes<T, TPar>(
        scoped in Request<T> request,
        in KernelSettings<T> settings,
        int columns,
        int start,
        int end,
        Span<double> columnSums,
        ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        bool wantVarianceGradient = !request.VarianceGradient.IsEmpty;
        Span<T> laneSums = stackalloc T[Vector512<T>.Count];
        laneSums = laneSums.Slice(0, columns);
        if (wantVarianceGradient)
        {
            laneSums.Clear();
        }

        scoped var job = request.Elements(start * columns, (end - start) * columns);
        job.Variance = request.Variance;
        job.BroadcastVariance = true;
        job.VarianceGradient = wantVarianceGradient ? laneSums : default;
        LossKernel.Run<T, TPar>(job, settings, ref sums);
        if (wantVarianceGradient)
        {
            SpanMath.AddToDouble(columnSums, laneSums);
        }
    }

    /// <summary>
    /// The elements of a period of rows of <paramref name="columns"/>: the least common multiple of the row and the widest vector.
    /// </summary>
    private static int Period<T>(int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => SpanMath.LeastCommonMultiple(columns, LossKernel.WidestLanes<T>());

    /// <summary>
    /// Rows [start, end) of a per-column layout without β whose period (<see cref="Period{T}"/>) fits a tile: the
    /// variance's 1/v (and chain factor; ln v where the loss is written per element, else Σ ln v) prepared once and
    /// repeated over one period, which the kernel reads element i mod the period of, as it adds each element's
    /// variance gradient into element i mod the period of a period-long buffer (<see cref="Kernels.Job{T}.PreparedPeriod"/>;
    /// the first period's gradients are written, not added, so the buffer is not cleared per job):
    /// so nothing is spread over the rows and no per-element gradient is written, only a period's. Each job is at most
    /// <see cref="PeriodsPerJob"/> periods, after which the buffer's rows are folded pairwise and added into
    /// <paramref name="columnSums"/> in double: a column's gradient is summed in T over at most that many periods in order,
    /// then over a period's rows pairwise.
    /// </summary>
    private static void RunPeriods<T, TPar>(
        scoped in Request<T> request,
        in KernelSettings<T> settings,
        int columns,
        int start,
        int end,
        Span<double> columnSums,
        ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        bool wantVarianceGradient = !request.VarianceGradient.IsEmpty;
        int period = Period<T>(columns);
        int rowsPerPeriod = period / columns;
        Span<T> gradient = wantVarianceGradient ? SpanMath.AlignToCacheLine(stackalloc T[TileSize + SpanMath.CacheLineSlack<T>()], period) : default;
        scoped PreparedSpans<T> prepared = default;
        prepared.LogVariance = SpanMath.AlignToCacheLine(stackalloc T[TileSize + SpanMath.CacheLineSlack<T>()], period);
        prepared.InverseVariance = SpanMath.AlignToCacheLine(stackalloc T[TileSize + SpanMath.CacheLineSlack<T>()], period);
        prepared.Chain = TPar.HasChain ? SpanMath.AlignToCacheLine(stackalloc T[TileSize + SpanMath.CacheLineSlack<T>()], period) : default;

        bool sumLogs = LossKernel.SumsLogVarianceApart(writeLoss: !request.Destination.IsEmpty, settings);
        double columnLogSum = PrepareRepeatedRow<T, TPar>(request.Variance, prepared, settings, sumLogs, PreparesVariance<T, TPar>(request), ref sums);
        if (sumLogs)
        {
            prepared.LogVariance = default;
        }

        int rowsPerJob = PeriodsPerJob * rowsPerPeriod;
        for (int row = start; row < end; row += rowsPerJob)
        {
            int rows = Math.Min(rowsPerJob, end - row);
            scoped var job = request.Elements(row * columns, rows * columns);
            job.Prepared = prepared;
            job.PreparedPeriod = period;
            job.LogVarianceSum = rows * columnLogSum;
            if (wantVarianceGradient)
            {
                // The kernel writes the first period's gradients and adds the others' in; a job shorter than a period
                // leaves the rest of it, which the fold still reads, to be zeroed here.
                if (rows * columns < period)
                {
                    gradient.Slice(rows * columns).Clear();
                }

                job.VarianceGradient = gradient;
            }

            LossKernel.Run<T, TPar>(job, settings, ref sums);
            if (wantVarianceGradient)
            {
                SpanMath.FoldRows(gradient, rowsPerPeriod, columns);
                SpanMath.AddToDouble(columnSums, gradient.Slice(0, columns));
            }
        }
    }

    /// <summary>
    /// Rows [start, end) of rows shorter than <see cref="ShortRow"/> (per row) or <see cref="TileSize"/> (per column, with
    /// β or a period longer than a tile: see <see cref="RunPeriods"/>), in tiles of whole rows.
    /// Each tile spreads the variance out to one entry per element, runs the elementwise kernel over the tile, and
    /// folds the per-element variance gradients back onto their entries: per row into the caller's gradient (each row
    /// summed in T, see <see cref="SumRows"/>), per column pairwise in T and then into <paramref name="columnSums"/>.
    /// </summary>
    /// <remarks>
    /// Without β, what is spread is not the variance but its 1/v (and chain factor), and its ln v only where the loss
    /// is written per element (a summed loss takes the tile's Σ ln v from the entries), computed once per entry by
    /// <see cref="LossKernel.Prepare{T, TPar}"/>, so that the kernel takes no logarithm and no division per element
    /// (except for per-row rows narrower than a vector without AVX-512). Per-row rows one vector of the widest width wide
    /// or wider are not spread at all: the kernel reads one entry per vector (<see cref="Kernels.Job{T}.PreparedPerVector"/>)
    /// or per row (<see cref="Kernels.Job{T}.PreparedRowLength"/>). Harness, ForwardBackward float at 16,384 elements,
    /// spread against read per row: rows of 17 5.8 against 4.3 µs, of 100 4.4 against 3.6 µs. The tile buffers take up
    /// to four times <see cref="TileBytes"/> of stack (per column, <see cref="TileSize"/> elements; rows read per vector
    /// or per row keep only one prepared entry per row, and one more): 32 KB, and 64 bytes more each to start on a cache line
    /// (<see cref="SpanMath.AlignToCacheLine{T}"/>).
    /// </remarks>
    private static void RunTiles<T, TPar>(
        scoped in Request<T> request,
        in KernelSettings<T> settings,
        int columns,
        int start,
        int end,
        Span<double> columnSums,
        ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        bool perRow = request.Layout == VarianceLayout.PerRow;
        bool wantVarianceGradient = !request.VarianceGradient.IsEmpty;
        // Per row, rows narrower than a vector would spread ln v and 1/v one element at a time, which costs more than
        // the kernel's own logarithm and division, unless AVX-512 spreads them a vector at a time (a per-row layout of
        // one column never gets here: it is elementwise); per column, the spreading is done once per chunk.
        bool prepare = settings.Beta == T.Zero && (!perRow || columns >= Vector<T>.Count || SpanMath.SpreadsNarrowRows<T>(columns));

        // Per-row rows exactly one vector wide need no spreading: the kernel broadcasts each row's prepared entry.
        bool perVector = prepare && perRow && columns == LossKernel.WidestLanes<T>();

        // Wider rows need none either: the kernel reads each row's entry, two rows' for a vector across their boundary.
        bool byRow = prepare && perRow && columns > LossKernel.WidestLanes<T>();

        // Per row, whole vectors per tile where a tile holds a period of rows (a multiple of the widest vector), so
        // that only the chunk's last tile needs the kernel's overlapping last vector, and narrow rows' sums come in
        // whole groups.
        int capacity = perRow ? TileBytes / Unsafe.SizeOf<T>() : TileSize;
        int rowsPerTile = capacity / columns;
        int rowsPerPeriod = Period<T>(columns) / columns;
        if (perRow && rowsPerTile >= rowsPerPeriod)
        {
            rowsPerTile -= rowsPerTile % rowsPerPeriod;
        }

        // A per-column layout repeats its prepared row over the whole tile: no more rows than there are.
        rowsPerTile = Math.Min(rowsPerTile, end - start);
        int tileLength = rowsPerTile * columns;
        Span<T> variance = prepare ? default : SpanMath.AlignToCacheLine(stackalloc T[capacity + SpanMath.CacheLineSlack<T>()], capacity);
        Span<T> gradient = wantVarianceGradient ? SpanMath.AlignToCacheLine(stackalloc T[capacity + SpanMath.CacheLineSlack<T>()], capacity) : default;
        scoped PreparedSpans<T> prepared = default;
        if (prepare)
        {
            // Rows a vector wide or wider keep one entry per row, and one after the last.
            int entries = perVector || byRow ? rowsPerTile + 1 : capacity;
            prepared.LogVariance = SpanMath.AlignToCacheLine(stackalloc T[entries + SpanMath.CacheLineSlack<T>()], entries);
            prepared.InverseVariance = SpanMath.AlignToCacheLine(stackalloc T[entries + SpanMath.CacheLineSlack<T>()], entries);
            prepared.Chain = TPar.HasChain ? SpanMath.AlignToCacheLine(stackalloc T[entries + SpanMath.CacheLineSlack<T>()], entries) : default;
        }

        // A loss that is only summed needs Σ ln v, not ln v per element: per row, columns times each row's; per
        // column, the rows times the columns' sum.
        bool sumLogs = prepare && LossKernel.SumsLogVarianceApart(writeLoss: !request.Destination.IsEmpty, settings);
        bool preparesVariance = PreparesVariance<T, TPar>(request);
        double columnLogSum = 0;
        if (!perRow)
        {
            // Every tile of a per-column layout meets the same variance: one row, then copies of the rows so far.
            if (prepare)
            {
                columnLogSum = PrepareRepeatedRow<T, TPar>(request.Variance, prepared.Slice(0, tileLength), settings, sumLogs, preparesVariance, ref sums);
            }
            else
            {
                request.Variance.CopyTo(variance);
                RepeatFirstRow(variance.Slice(0, tileLength), columns);
            }
        }

        for (int row = start; row < end; row += rowsPerTile)
        {
            int rows = Math.Min(rowsPerTile, end - row);
            int offset = row * columns;
            int length = rows * columns;
            double logSum = rows * columnLogSum;
            if (perRow && prepare)
            {
                // Each row's values go to the front of the tile buffers, then out to their rows, last row first.
                sums.NegativeVariance |= LossKernel.Prepare<T, TPar>(request.Variance.Slice(row, rows), prepared, settings, preparesVariance);
                if (sumLogs)
                {
                    logSum = columns * SpanMath.SumToDouble<T>(prepared.LogVariance.Slice(0, rows));
                }
                else if (byRow)
                {
                    prepared.LogVariance[rows] = prepared.LogVariance[rows - 1];
                }
                else if (!perVector)
                {
                    SpreadRowsInPlace(prepared.LogVariance, rows, columns);
                }

                if (byRow)
                {
                    // The entry after the last row, which the kernel reads for a last vector that does not cross into it.
                    prepared.InverseVariance[rows] = prepared.InverseVariance[rows - 1];
                    if (TPar.HasChain)
                    {
                        prepared.Chain[rows] = prepared.Chain[rows - 1];
                    }
                }
                else if (!perVector)
                {
                    SpreadRowsInPlace(prepared.InverseVariance, rows, columns);
                    if (TPar.HasChain)
                    {
                        SpreadRowsInPlace(prepared.Chain, rows, columns);
                    }
                }
            }
            else if (perRow)
            {
                request.Variance.Slice(row, rows).CopyTo(variance);
                SpreadRowsInPlace(variance, rows, columns);
            }

            scoped var job = request.Elements(offset, length);
            if (prepare)
            {
                job.Prepared = prepared.Slice(0, perVector ? rows : byRow ? rows + 1 : length);
                job.PreparedPerVector = perVector;
                job.PreparedRowLength = byRow ? columns : 0;
                if (sumLogs)
                {
                    job.Prepared.LogVariance = default;
                    job.LogVarianceSum = logSum;
                }
            }
            else
            {
                job.Variance = variance.Slice(0, length);
            }

            job.VarianceGradient = wantVarianceGradient ? gradient.Slice(0, length) : default;
            LossKernel.Run<T, TPar>(job, settings, ref sums);

            if (!wantVarianceGradient)
            {
                continue;
            }

            if (perRow)
            {
                SumRows(gradient.Slice(0, length), request.VarianceGradient.Slice(row, rows), columns);
            }
            else
            {
                SpanMath.FoldRows(gradient, rows, columns);
                SpanMath.AddToDouble(columnSums, gradient.Slice(0, columns));
            }
        }
    }

    /// <summary>
    /// Prepares a per-column layout's <paramref name="variance"/> (one row) at the front of <paramref name="prepared"/>
    /// and repeats it over the rest: 1/v (v itself where <paramref name="preparesVariance"/>, see
    /// <see cref="PreparesVariance{T, TPar}"/>) and the chain factor, and ln v unless <paramref name="sumLogs"/>, in which
    /// case it returns the row's Σ ln v instead (else 0).
    /// </summary>
    private static double PrepareRepeatedRow<T, TPar>(ReadOnlySpan<T> variance, scoped in PreparedSpans<T> prepared, in KernelSettings<T> settings, bool sumLogs, bool preparesVariance, ref Sums sums)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        int columns = variance.Length;
        sums.NegativeVariance |= LossKernel.Prepare<T, TPar>(variance, prepared, settings, preparesVariance);
        double logSum = 0;
        if (sumLogs)
        {
            logSum = SpanMath.SumToDouble<T>(prepared.LogVariance.Slice(0, columns));
        }
        else
        {
            RepeatFirstRow(prepared.LogVariance, columns);
        }

        RepeatFirstRow(prepared.InverseVariance, columns);
        if (TPar.HasChain)
        {
            RepeatFirstRow(prepared.Chain, columns);
        }

        return logSum;
    }

    /// <summary>
    /// Whether the kernel divides by v for this request's prepared jobs, so that they must hold v where they would hold
    /// 1/v (<see cref="LossKernel.DividesByVariance{TPar}"/>): the outputs the jobs will have, as the kernel reads them.
    /// </summary>
    private static bool PreparesVariance<T, TPar>(scoped in Request<T> request)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization =>
        LossKernel.DividesByVariance<TPar>(
            (request.Destination.IsEmpty ? 0 : KernelOutputs.WriteLoss)
            | (request.InputGradient.IsEmpty ? 0 : KernelOutputs.InputGradient)
            | (request.VarianceGradient.IsEmpty ? 0 : KernelOutputs.VarianceGradient));

    /// <summary>Copies the first <paramref name="columns"/> elements of <paramref name="tile"/> over the rest of it, in doubling copies.</summary>
    private static void RepeatFirstRow<T>(Span<T> tile, int columns)
    {
        for (int filled = columns; filled < tile.Length; filled *= 2)
        {
            tile.Slice(0, Math.Min(filled, tile.Length - filled)).CopyTo(tile.Slice(filled));
        }
    }

    /// <summary>
    /// Spreads the first <paramref name="rows"/> elements of <paramref name="tile"/> out to rows of
    /// <paramref name="columns"/> (element r to [r·columns, (r + 1)·columns)). Last row first: row r's run starts at or
    /// after r, so it overwrites only values of rows already spread.
    /// </summary>
    private static void SpreadRowsInPlace<T>(Span<T> tile, int rows, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (columns >= Vector<T>.Count)
        {
            for (int r = rows - 1; r >= 0; r--)
            {
                SpanMath.Fill(tile.Slice(r * columns, columns), tile[r]);
            }

            return;
        }

        if (SpanMath.SpreadNarrowRows(tile, rows, columns))
        {
            return;
        }

        // A handful of columns: setting up a vector fill per row would cost more than the row itself.
        for (int r = rows - 1; r >= 0; r--)
        {
            var value = tile[r];
            for (int i = r * columns; i < (r + 1) * columns; i++)
            {
                tile[i] = value;
            }
        }
    }

    /// <summary>
    /// Writes the sum of each row of <paramref name="columns"/> elements of <paramref name="matrix"/> into
    /// <paramref name="sums"/>: in T, groups of rows at a time where the instructions are there (see
    /// <see cref="SpanMath.SumRowsInGroups{T}"/> and <see cref="SpanMath.SumNarrowRows{T}"/>), the rest (fewer rows than
    /// a group, the last partial group of narrow rows, or every row without the instructions) in double. Which rows fall
    /// in a group depends on the machine's vector widths, so their last bits may too.
    /// </summary>
    private static void SumRows<T>(ReadOnlySpan<T> matrix, Span<T> sums, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (columns >= Vector<T>.Count)
        {
            for (int r = SpanMath.SumRowsInGroups(matrix, sums, columns); r < sums.Length; r++)
            {
                sums[r] = T.CreateTruncating(SpanMath.SumToDouble(matrix.Slice(r * columns, columns)));
            }

            return;
        }

        // Fewer columns than a vector: groups of rows column by column in T (AVX-512 permutations, or AVX2 gathers); the
        // rest, and every row without AVX2, a row at a time, each added in double, rows independent of each other so
        // that the additions of consecutive rows overlap.
        int done = SpanMath.SumNarrowRows(matrix, sums, columns);
        int i = done * columns;
        for (int r = done; r < sums.Length; r++)
        {
            double sum = 0;
            for (int c = 0; c < columns; c++)
            {
                sum += double.CreateTruncating(matrix[i++]);
            }

            sums[r] = T.CreateTruncating(sum);
        }
    }

    private static ReadOnlySpan<T> Part<T>(ReadOnlySpan<T> span, int start, int count) =>
        span.IsEmpty ? default : span.Slice(start, count);

    private static Span<T> Part<T>(Span<T> span, int start, int count) =>
        span.IsEmpty ? default : span.Slice(start, count);

    /// <summary>The spans of one call.</summary>
    internal ref struct Request<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public ReadOnlySpan<T> Input;
        public ReadOnlySpan<T> Target;
        public ReadOnlySpan<T> Variance;
        public ReadOnlySpan<T> OutputGradient;
        public Span<T> Destination;
        public Span<T> InputGradient;
        public Span<T> VarianceGradient;
        public VarianceLayout Layout;

        /// <summary>Where not empty, elementwise and scalar jobs stream their outputs (see <see cref="Job{T}.StreamCarry"/>).</summary>
        public StreamCarry<T> StreamCarry;

        /// <summary>
        /// A job over elements [offset, offset + count): the inputs and the per-element outputs sliced, the variance and
        /// its gradient left for the layout to set.
        /// </summary>
        public readonly Job<T> Elements(int offset, int count) => new()
        {
            Input = Input.Slice(offset, count),
            Target = Target.Slice(offset, count),
            OutputGradient = Part(OutputGradient, offset, count),
            Loss = Part(Destination, offset, count),
            InputGradient = Part(InputGradient, offset, count),
        };
    }
}
