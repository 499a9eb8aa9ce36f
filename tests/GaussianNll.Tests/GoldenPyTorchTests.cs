using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Text.Json;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>One case of TestData/pytorch-gaussian-nll.json (see /work/shared/testdata/README.md for the fields).</summary>
public sealed class GoldenCase
{
    public required string Name { get; init; }

    public required string Dtype { get; init; }

    public required string Layout { get; init; }

    public required string Parametrization { get; init; }

    public required int Rows { get; init; }

    public required int Columns { get; init; }

    public required string Reduction { get; init; }

    public required bool Full { get; init; }

    public required double Eps { get; init; }

    public required double Beta { get; init; }

    public required bool VarianceHasGradient { get; init; }

    public required double[] Input { get; init; }

    public required double[] Target { get; init; }

    public required double[] Variance { get; init; }

    public double[]? GradOutput { get; init; }

    public required double[] Loss { get; init; }

    public required double[] GradInput { get; init; }

    public required double[] GradTarget { get; init; }

    public double[]? GradVariance { get; init; }

    /// <summary>The library's options for this case (the reduction 'none' maps to the elementwise entry points).</summary>
    internal GaussianNllOptions Options => GaussianNllOptions.Default with
    {
        Reduction = Reduction == "sum" ? GaussianNll.Reduction.Sum : GaussianNll.Reduction.Mean,
        Full = Full,
        Epsilon = Eps,
        Beta = Beta,
        VarianceLayout = Layout switch
        {
            "elementwise" => VarianceLayout.Elementwise,
            "per-row" => VarianceLayout.PerRow,
            "per-column" => VarianceLayout.PerColumn,
            "scalar" => VarianceLayout.Scalar,
            _ => throw new InvalidDataException($"unknown layout {Layout}"),
        },
        Parametrization = Parametrization switch
        {
            "variance" => VarianceParametrization.Variance,
            "log-variance" => VarianceParametrization.LogVariance,
            _ => throw new InvalidDataException($"unknown parametrization {Parametrization}"),
        },
    };

    public override string ToString() => $"{Dtype} {Name}";
}

