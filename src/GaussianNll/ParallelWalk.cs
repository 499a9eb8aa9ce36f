using System;
using System.Buffers;
using System.Numerics;
using System.Threading.Tasks;
using GaussianNll.Kernels;

namespace GaussianNll;

/// <summary>
/// Runs the chunks of one call on several threads. Each chunk's partial sums are stored by chunk index and
/// combined in index order afterwards, exactly as the sequential walk combines them, so the result has the same
/// bits for every degree of parallelism.
/// </summary>
internal static unsafe class ParallelWalk
{
    /// <summary>Below this many elements a call stays on the calling thread: starting workers costs more than it saves.</summary>
    internal const int MinimumLength = 256 * 1024;

    internal static bool ShouldRun(in Shape shape, int maxDegreeOfParallelism) =>
        maxDegreeOfParallelism > 1 && shape.Length >= MinimumLength && shape.Chunks > 1;

    internal static Sums Run<T, TPar>(scoped in GaussianNllCore.Request<T> request, in KernelSettings<T> settings, in Shape shape, int maxDegreeOfParallelism)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TPar : struct, IParametrization
    {
        int workers = Math.Min(maxDegreeOfParallelism, shape.Chunks);
        var partials = ArrayPool<Sums>.Shared.Rent(shape.Chunks);
        try
        {
            // The spans stay pinned while the workers read them through pointers; Parallel.For returns only when all are done.
            fixed (T* input = request.Input, target = request.Target, variance = request.Variance, outputGradient = request.OutputGradient)
            fixed (T* destination = request.Destination, inputGradient = request.InputGradient, varianceGradient = request.VarianceGradient)
            {
                var work = new Work<T>
                {
                    Input = input,
                    Target = target,
                    Variance = variance,
                    OutputGradient = outputGradient,
                    Destination = destination,
                    InputGradient = inputGradient,
                    VarianceGradient = varianceGradient,
                    Length = request.Input.Length,
                    VarianceLength = request.Variance.Length,
                    OutputGradientLength = request.OutputGradient.Length,
                    DestinationLength = request.Destination.Length,
                    InputGradientLength = request.InputGradient.Length,
                    VarianceGradientLength = request.VarianceGradient.Length,
                    Layout = request.Layout,
                };
                var kernelSettings = settings;
                var chunkShape = shape;
                Parallel.For(
                    0,
                    workers,
                    new ParallelOptions { MaxDegreeOfParallelism = workers },
                    worker =>
                    {
                        scoped var request = work.ToRequest();
                        if (GaussianNllCore.CallStreams(request))
                        {
                            request.StreamCarry = GaussianNllCore.StartStreams(request, stackalloc T[StreamCarry<T>.VectorsLength], stackalloc T[StreamCarry<T>.VectorsLength], stackalloc nuint[StreamCarry<T>.StateLength]);
                        }

                        int first = (int)((long)chunkShape.Chunks * worker / workers);
                        int last = (int)((long)chunkShape.Chunks * (worker + 1) / workers);
                        for (int chunk = first; chunk < last; chunk++)
                        {
                            partials[chunk] = GaussianNllCore.RunChunk<T, TPar>(request, kernelSettings, chunkShape, chunk, default);
                        }

                        // Each worker's stores complete before Parallel.For returns.
                        request.StreamCarry.FlushAll();
                    });
            }

            Sums total = default;
            for (int chunk = 0; chunk < shape.Chunks; chunk++)
            {
                GaussianNllCore.Combine(ref total, partials[chunk]);
            }

            return total;
        }
        finally
        {
            ArrayPool<Sums>.Shared.Return(partials);
        }
    }

    /// <summary>The pinned spans of a call, as pointers a worker thread can turn back into spans.</summary>
    private sealed class Work<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public T* Input;
        public T* Target;
        public T* Variance;
        public T* OutputGradient;
        public T* Destination;
        public T* InputGradient;
        public T* VarianceGradient;
        public int Length;
        public int VarianceLength;
        public int OutputGradientLength;
        public int DestinationLength;
        public int InputGradientLength;
        public int VarianceGradientLength;
        public VarianceLayout Layout;

        public GaussianNllCore.Request<T> ToRequest() => new()
        {
            Input = new ReadOnlySpan<T>(Input, Length),
            Target = new ReadOnlySpan<T>(Target, Length),
            Variance = new ReadOnlySpan<T>(Variance, VarianceLength),
            OutputGradient = new ReadOnlySpan<T>(OutputGradient, OutputGradientLength),
            Destination = new Span<T>(Destination, DestinationLength),
            InputGradient = new Span<T>(InputGradient, InputGradientLength),
            VarianceGradient = new Span<T>(VarianceGradient, VarianceGradientLength),
            Layout = Layout,
        };
    }
}
