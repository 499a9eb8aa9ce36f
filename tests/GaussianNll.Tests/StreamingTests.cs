using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FluentAssertions;
using GaussianNll.Kernels;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// Calls whose arrays are at least <see cref="LossKernel.AlignedStoreBytes"/> write their per-element outputs, with
/// AVX-512, by whole aligned vectors, each made of two computed ones, with each walk's first and last lines of an output
/// written plainly and the last vector carried from one run and one chunk to the next (see <see cref="StreamCarry{T}"/>):
/// through the caches where an output does not start on a cache line, from <see cref="LossKernel.SplitStoreBytes"/> on
/// with the input gradient by non-temporal stores where both gradients are written per element (the split cases are
/// all elementwise, for that reason), and from <see cref="LossKernel.StreamingBytes"/> on all by non-temporal stores.
/// Every output element must have the bits that the same call gives it without streaming,
/// whatever the output's place in a cache line and on any number of threads, and so must the returned loss; nothing
/// outside an output may be written. Without AVX-512 the same calls take plain stores, and the same must hold. (That the
/// streamed loops really run is checked by .ci/run's listing of the kernel's loops, which counts them.)
/// </summary>
public class StreamingTests
{
    /// <summary>Elements per piece of the small calls: below the size from which calls stream.</summary>
    private const int Piece = 8 * 1024;

    /// <summary>How a case's calls store their per-element outputs.</summary>
    public enum Stores
    {
        /// <summary>Through the caches, by whole aligned vectors where an output is off a cache line.</summary>
        Cached,

        /// <summary>
        /// The input gradient past the caches where both gradients are written per element; the rest through them.
        /// </summary>
        Split,

        /// <summary>All past the caches.</summary>
        NonTemporal,
    }

    [Theory]
    [InlineData("float", VarianceLayout.Elementwise, VarianceParametrization.Variance, 0.0, Stores.NonTemporal)]
    [InlineData("double", VarianceLayout.Elementwise, VarianceParametrization.Variance, 0.0, Stores.NonTemporal)]
    [InlineData("float", VarianceLayout.Scalar, VarianceParametrization.Variance, 0.0, Stores.NonTemporal)]
    [InlineData("double", VarianceLayout.Scalar, VarianceParametrization.LogVariance, 0.5, Stores.NonTemporal)]
    [InlineData("float", VarianceLayout.Elementwise, VarianceParametrization.StandardDeviation, 0.5, Stores.NonTemporal)]
    [InlineData("float", VarianceLayout.Elementwise, VarianceParametrization.Variance, 0.0, Stores.Split)]
    [InlineData("double", VarianceLayout.Elementwise, VarianceParametrization.Variance, 0.0, Stores.Split)]
    [InlineData("float", VarianceLayout.Elementwise, VarianceParametrization.LogVariance, 0.0, Stores.Split)]
    [InlineData("double", VarianceLayout.Elementwise, VarianceParametrization.LogVariance, 0.5, Stores.Split)]
    [InlineData("float", VarianceLayout.Elementwise, VarianceParametrization.StandardDeviation, 0.5, Stores.Split)]
    [InlineData("float", VarianceLayout.Elementwise, VarianceParametrization.Variance, 0.0, Stores.Cached)]
    [InlineData("double", VarianceLayout.Elementwise, VarianceParametrization.Variance, 0.0, Stores.Cached)]
    [InlineData("float", VarianceLayout.Scalar, VarianceParametrization.Variance, 0.0, Stores.Cached)]
    [InlineData("double", VarianceLayout.Scalar, VarianceParametrization.LogVariance, 0.5, Stores.Cached)]
    [InlineData("float", VarianceLayout.Elementwise, VarianceParametrization.StandardDeviation, 0.5, Stores.Cached)]
    public void PerElementOutputs_StreamedCall_SameBitsAsWithoutStreaming(string type, VarianceLayout layout, VarianceParametrization parametrization, double beta, Stores stores)
    {
        if (type == "float")
        {
            StreamedAgainstPlain<float>(layout, parametrization, beta, stores);
        }
        else
        {
            StreamedAgainstPlain<double>(layout, parametrization, beta, stores);
        }
    }

