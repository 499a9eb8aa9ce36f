using System;
using System.Numerics;
using MathNet.Numerics.Distributions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// With <see cref="GaussianNllOptions.Full"/>, each element's loss is the exact negative log-density of N(μ, σ²) at
/// y, checked against MathNet.Numerics' <see cref="Normal.PDFLn(double, double, double)"/> (mean, standard
/// deviation, x), an implementation independent of both the library and the test's reference. Variances are far
/// above ε, so the clamp plays no part.
/// </summary>
public class ClosedFormTests
{
    public static TheoryData<string, VarianceParametrization, VarianceLayout> Combinations()
    {
        var data = new TheoryData<string, VarianceParametrization, VarianceLayout>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
            {
                foreach (var layout in Enum.GetValues<VarianceLayout>())
                {
                    data.Add(type, parametrization, layout);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void ForwardElementwise_Full_EqualsNegativeMathNetLogDensity(string type, VarianceParametrization parametrization, VarianceLayout layout)
    {
        if (type == "float")
        {
            Run<float>(parametrization, layout);
        }
        else
        {
            Run<double>(parametrization, layout);
        }
    }

    [Fact]
    public void Forward_FullStandardNormalAtMean_IsHalfLogTwoPi()
    {
        // −ln φ(0) = ½ln(2π): the constant alone, with σ² = 1 and y = μ.
        double expected = -Normal.PDFLn(0, 1, 0);
        double loss = GaussianNllLoss.Forward([2.5], [2.5], [1.0], GaussianNllOptions.Default with { Full = true });
        Assert.Equal(expected, loss, 15);
        float lossFloat = GaussianNllLoss.Forward([2.5f], [2.5f], [1f], GaussianNllOptions.Default with { Full = true });
        Assert.Equal((float)expected, lossFloat);
    }

    private static void Run<T>(VarianceParametrization parametrization, VarianceLayout layout)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var random = new Random(31 + (7 * (int)parametrization) + (int)layout);
        var shape = layout switch
        {
            VarianceLayout.PerRow or VarianceLayout.PerColumn => new Shape(layout, 13, 7),
            _ => Shape.Flat(layout, 91),
        };
        var options = GaussianNllOptions.Default with { Full = true, VarianceLayout = layout, Parametrization = parametrization };
        var problem = Problem<T>.Create(random, shape, options, clampedFraction: 0);

        var destination = new Guarded<T>(problem.Length);
        Api<T>.ForwardElementwise(problem.Input, problem.Target, problem.Variance, destination.Span, options);
        T sum = Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options with { Reduction = Reduction.Sum });
        T mean = Api<T>.Forward(problem.Input, problem.Target, problem.Variance, options with { Reduction = Reduction.Mean });

        var mismatches = new Mismatches();
        double u = Api<T>.UnitRoundoff;
        int columns = Reference.Columns(layout, problem.Length, shape.VarianceLength);
        double expectedSum = 0;
        double magnitudeSum = 0;
        for (int i = 0; i < problem.Length; i++)
        {
            double mu = problem.InputValues[i];
            double y = problem.TargetValues[i];
            double p = problem.VarianceValues[Reference.VarianceIndex(layout, i, columns)];

            // The standard deviation MathNet wants, from the number the span holds.
            double sigma = parametrization switch
            {
                VarianceParametrization.StandardDeviation => p,
                VarianceParametrization.LogVariance => Math.Sqrt(Math.Exp(p)),
                _ => Math.Sqrt(p),
            };
            double expected = -Normal.PDFLn(mu, sigma, y);

            // Term sizes: ½|ln σ²|, ½(y − μ)²/σ², ½ln(2π), and ½ for an absolute error of ln σ² when σ² is rounded.
            double q = (y - mu) * (y - mu) / (sigma * sigma);
            double magnitude = (0.5 * (Math.Abs(Math.Log(sigma * sigma)) + q + 1)) + Reference.HalfLogTwoPi;
            mismatches.Close("ForwardElementwise vs −PDFLn", i, double.CreateTruncating(destination.Span[i]), expected, Tolerance.Element(u, magnitude));
            expectedSum += expected;
            magnitudeSum += magnitude;
        }

        destination.CheckGuards(mismatches, "destination");
        mismatches.Close("Forward(Sum) vs −Σ PDFLn", double.CreateTruncating(sum), expectedSum, Tolerance.Sum(u, problem.Length, magnitudeSum));
        mismatches.Close("Forward(Mean) vs −mean PDFLn", double.CreateTruncating(mean), expectedSum / problem.Length, Tolerance.Sum(u, problem.Length, magnitudeSum / problem.Length));
        mismatches.ThrowIfAny($"{Api<T>.Name} {parametrization} {shape}");
    }
}
