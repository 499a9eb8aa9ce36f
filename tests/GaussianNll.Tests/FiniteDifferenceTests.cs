using System;
using System.Numerics;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>
/// The gradients against central finite differences in double, for every layout, reduction (mean, sum, and the
/// elementwise loss weighted by an upstream gradient), parametrization and β ∈ {0, ½, 1}; and the clamp region,
/// where the gradient deliberately is not the derivative of the loss, against its formula.
/// </summary>
/// <remarks>
/// For β = 0 the differences are taken of the library's own loss (Forward, or Σ gᵢ·ForwardElementwiseᵢ). For β ≠ 0
/// the weight v^β is a stop-gradient, so the β gradient is the derivative of the surrogate Σ cᵢ·w⁰ᵢ·ℓᵢ with the
/// weights w⁰ frozen at the current variance and ℓᵢ the plain (β = 0) loss; the surrogate is computed by the test's
/// reference. Variances stay well above ε here so that no difference straddles the clamp.
/// </remarks>
public class FiniteDifferenceTests
{
    /// <summary>How the loss is reduced: Forward's mean or sum, or Σ gᵢ·lossᵢ for the elementwise entry points.</summary>
    public enum Mode
    {
        Mean,
        Sum,
        Elementwise,
    }

    public static TheoryData<VarianceLayout, Mode, VarianceParametrization, double> Combinations()
    {
        var data = new TheoryData<VarianceLayout, Mode, VarianceParametrization, double>();
        foreach (var layout in Enum.GetValues<VarianceLayout>())
        {
            foreach (var mode in Enum.GetValues<Mode>())
            {
                foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
                {
                    foreach (double beta in new[] { 0, 0.5, 1 })
                    {
                        data.Add(layout, mode, parametrization, beta);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Gradients_AwayFromClamp_MatchCentralDifferences(VarianceLayout layout, Mode mode, VarianceParametrization parametrization, double beta)
    {
        var random = new Random(7000 + ((int)layout * 100) + ((int)mode * 10) + ((int)parametrization * 3) + (int)(beta * 2));
        var shape = layout switch
        {
            VarianceLayout.PerRow or VarianceLayout.PerColumn => new Shape(layout, 3, 4),
            _ => Shape.Flat(layout, 11),
        };
        var options = GaussianNllOptions.Default with
        {
            VarianceLayout = layout,
            Parametrization = parametrization,
            Beta = beta,
            Full = mode != Mode.Sum,
            Reduction = mode == Mode.Sum ? Reduction.Sum : Reduction.Mean,
        };
        var problem = Problem<double>.Create(random, shape, options, clampedFraction: 0);
        int n = problem.Length;
        double[] input = problem.InputValues;
        double[] target = problem.TargetValues;
        double[] variance = problem.VarianceValues;
        double[] outputGradient = problem.OutputGradientValues;
        const double Upstream = 1.7;

        // The library's gradients, three ways where the mode has them.
        var inputGradient = new double[n];
        var varianceGradient = new double[variance.Length];
        var bothInputGradient = new double[n];
        var bothVarianceGradient = new double[variance.Length];
        double factor; // what the finite difference of F is multiplied by to match the library's gradient
        if (mode == Mode.Elementwise)
        {
            GaussianNllLoss.BackwardElementwise(input, target, variance, outputGradient, inputGradient, varianceGradient, options);
            factor = 1;
        }
        else
        {
            GaussianNllLoss.Backward(input, target, variance, inputGradient, varianceGradient, options, Upstream);
            GaussianNllLoss.ForwardBackward(input, target, variance, bothInputGradient, bothVarianceGradient, options);
            factor = Upstream;
        }

        // F(input, target, variance), differentiated numerically.
        var frozenWeights = FrozenWeights(input, target, variance, options);
        double F(double[] x, double[] y, double[] p) => Objective(x, y, p, options, mode, outputGradient, frozenWeights);
        double magnitude = ObjectiveMagnitude(input, target, variance, options, mode, outputGradient);
        double u = Api<double>.UnitRoundoff;

        var mismatches = new Mismatches();
        for (int i = 0; i < n; i++)
        {
            double h = 1e-6 * Math.Max(Math.Abs(input[i]), 1);
            double fd = CentralDifference(input, i, h, x => F(x, target, variance));
            Compare(mismatches, "inputGradient", i, inputGradient[i], factor * fd, factor, magnitude, h, u);
            if (mode != Mode.Elementwise)
            {
                Compare(mismatches, "ForwardBackward inputGradient", i, bothInputGradient[i], fd, 1, magnitude, h, u);
            }

            double fdTarget = CentralDifference(target, i, 1e-6 * Math.Max(Math.Abs(target[i]), 1), y => F(input, y, variance));
            Compare(mismatches, "−inputGradient vs d/dtarget", i, -inputGradient[i], factor * fdTarget, factor, magnitude, h, u);
        }

        for (int k = 0; k < variance.Length; k++)
        {
            double h = 1e-6 * Math.Max(Math.Abs(variance[k]), parametrization == VarianceParametrization.LogVariance ? 1 : 0);
            double fd = CentralDifference(variance, k, h, p => F(input, target, p));
            Compare(mismatches, "varianceGradient", k, varianceGradient[k], factor * fd, factor, magnitude, h, u);
            if (mode != Mode.Elementwise)
            {
                Compare(mismatches, "ForwardBackward varianceGradient", k, bothVarianceGradient[k], fd, 1, magnitude, h, u);
            }
        }

        mismatches.ThrowIfAny(problem.ToString());
    }

    public static TheoryData<string, VarianceParametrization, double> ClampCases()
    {
        var data = new TheoryData<string, VarianceParametrization, double>();
        foreach (string type in new[] { "float", "double" })
        {
            foreach (var parametrization in Enum.GetValues<VarianceParametrization>())
            {
                foreach (double beta in new[] { 0, 0.5, 1 })
                {
                    data.Add(type, parametrization, beta);
                }
            }
        }

        return data;
    }

    /// <summary>
    /// At and below the clamp the loss is flat in the variance, yet (as in PyTorch's autograd) the gradients are the
    /// formulas evaluated at the clamped v: d/dμ = w·d/v, d/dσ² = w·½(1/v − d²/v²), d/ds = w·½(1 − d²/v),
    /// d/dσ = w·σ·(1/v − d²/v²), with v = ε (e^(ln ε) for s) and w = v^β.
    /// </summary>
    [Theory]
    [MemberData(nameof(ClampCases))]
    public void Backward_VarianceAtOrBelowEpsilon_GradientIsFormulaAtClampedVariance(string type, VarianceParametrization parametrization, double beta)
    {
        if (type == "float")
        {
            ClampRun<float>(parametrization, beta);
        }
        else
        {
            ClampRun<double>(parametrization, beta);
        }
    }

    [Theory]
    [MemberData(nameof(ClampCases))]
    public void Forward_VarianceBelowEpsilon_EqualsLossAtEpsilon(string type, VarianceParametrization parametrization, double beta)
    {
        if (type == "float")
        {
            FlatBelowClamp<float>(parametrization, beta);
        }
        else
        {
            FlatBelowClamp<double>(parametrization, beta);
        }
    }

    private static void ClampRun<T>(VarianceParametrization parametrization, double beta)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        const double Eps = 1e-3;
        var options = GaussianNllOptions.Default with { Epsilon = Eps, Parametrization = parametrization, Beta = beta, Reduction = Reduction.Sum, Full = true };

        // ε as the element type holds it.
        double eps = double.CreateTruncating(T.CreateTruncating(Eps));
        double logEps = double.CreateTruncating(T.CreateTruncating(Math.Log(Eps)));
        double[] below = parametrization switch
        {
            VarianceParametrization.LogVariance => [logEps, logEps - 1e-3, logEps - 0.5, -50, -1e4, double.NegativeInfinity, logEps - 7, -30],
            VarianceParametrization.StandardDeviation => [0, Math.Sqrt(eps) / 2, 1e-10, Math.Sqrt(eps) * 0.99, 1e-20, 0.001, 0.01, 0],
            _ => [0, eps, eps / 2, eps / 1000, 1e-30, eps * 0.999, 1e-20, 0],
        };
        int n = below.Length;
        var input = new double[n];
        var target = new double[n];
        for (int i = 0; i < n; i++)
        {
            input[i] = 0.25 * i;
            target[i] = i % 3 == 0 ? input[i] : -0.5 * i;
        }

        var problem = Problem<T>.FromValues(Shape.Flat(VarianceLayout.Elementwise, n), options, input, target, below, new double[n]);
        var loss = new Guarded<T>(n);
        var inputGradient = new Guarded<T>(n);
        var varianceGradient = new Guarded<T>(n);
        Api<T>.ForwardElementwise(problem.Input, problem.Target, problem.Variance, loss.Span, options);
        Api<T>.Backward(problem.Input, problem.Target, problem.Variance, inputGradient.Span, varianceGradient.Span, options, T.One);

        var mismatches = new Mismatches();
        double u = Api<T>.UnitRoundoff;
        double v = parametrization == VarianceParametrization.LogVariance ? Math.Exp(logEps) : eps;
        double logV = parametrization == VarianceParametrization.LogVariance ? logEps : Math.Log(eps);
        double w = Math.Pow(v, beta);
        double constant = double.CreateTruncating(T.CreateTruncating(0.5 * Math.Log(2 * Math.PI)));
        double weightError = 1 + (beta * Math.Abs(logV));
        for (int i = 0; i < n; i++)
        {
            double p = problem.VarianceValues[i];
            double d = problem.InputValues[i] - problem.TargetValues[i];
            double expectedLoss = w * ((0.5 * (logV + (d * d / v))) + constant);
            double expectedInput = w * d / v;
            double expectedVariance = parametrization switch
            {
                VarianceParametrization.LogVariance => w * 0.5 * (1 - (d * d / v)),
                VarianceParametrization.StandardDeviation => w * p * ((1 / v) - (d * d / (v * v))),
                _ => w * 0.5 * ((1 / v) - (d * d / (v * v))),
            };
            double varianceSize = parametrization switch
            {
                VarianceParametrization.LogVariance => w * 0.5 * (1 + (d * d / v)),
                VarianceParametrization.StandardDeviation => w * Math.Abs(p) * ((1 / v) + (d * d / (v * v))),
                _ => w * 0.5 * ((1 / v) + (d * d / (v * v))),
            };

            mismatches.Close("loss", i, double.CreateTruncating(loss.Span[i]), expectedLoss, Tolerance.Element(u, w * (Math.Abs(logV) + (d * d / v) + constant) * weightError));
            mismatches.Close("inputGradient", i, double.CreateTruncating(inputGradient.Span[i]), expectedInput, Tolerance.Element(u, Math.Abs(expectedInput) * weightError));
            mismatches.Close("varianceGradient", i, double.CreateTruncating(varianceGradient.Span[i]), expectedVariance, Tolerance.Element(u, varianceSize * weightError));
            if (d != 0 && (parametrization != VarianceParametrization.StandardDeviation || p != 0))
            {
                mismatches.True(double.CreateTruncating(varianceGradient.Span[i]) != 0, $"varianceGradient[{i}] is 0: the clamp must not zero the gradient");
            }
        }

        mismatches.ThrowIfAny($"{Api<T>.Name} {parametrization} beta={beta}");
    }

    private static void FlatBelowClamp<T>(VarianceParametrization parametrization, double beta)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var options = GaussianNllOptions.Default with { Parametrization = parametrization, Beta = beta, Reduction = Reduction.Sum };
        double eps = double.CreateTruncating(T.CreateTruncating(options.Epsilon));
        double logEps = double.CreateTruncating(T.CreateTruncating(Math.Log(options.Epsilon)));
        (double atClamp, double[] belowClamp) = parametrization switch
        {
            VarianceParametrization.LogVariance => (logEps, new[] { logEps - 1e-3, -100, double.NegativeInfinity }),
            VarianceParametrization.StandardDeviation => (0.0, new[] { 1e-10, Math.Sqrt(eps) / 2 }),
            _ => (eps, new[] { 0, eps / 2, 1e-30 }),
        };

        T[] input = [T.CreateTruncating(0.75)];
        T[] target = [T.CreateTruncating(-0.5)];
        T expected = Api<T>.Forward(input, target, [T.CreateTruncating(atClamp)], options);
        var mismatches = new Mismatches();
        foreach (double p in belowClamp)
        {
            T actual = Api<T>.Forward(input, target, [T.CreateTruncating(p)], options);
            mismatches.Bits($"Forward at {p} vs at the clamp {atClamp}", actual, expected);
        }

        mismatches.True(T.IsFinite(expected), $"the loss at the clamp is {expected}");
        mismatches.ThrowIfAny($"{Api<T>.Name} {parametrization} beta={beta}");
    }

    /// <summary>
    /// |library − difference| ≤ rounding of F over the step (F is a double sum of small magnitude) plus the
    /// truncation error of the central difference, O(h²), bounded generously by 1e-7 of the gradient's size.
    /// </summary>
    private static void Compare(Mismatches mismatches, string what, int index, double actual, double expected, double factor, double magnitude, double h, double u)
    {
        double rounding = 2 * Tolerance.SumUlps(64) * u * magnitude * Math.Abs(factor) / h;
        double truncation = 1e-7 * Math.Max(Math.Abs(expected), 1e-3);
        mismatches.Close(what, index, actual, expected, rounding + truncation);
    }

    private static double CentralDifference(double[] values, int index, double h, Func<double[], double> f)
    {
        var plus = (double[])values.Clone();
        var minus = (double[])values.Clone();
        plus[index] += h;
        minus[index] -= h;

        // The step actually taken (x + h may round).
        double step = plus[index] - minus[index];
        return (f(plus) - f(minus)) / step;
    }

    /// <summary>
    /// β = 0: the library's loss. β ≠ 0: the surrogate with the weights frozen, built from the reference's plain loss.
    /// </summary>
    private static double Objective(double[] input, double[] target, double[] variance, GaussianNllOptions options, Mode mode, double[] outputGradient, double[]? frozenWeights)
    {
        int n = input.Length;
        if (frozenWeights is null)
        {
            if (mode != Mode.Elementwise)
            {
                return GaussianNllLoss.Forward(input, target, variance, options);
            }

            var loss = new double[n];
            GaussianNllLoss.ForwardElementwise(input, target, variance, loss, options);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += outputGradient[i] * loss[i];
            }

            return sum;
        }

        var plain = Reference.Compute(input, target, variance, options with { Beta = 0 }, default, 1, asFloat: false);
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            double weight = mode switch { Mode.Elementwise => outputGradient[i], Mode.Mean => 1.0 / n, _ => 1 };
            total += weight * frozenWeights[i] * plain.Loss[i];
        }

        return total;
    }

    /// <summary>The size of F's terms, which bounds its rounding error.</summary>
    private static double ObjectiveMagnitude(double[] input, double[] target, double[] variance, GaussianNllOptions options, Mode mode, double[] outputGradient)
    {
        var reference = Reference.Compute(input, target, variance, options, default, 1, asFloat: false);
        double total = 0;
        for (int i = 0; i < input.Length; i++)
        {
            double weight = mode switch { Mode.Elementwise => Math.Abs(outputGradient[i]), Mode.Mean => 1.0 / input.Length, _ => 1 };
            total += weight * reference.LossMagnitude[i];
        }

        return total;
    }

    /// <summary>v^β per element at the current variance (null for β = 0), computed by the test from the definition.</summary>
    private static double[]? FrozenWeights(double[] input, double[] target, double[] variance, GaussianNllOptions options)
    {
        if (options.Beta == 0)
        {
            return null;
        }

        int n = input.Length;
        int columns = Reference.Columns(options.VarianceLayout, n, variance.Length);
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double p = variance[Reference.VarianceIndex(options.VarianceLayout, i, columns)];
            double v = options.Parametrization switch
            {
                VarianceParametrization.LogVariance => Math.Exp(Math.Max(p, Math.Log(options.Epsilon))),
                VarianceParametrization.StandardDeviation => Math.Max(p * p, options.Epsilon),
                _ => Math.Max(p, options.Epsilon),
            };
            weights[i] = Math.Pow(v, options.Beta);
        }

        return weights;
    }
}