    private static void StreamedAgainstPlain<T>(VarianceLayout layout, VarianceParametrization parametrization, double beta, Stores stores)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Past the size from which calls stream (through the caches, splitting, or past them), and the size from which
        // two threads share a call, by three chunks of 16 Ki elements and a ragged tail (not a whole vector), so that the
        // walk crosses chunks (and, with two threads, workers) and ends in the overlapping last vector and the flush.
        int from = stores switch
        {
            Stores.NonTemporal => LossKernel.StreamingBytes,
            Stores.Split => LossKernel.SplitStoreBytes,
            _ => LossKernel.AlignedStoreBytes,
        };
        int length = Math.Max(from / Unsafe.SizeOf<T>(), ParallelWalk.MinimumLength) + (3 * GaussianNllCore.ChunkSize) + 13;
        LossKernel.StreamsOutputs<T>(length).Should().BeTrue("the test's calls must be large enough to stream");
        LossKernel.InSplitRange<T>(length).Should().Be(stores == Stores.Split, "the test's calls must split their stores as the case says");
        LossKernel.StreamsPastCaches<T>(length).Should().Be(stores == Stores.NonTemporal, "the test's calls must stream the way the case says");
        LossKernel.StreamsOutputs<T>(Piece).Should().BeFalse("the pieces must be small enough not to stream");
        ParallelWalk.ShouldRun(new GaussianNll.Shape(layout, length, layout == VarianceLayout.Scalar ? 1 : length), 2).Should().BeTrue("with two threads the calls must be shared");

        // With AVX-512 the test's calls take the streamed walk where an output is off a cache line, whichever output it
        // is; through the caches, not where every output is on one (plain stores are aligned there already), unless the
        // input gradient goes past them.
        bool elementwise = layout == VarianceLayout.Elementwise;
        bool wide = Vec512<T>.IsHardwareAccelerated;
        var onLine = Guarded<T>.PastCacheLine(length, 0).Span;
        var offLine = Guarded<T>.PastCacheLine(length, 1).Span;
        GaussianNllCore.CallStreams(new GaussianNllCore.Request<T> { Input = new T[length], InputGradient = offLine, Layout = layout })
            .Should().Be(wide, "an input gradient off a cache line takes the streamed walk with AVX-512");
        GaussianNllCore.CallStreams(new GaussianNllCore.Request<T> { Input = new T[length], Destination = offLine, InputGradient = onLine, Layout = layout })
            .Should().Be(wide, "a loss off a cache line takes the streamed walk with AVX-512");
        GaussianNllCore.CallStreams(new GaussianNllCore.Request<T> { Input = new T[length], InputGradient = onLine, VarianceGradient = elementwise ? offLine : offLine[..1], Layout = layout })
            .Should().Be(wide && (elementwise || stores == Stores.NonTemporal), "a per-element variance gradient off a cache line takes the streamed walk with AVX-512; a scalar variance's one sum does not count");
        GaussianNllCore.CallStreams(new GaussianNllCore.Request<T> { Input = new T[length], InputGradient = onLine, Layout = layout })
            .Should().Be(wide && stores == Stores.NonTemporal, "an input gradient alone on a cache line streams only past the caches: there is nothing to split it from");
        GaussianNllCore.CallStreams(new GaussianNllCore.Request<T> { Input = new T[length], InputGradient = onLine, VarianceGradient = elementwise ? onLine : onLine[..1], Layout = layout })
            .Should().Be(wide && (stores == Stores.NonTemporal || (elementwise && stores == Stores.Split)), "both gradients on cache lines stream where they are split or go past the caches; a scalar variance's one sum does not count");
        GaussianNllCore.CallStreams(new GaussianNllCore.Request<T> { Input = new T[length], Destination = onLine, InputGradient = onLine, Layout = layout })
            .Should().Be(wide && stores == Stores.NonTemporal, "a loss and an input gradient on cache lines stream only past the caches: only the two gradients split");
        bool pastCaches = stores == Stores.NonTemporal;
        var carry = Carry(new GaussianNllCore.Request<T> { Input = new T[length], InputGradient = onLine, VarianceGradient = elementwise ? onLine : onLine[..1], Layout = layout });
        carry.NonTemporal.Should().Be(pastCaches, "the carry must store the way the case says");
        carry.SplitsStores.Should().Be(elementwise && stores == Stores.Split, "the carry must split the gradients' stores as the case says");
        Carry(new GaussianNllCore.Request<T> { Input = new T[length], InputGradient = onLine, Layout = layout })
            .SplitsStores.Should().BeFalse("an input gradient alone is not split from anything");
        Carry(new GaussianNllCore.Request<T> { Input = new T[length], Destination = onLine, InputGradient = onLine, Layout = layout })
            .SplitsStores.Should().BeFalse("an input gradient is not split from the loss");