/// <summary>
/// PyTorch's own answers (libtorch 2.10.0, autograd) for every case of the golden file: loss, gradInput, gradTarget
/// and gradVariance, for float32 and float64, every layout, reduction, parametrization and β.
/// </summary>
public class GoldenPyTorchTests
{
    private static readonly Lazy<IReadOnlyList<GoldenCase>> AllCases = new(Load);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var golden in AllCases.Value)
        {
            data.Add(golden.Dtype, golden.Name);
        }

        return data;
    }

    [Fact]
    public void GoldenFile_Loads_HoldsEvery84CasesOnceInBothDtypes()
    {
        var cases = AllCases.Value;
        cases.Should().HaveCount(84);
        cases.Select(c => (c.Dtype, c.Name)).Should().OnlyHaveUniqueItems();
        cases.Count(c => c.Dtype == "float32").Should().Be(42);
        cases.Count(c => c.Dtype == "float64").Should().Be(42);
        cases.Select(c => c.Reduction).Distinct().Should().BeEquivalentTo("mean", "sum", "none");
        cases.Select(c => c.Layout).Distinct().Should().BeEquivalentTo("elementwise", "per-row", "per-column", "scalar");
        cases.Select(c => c.Parametrization).Distinct().Should().BeEquivalentTo("variance", "log-variance");
        cases.Select(c => c.Beta).Distinct().Should().BeEquivalentTo(new[] { 0, 0.5, 1 });
        cases.Should().Contain(c => !c.VarianceHasGradient);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AllMethods_PyTorchCase_MatchPyTorch(string dtype, string name)
    {
        var golden = AllCases.Value.Single(c => c.Dtype == dtype && c.Name == name);
        if (dtype == "float32")
        {
            Run<float>(golden);
        }
        else
        {
            dtype.Should().Be("float64");
            Run<double>(golden);
        }
    }

    private static void Run<T>(GoldenCase golden)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var options = golden.Options;
        int n = golden.Rows * golden.Columns;
        golden.Input.Should().HaveCount(n);
        golden.Target.Should().HaveCount(n);
        golden.GradInput.Should().HaveCount(n);
        golden.GradTarget.Should().HaveCount(n);
        (golden.GradVariance is not null).Should().Be(golden.VarianceHasGradient);

        var input = Numbers.Convert<T>(golden.Input);
        var target = Numbers.Convert<T>(golden.Target);
        var variance = Numbers.Convert<T>(golden.Variance);
        Numbers.ToDouble<T>(input).Should().Equal(golden.Input, "the inputs are exactly representable in the case's dtype");
        Numbers.ToDouble<T>(variance).Should().Equal(golden.Variance);

        double u = Api<T>.UnitRoundoff;
        bool asFloat = Api<T>.IsFloat;

        // PyTorch's answers carry their own rounding, bounded like ours: allow one more element's worth.
        double pyTorchUlps = Tolerance.ElementUlps;
        bool wantVariance = golden.VarianceHasGradient;
        var mismatches = new Mismatches();
        var inputGradient = new Guarded<T>(n);
        var varianceGradient = new Guarded<T>(wantVariance ? variance.Length : 0);
        Span<T> varianceGradientSpan = wantVariance ? varianceGradient.Span : default;

        if (golden.Reduction == "none")
        {
            golden.GradOutput.Should().NotBeNull().And.HaveCount(n);
            golden.Loss.Should().HaveCount(n);
            var gradOutput = Numbers.Convert<T>(golden.GradOutput!);
            var magnitudes = Reference.Compute(golden.Input, golden.Target, golden.Variance, options, golden.GradOutput, 0, asFloat);

            var destination = new Guarded<T>(n);
            Api<T>.ForwardElementwise(input, target, variance, destination.Span, options);
            var pyTorchLoss = Expected(magnitudes, golden.Loss, golden.GradInput, golden.GradVariance);
            Check.ElementLosses(mismatches, "ForwardElementwise", destination.Span, pyTorchLoss, u, pyTorchUlps);
            destination.CheckGuards(mismatches, "ForwardElementwise");

            Api<T>.BackwardElementwise(input, target, variance, gradOutput, inputGradient.Span, varianceGradientSpan, options);
            Check.GradientsMatch(mismatches, "BackwardElementwise", inputGradient, varianceGradient, wantVariance ? Check.Wanted.Both : Check.Wanted.Input, pyTorchLoss, u, pyTorchUlps);
            GradTargetIsNegativeGradInput(mismatches, golden, inputGradient.Span, magnitudes, u, pyTorchUlps);

            // The reduced entry points agree with the elementwise answers: the sum and the mean of PyTorch's losses.
            var sumOfLosses = Expected(magnitudes, golden.Loss, golden.GradInput, golden.GradVariance);
            Check.ReducedLoss(mismatches, "Forward(Sum) vs Σ PyTorch losses", Api<T>.Forward(input, target, variance, options with { Reduction = Reduction.Sum }), sumOfLosses, Reduction.Sum, u, pyTorchUlps);
            Check.ReducedLoss(mismatches, "Forward(Mean) vs mean of PyTorch losses", Api<T>.Forward(input, target, variance, options with { Reduction = Reduction.Mean }), sumOfLosses, Reduction.Mean, u, pyTorchUlps);
        }
        else
        {
            golden.Loss.Should().HaveCount(1);
            var magnitudes = Reference.Compute(golden.Input, golden.Target, golden.Variance, options, default, Reference.BackwardScale(options.Reduction, n, 1), asFloat);
            var expected = Expected(magnitudes, null, golden.GradInput, golden.GradVariance);

            T forward = Api<T>.Forward(input, target, variance, options);
            mismatches.Close(
                $"Forward ({golden.Reduction})",
                double.CreateTruncating(forward),
                golden.Loss[0],
                (Tolerance.SumUlps(n) + pyTorchUlps) * u * magnitudes.ReducedMagnitude(options.Reduction));

            Api<T>.Backward(input, target, variance, inputGradient.Span, varianceGradientSpan, options, T.One);
            Check.GradientsMatch(mismatches, "Backward", inputGradient, varianceGradient, wantVariance ? Check.Wanted.Both : Check.Wanted.Input, expected, u, pyTorchUlps);
            GradTargetIsNegativeGradInput(mismatches, golden, inputGradient.Span, magnitudes, u, pyTorchUlps);

            var bothInput = new Guarded<T>(n);
            var bothVariance = new Guarded<T>(wantVariance ? variance.Length : 0);
            T both = Api<T>.ForwardBackward(input, target, variance, bothInput.Span, wantVariance ? bothVariance.Span : default, options);
            mismatches.Bits("ForwardBackward loss vs Forward", both, forward);
            mismatches.Bits<T>("ForwardBackward inputGradient vs Backward", bothInput.Span, inputGradient.Span);
            mismatches.Bits<T>("ForwardBackward varianceGradient vs Backward", bothVariance.Span, varianceGradient.Span);
            bothInput.CheckGuards(mismatches, "ForwardBackward inputGradient");
            bothVariance.CheckGuards(mismatches, "ForwardBackward varianceGradient");
        }

        mismatches.Bits<T>("input (unchanged)", input, Numbers.Convert<T>(golden.Input));
        mismatches.Bits<T>("variance (unchanged)", variance, Numbers.Convert<T>(golden.Variance));
        mismatches.ThrowIfAny(golden.ToString());
    }

    /// <summary>PyTorch's values with the reference's term sizes (which bound the rounding of both sides).</summary>
    private static ReferenceResult Expected(ReferenceResult magnitudes, double[]? loss, double[] gradInput, double[]? gradVariance) => new()
    {
        Loss = loss ?? magnitudes.Loss,
        LossMagnitude = magnitudes.LossMagnitude,
        InputGradient = gradInput,
        InputGradientMagnitude = magnitudes.InputGradientMagnitude,
        VarianceGradient = gradVariance ?? new double[magnitudes.VarianceGradient.Length],
        VarianceGradientMagnitude = magnitudes.VarianceGradientMagnitude,
        VarianceCoverage = magnitudes.VarianceCoverage,
        LossSum = loss is null ? magnitudes.LossSum : Sum(loss),
        LossMagnitudeSum = magnitudes.LossMagnitudeSum,
    };

    private static double Sum(double[] values)
    {
        // Exact enough: these cases have at most 1000 elements of moderate size, summed in double.
        double sum = 0;
        foreach (double value in values)
        {
            sum += value;
        }

        return sum;
    }

    /// <summary>PyTorch's gradTarget is the negative of the input gradient we computed.</summary>
    private static void GradTargetIsNegativeGradInput<T>(Mismatches mismatches, GoldenCase golden, ReadOnlySpan<T> inputGradient, ReferenceResult magnitudes, double u, double extraUlps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < inputGradient.Length; i++)
        {
            mismatches.Close("gradTarget = −inputGradient", i, -double.CreateTruncating(inputGradient[i]), golden.GradTarget[i], (Tolerance.ElementUlps + extraUlps) * u * magnitudes.InputGradientMagnitude[i]);
        }
    }

    private static List<GoldenCase> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "pytorch-gaussian-nll.json");
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        return document.RootElement.GetProperty("cases").Deserialize<List<GoldenCase>>(options)
            ?? throw new InvalidDataException("no cases");
    }
}
