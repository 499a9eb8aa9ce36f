using System;
using System.Numerics;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// An empty input, as PyTorch treats it: the mean of nothing is NaN, the sum is 0; the variance gradient of a
/// layout whose entries cover no elements (scalar, per-column, per-row of empty rows) is written as 0; nothing is
/// written outside the spans.
/// </summary>
public class EmptyInputTests
{
    public static TheoryData<string, VarianceLayout, int> Cases()
    {
        var data = new TheoryData<string, VarianceLayout, int>();
        foreach (string type in new[] { "float", "double" })
        {
            data.Add(type, VarianceLayout.Elementwise, 0);
            data.Add(type, VarianceLayout.Scalar, 1);
            data.Add(type, VarianceLayout.PerColumn, 1);
            data.Add(type, VarianceLayout.PerColumn, 4);
            data.Add(type, VarianceLayout.PerColumn, 600);
            data.Add(type, VarianceLayout.PerRow, 3);
            data.Add(type, VarianceLayout.PerRow, 0);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AllMethods_EmptyInput_MeanIsNaNSumIsZeroGradientsZero(string type, VarianceLayout layout, int varianceLength)
    {
        if (type == "float")
        {
            Run<float>(layout, varianceLength);
        }
        else
        {
            Run<double>(layout, varianceLength);
        }
    }

    [Fact]
    public void Forward_EmptyPerColumnWithoutVariance_IsValid()
    {
        // PerColumn fits an empty [0, columns] input for any number of columns, even none; Elementwise likewise.
        var options = GaussianNllOptions.Default with { VarianceLayout = VarianceLayout.PerColumn, Reduction = Reduction.Sum };
        Assert.Equal(0.0, GaussianNllLoss.Forward(ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, options));
    }

    private static void Run<T>(VarianceLayout layout, int varianceLength)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var mismatches = new Mismatches();
        var variance = new T[varianceLength];
        variance.AsSpan().Fill(T.CreateTruncating(2));
        foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
        {
            var mean = GaussianNllOptions.Default with { VarianceLayout = layout, Parametrization = parametrization, Full = true, Beta = 0.5 };
            var sum = mean with { Reduction = Reduction.Sum };
            string at = $"{Api<T>.Name} {layout}[{varianceLength}] {parametrization}";

            T meanLoss = Api<T>.Forward(default, default, variance, mean);
            mismatches.True(T.IsNaN(meanLoss), $"{at}: Forward(Mean) = {meanLoss}, expected NaN");
            T sumLoss = Api<T>.Forward(default, default, variance, sum);
            mismatches.True(Numbers.SameBits(sumLoss, T.Zero), $"{at}: Forward(Sum) = {sumLoss}, expected +0");

            var destination = new Guarded<T>(0);
            Api<T>.ForwardElementwise(default, default, variance, destination.Span, mean);
            destination.CheckUntouched(mismatches, $"{at} ForwardElementwise");

            foreach (var options in new[] { mean, sum })
            {
                var varianceGradient = new Guarded<T>(varianceLength);
                var inputGradient = new Guarded<T>(0);
                T both = Api<T>.ForwardBackward(default, default, variance, inputGradient.Span, varianceGradient.Span, options);
                mismatches.True(options.Reduction == Reduction.Mean ? T.IsNaN(both) : Numbers.SameBits(both, T.Zero), $"{at}: ForwardBackward({options.Reduction}) = {both}");
                varianceGradient.CheckZeroed(mismatches, $"{at} ForwardBackward({options.Reduction}) varianceGradient");
                inputGradient.CheckUntouched(mismatches, $"{at} ForwardBackward inputGradient");

                varianceGradient = new Guarded<T>(varianceLength);
                Api<T>.Backward(default, default, variance, inputGradient.Span, varianceGradient.Span, options, T.CreateTruncating(3));
                varianceGradient.CheckZeroed(mismatches, $"{at} Backward({options.Reduction}) varianceGradient");
            }

            var elementwiseGradient = new Guarded<T>(varianceLength);
            Api<T>.BackwardElementwise(default, default, variance, default, default, elementwiseGradient.Span, mean);
            elementwiseGradient.CheckZeroed(mismatches, $"{at} BackwardElementwise varianceGradient");
        }

        var accumulator = new GaussianNllAccumulator(GaussianNllOptions.Default with { VarianceLayout = layout });
        Api<T>.Add(accumulator, default, default, variance);
        mismatches.True(accumulator.Count == 0 && accumulator.Sum == 0 && double.IsNaN(accumulator.Mean), $"accumulator after an empty chunk: Count {accumulator.Count}, Sum {accumulator.Sum}, Mean {accumulator.Mean}");
        mismatches.ThrowIfAny($"{Api<T>.Name} {layout}[{varianceLength}]");
    }
}