        // Only both gradients of an elementwise variance split: not a per-element-long gradient of another layout, nor a
        // variance gradient alone.
        var notElementwise = new GaussianNllCore.Request<T> { Input = new T[length], InputGradient = onLine, VarianceGradient = onLine, Layout = VarianceLayout.Scalar };
        GaussianNllCore.CallStreams(notElementwise).Should().Be(wide && pastCaches, "only an elementwise variance's gradients split");
        Carry(notElementwise).SplitsStores.Should().BeFalse("only an elementwise variance's gradients split");
        var varianceGradientOnly = new GaussianNllCore.Request<T> { Input = new T[length], VarianceGradient = onLine, Layout = VarianceLayout.Elementwise };
        GaussianNllCore.CallStreams(varianceGradientOnly).Should().Be(wide && pastCaches, "a variance gradient alone on a cache line has nothing to split from");
        GaussianNllCore.SplitsStores(varianceGradientOnly).Should().BeFalse("a variance gradient alone has nothing to split from");

        // Sum: the gradients' scale is 1 for the whole call and for each piece alike.
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Reduction = Reduction.Sum, Parametrization = parametrization, Beta = beta };
        var problem = Problem<T>.Create(new Random(length), Shape.Flat(layout, length), options, clampedFraction: 0.01);
        var expected = Plain(problem, options);
        var fromPieces = Pieces(problem, options);
        var mismatches = new Mismatches();
        expected.CompareElements(mismatches, fromPieces, $"{problem}: without streaming against calls of {Piece} elements");

        // Each output's first element at the start of a cache line, one element past it, half a line past it and one
        // element short of the next line: every shift the stores straddle by, at its extremes. (Through the caches, the
        // first takes plain stores, every output being on a line, unless the call splits its stores.)
        int perLine = 64 / Unsafe.SizeOf<T>();
        foreach (int pastLine in new[] { 0, 1, perLine / 2, perLine - 1 })
        {
            foreach (int degree in new[] { 1, 2 })
            {
                string what = $"{problem}, outputs {pastLine} elements past a cache line, MaxDegreeOfParallelism {degree}";
                var streamed = Results<T>.Of(problem, options with { MaxDegreeOfParallelism = degree }, length => Guarded<T>.PastCacheLine(length, pastLine));
                streamed.CompareElements(mismatches, expected, what);
                mismatches.Bits($"{what}: ForwardBackward's loss", streamed.Loss, expected.Loss);
                mismatches.Bits($"{what}: Backward's variance gradient", streamed.BackwardVarianceSum, expected.BackwardVarianceSum);
                streamed.CheckGuards(mismatches, what);
            }
        }

        problem.CheckInputsUnchanged(mismatches);
        mismatches.ThrowIfAny(problem.ToString());
    }

    /// <summary>The split range starts at <see cref="LossKernel.SplitStoreBytes"/> and ends where every store goes past the caches.</summary>
    [Fact]
    public void InSplitRange_FromSplitStoreBytes_ToStreamingBytes()
    {
        Edges<float>();
        Edges<double>();

        static void Edges<T>()
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            int from = LossKernel.SplitStoreBytes / Unsafe.SizeOf<T>(), to = LossKernel.StreamingBytes / Unsafe.SizeOf<T>();
            LossKernel.InSplitRange<T>(from - 1).Should().BeFalse("one element short of SplitStoreBytes does not split");
            LossKernel.InSplitRange<T>(from).Should().BeTrue("SplitStoreBytes splits");
            LossKernel.InSplitRange<T>(to - 1).Should().BeTrue("one element short of StreamingBytes splits");
            LossKernel.InSplitRange<T>(to).Should().BeFalse("from StreamingBytes every store goes past the caches");
            LossKernel.StreamsPastCaches<T>(to).Should().BeTrue("from StreamingBytes every store goes past the caches");
        }
    }

    /// <summary>The carry a streamed walk of <paramref name="request"/> would start with.</summary>
    private static StreamCarry<T> Carry<T>(GaussianNllCore.Request<T> request)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        GaussianNllCore.StartStreams(request, new T[StreamCarry<T>.VectorsLength], new T[StreamCarry<T>.VectorsLength], new nuint[StreamCarry<T>.StateLength]);

    /// <summary>
    /// The whole call with its outputs one byte past their elements' alignment, which the kernel never streams: the same
    /// chunks and runs, with plain stores.
    /// </summary>
    private static Results<T> Plain<T>(Problem<T> problem, GaussianNllOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Results<T>.Of(problem, options, length => new Misaligned<T>(length));

    /// <summary>The per-element outputs from calls of at most <see cref="Piece"/> elements.</summary>
    private static Results<T> Pieces<T>(Problem<T> problem, GaussianNllOptions options)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int length = problem.Length;
        bool perElementVariance = options.VarianceLayout == VarianceLayout.Elementwise;
        var results = Results<T>.Create(length, perElementVariance ? length : 1, length => new Misaligned<T>(length));
        var sumOnly = new T[1];
        for (int start = 0; start < length; start += Piece)
        {
            int count = Math.Min(Piece, length - start);
            var input = problem.Input.Slice(start, count);
            var target = problem.Target.Slice(start, count);
            var variance = perElementVariance ? problem.Variance.Slice(start, count) : problem.Variance;
            Span<T> Part(IOutput<T> output) => perElementVariance ? output.Span.Slice(start, count) : sumOnly;
            Api<T>.ForwardElementwise(input, target, variance, results.ElementLoss.Span.Slice(start, count), options);
            Api<T>.ForwardBackward(input, target, variance, results.InputGradient.Span.Slice(start, count), Part(results.VarianceGradient), options);
            Api<T>.Backward(input, target, variance, results.BackwardInputGradient.Span.Slice(start, count), Part(results.BackwardVarianceGradient), options, T.One);
            Api<T>.BackwardElementwise(input, target, variance, problem.OutputGradient.Slice(start, count), results.ElementInputGradient.Span.Slice(start, count), Part(results.ElementVarianceGradient), options);
        }

        return results;
    }

    /// <summary>Where a call's output goes.</summary>
    private interface IOutput<T>
    {
        Span<T> Span { get; }
    }

    /// <summary>An output one byte past its elements' alignment (a span over bytes, cast).</summary>
    private sealed class Misaligned<T>(int length) : IOutput<T>
        where T : unmanaged
    {
        private readonly byte[] _bytes = new byte[(length * Unsafe.SizeOf<T>()) + 1];

        public Span<T> Span => MemoryMarshal.Cast<byte, T>(_bytes.AsSpan(1));
    }

    /// <summary>An output with guard elements around it (see <see cref="Guarded{T}"/>).</summary>
    private sealed class Checked<T>(Guarded<T> guarded) : IOutput<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public Guarded<T> Guarded => guarded;

        public Span<T> Span => guarded.Span;
    }

    /// <summary>The outputs of <c>ForwardElementwise</c>, <c>ForwardBackward</c>, <c>Backward</c> and <c>BackwardElementwise</c> on one problem.</summary>
    private sealed class Results<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        public IOutput<T> ElementLoss { get; private init; } = null!;

        public IOutput<T> InputGradient { get; private init; } = null!;

        public IOutput<T> VarianceGradient { get; private init; } = null!;

        public IOutput<T> BackwardInputGradient { get; private init; } = null!;

        public IOutput<T> BackwardVarianceGradient { get; private init; } = null!;

        public IOutput<T> ElementInputGradient { get; private init; } = null!;

        public IOutput<T> ElementVarianceGradient { get; private init; } = null!;

        public T Loss { get; private set; }

        /// <summary><c>Backward</c>'s variance gradient where it is one sum (a scalar variance), else 0.</summary>
        public T BackwardVarianceSum { get; private set; }

        private bool PerElementVariance { get; init; }

        public static Results<T> Create(int length, int varianceLength, Func<int, IOutput<T>> output) => new()
        {
            ElementLoss = output(length),
            InputGradient = output(length),
            VarianceGradient = output(varianceLength),
            BackwardInputGradient = output(length),
            BackwardVarianceGradient = output(varianceLength),
            ElementInputGradient = output(length),
            ElementVarianceGradient = output(varianceLength),
            PerElementVariance = varianceLength == length,
        };

        public static Results<T> Of(Problem<T> problem, GaussianNllOptions options, Func<int, Guarded<T>> guarded) =>
            Of(problem, options, length => new Checked<T>(guarded(length)));

        public static Results<T> Of(Problem<T> problem, GaussianNllOptions options, Func<int, IOutput<T>> output)
        {
            var results = Create(problem.Length, problem.Variance.Length, output);
            Api<T>.ForwardElementwise(problem.Input, problem.Target, problem.Variance, results.ElementLoss.Span, options);
            results.Loss = Api<T>.ForwardBackward(problem.Input, problem.Target, problem.Variance, results.InputGradient.Span, results.VarianceGradient.Span, options);
            Api<T>.Backward(problem.Input, problem.Target, problem.Variance, results.BackwardInputGradient.Span, results.BackwardVarianceGradient.Span, options, T.One);
            Api<T>.BackwardElementwise(problem.Input, problem.Target, problem.Variance, problem.OutputGradient, results.ElementInputGradient.Span, results.ElementVarianceGradient.Span, options);
            results.BackwardVarianceSum = results.PerElementVariance ? T.Zero : results.BackwardVarianceGradient.Span[0];
            return results;
        }

        /// <summary>Compares every per-element output, bit for bit (the variance gradients where they are per element).</summary>
        public void CompareElements(Mismatches mismatches, Results<T> expected, string what)
        {
            mismatches.Bits<T>($"{what}: ForwardElementwise's loss", ElementLoss.Span, expected.ElementLoss.Span);
            mismatches.Bits<T>($"{what}: ForwardBackward's input gradient", InputGradient.Span, expected.InputGradient.Span);
            mismatches.Bits<T>($"{what}: Backward's input gradient", BackwardInputGradient.Span, expected.BackwardInputGradient.Span);
            mismatches.Bits<T>($"{what}: BackwardElementwise's input gradient", ElementInputGradient.Span, expected.ElementInputGradient.Span);
            if (PerElementVariance)
            {
                mismatches.Bits<T>($"{what}: ForwardBackward's variance gradient", VarianceGradient.Span, expected.VarianceGradient.Span);
                mismatches.Bits<T>($"{what}: Backward's variance gradient", BackwardVarianceGradient.Span, expected.BackwardVarianceGradient.Span);
                mismatches.Bits<T>($"{what}: BackwardElementwise's variance gradient", ElementVarianceGradient.Span, expected.ElementVarianceGradient.Span);
            }
        }

        /// <summary>Checks that no output was written outside itself.</summary>
        public void CheckGuards(Mismatches mismatches, string what)
        {
            foreach (var (name, output) in new[]
            {
                ("ForwardElementwise's loss", ElementLoss),
                ("ForwardBackward's input gradient", InputGradient),
                ("ForwardBackward's variance gradient", VarianceGradient),
                ("Backward's input gradient", BackwardInputGradient),
                ("Backward's variance gradient", BackwardVarianceGradient),
                ("BackwardElementwise's input gradient", ElementInputGradient),
                ("BackwardElementwise's variance gradient", ElementVarianceGradient),
            })
            {
                ((Checked<T>)output).Guarded.CheckGuards(mismatches, $"{what}: {name}");
            }
        }
    }
}
