using System;
using System.Numerics;
using FluentAssertions;
using GaussianNll.Kernels;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// Calls whose arrays are larger than <see cref="LossKernel.StreamingBytes"/> write their per-element outputs by
/// non-temporal stores, with AVX-512: whole aligned vectors, each made of two computed ones, with the walk's first and
/// last lines of each output written plainly and the vectors carried from one run and one chunk to the next (see
/// <see cref="StreamCarry{T}"/>). Every output element must have the bits a call too small to stream gives it, whatever
/// the output's alignment and on any number of threads, and nothing outside an output may be written. Without
/// AVX-512 the same calls take plain stores, and the same must hold.
/// </summary>
public class StreamingTests
{
    /// <summary>Elements per piece of the small calls: far below the streaming size.</summary>
    private const int Piece = 16 * 1024;

    [Theory]
    [InlineData("float", VarianceLayout.Elementwise)]
    [InlineData("double", VarianceLayout.Elementwise)]
    [InlineData("float", VarianceLayout.Scalar)]
    public void PerElementOutputs_StreamedCall_SameBitsAsSmallCalls(string type, VarianceLayout layout)
    {
        if (type == "float")
        {
            StreamedAgainstPieces<float>(layout);
        }
        else
        {
            StreamedAgainstPieces<double>(layout);
        }
    }

    private static void StreamedAgainstPieces<T>(VarianceLayout layout)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Past the streaming size by a few chunks and a ragged tail (not a whole vector), so that the last chunk ends
        // in the overlapping vector and the flush.
        int length = (LossKernel.StreamingBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>()) + (3 * 4096) + 13;
        LossKernel.StreamsOutputs<T>(length).Should().BeTrue("the test's calls must be large enough to stream");
        LossKernel.StreamsOutputs<T>(Piece).Should().BeFalse("the pieces must be small enough not to stream");

        // Sum: the gradients' scale is 1 for the whole call and for each piece alike.
        var options = GaussianNllOptions.Default with { VarianceLayout = layout, Reduction = Reduction.Sum };
        var problem = Problem<T>.Create(new Random(length), Shape.Flat(layout, length), options, clampedFraction: 0.01);
        bool perElementVariance = layout == VarianceLayout.Elementwise;
        int varianceGradientLength = perElementVariance ? length : 1;

        // The expected outputs, from pieces.
        var loss = new T[length];
        var inputGradient = new T[length];
        var varianceGradient = new T[length];
        var elementInputGradient = new T[length];
        var elementVarianceGradient = new T[length];
        var pieceVarianceGradient = new T[Piece];
        for (int start = 0; start < length; start += Piece)
        {
            int count = Math.Min(Piece, length - start);
            var input = problem.Input.Slice(start, count);
            var target = problem.Target.Slice(start, count);
            var variance = perElementVariance ? problem.Variance.Slice(start, count) : problem.Variance;
            var pieceVariance = perElementVariance ? varianceGradient.AsSpan(start, count) : pieceVarianceGradient.AsSpan(0, 1);
            Api<T>.ForwardElementwise(input, target, variance, loss.AsSpan(start, count), options);
            Api<T>.ForwardBackward(input, target, variance, inputGradient.AsSpan(start, count), pieceVariance, options);
            Api<T>.BackwardElementwise(
                input,
                target,
                variance,
                problem.OutputGradient.Slice(start, count),
                elementInputGradient.AsSpan(start, count),
                perElementVariance ? elementVarianceGradient.AsSpan(start, count) : pieceVarianceGradient.AsSpan(0, 1),
                options);
        }

        var mismatches = new Mismatches();

        // Offsets of one to four elements past the arrays' own alignment, so that the outputs start at different
        // places in a cache line (for float 4 to 16 bytes, for double 8 to 32).
        foreach (int offset in new[] { 1, 2, 3, 4 })
        {
            foreach (int degree in new[] { 1, 2 })
            {
                string what = $"{problem} offset {offset} MaxDegreeOfParallelism {degree}";
                var withDegree = options with { MaxDegreeOfParallelism = degree };

                var streamedLoss = new Guarded<T>(length, offset);
                Api<T>.ForwardElementwise(problem.Input, problem.Target, problem.Variance, streamedLoss.Span, withDegree);
                mismatches.Bits<T>($"{what}: ForwardElementwise loss", streamedLoss.Span, loss);
                streamedLoss.CheckGuards(mismatches, $"{what}: ForwardElementwise loss");

                var streamedInput = new Guarded<T>(length, offset);
                var streamedVariance = new Guarded<T>(varianceGradientLength, offset + 1);
                Api<T>.ForwardBackward(problem.Input, problem.Target, problem.Variance, streamedInput.Span, streamedVariance.Span, withDegree);
                mismatches.Bits<T>($"{what}: ForwardBackward input gradient", streamedInput.Span, inputGradient);
                streamedInput.CheckGuards(mismatches, $"{what}: ForwardBackward input gradient");
                if (perElementVariance)
                {
                    mismatches.Bits<T>($"{what}: ForwardBackward variance gradient", streamedVariance.Span, varianceGradient);
                }

                streamedVariance.CheckGuards(mismatches, $"{what}: ForwardBackward variance gradient");

                var elementInput = new Guarded<T>(length, offset + 2);
                var elementVariance = new Guarded<T>(varianceGradientLength, offset);
                Api<T>.BackwardElementwise(problem.Input, problem.Target, problem.Variance, problem.OutputGradient, elementInput.Span, elementVariance.Span, withDegree);
                mismatches.Bits<T>($"{what}: BackwardElementwise input gradient", elementInput.Span, elementInputGradient);
                elementInput.CheckGuards(mismatches, $"{what}: BackwardElementwise input gradient");
                if (perElementVariance)
                {
                    mismatches.Bits<T>($"{what}: BackwardElementwise variance gradient", elementVariance.Span, elementVarianceGradient);
                }

                elementVariance.CheckGuards(mismatches, $"{what}: BackwardElementwise variance gradient");
            }
        }

        problem.CheckInputsUnchanged(mismatches);
        mismatches.ThrowIfAny(problem.ToString());
    }
}
