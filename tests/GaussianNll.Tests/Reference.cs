using System;

namespace GaussianNll.Tests;

/// <summary>
/// What the reference computes for one call: every element's loss and gradients, the variance gradient of every
/// entry, and, next to each value, the size of the terms it is made of (the scale of any rounding error).
/// </summary>
internal sealed class ReferenceResult
{
    public required double[] Loss { get; init; }

    /// <summary>Per element: the sum of the absolute values of the terms of its loss, times the β-weight's error factor.</summary>
    public required double[] LossMagnitude { get; init; }

    public required double[] InputGradient { get; init; }

    public required double[] InputGradientMagnitude { get; init; }

    /// <summary>Per variance entry: the sum of its covered elements' gradients.</summary>
    public required double[] VarianceGradient { get; init; }

    /// <summary>Per variance entry: the sum of the term sizes of its covered elements' gradients.</summary>
    public required double[] VarianceGradientMagnitude { get; init; }

    /// <summary>Per variance entry: how many elements it covers.</summary>
    public required int[] VarianceCoverage { get; init; }

    /// <summary>The exact-as-possible (compensated) sum of the losses.</summary>
    public required double LossSum { get; init; }

    public required double LossMagnitudeSum { get; init; }

    public int Length => Loss.Length;

    /// <summary>
    /// The same result with every gradient multiplied by <paramref name="scale"/> (for a uniform upstream gradient);
    /// the product adds one double rounding, far below any tolerance. An empty input has zero gradients whatever the
    /// scale (the mean's 1/N is infinite then).
    /// </summary>
    public ReferenceResult Scaled(double scale) => new()
    {
        Loss = Loss,
        LossMagnitude = LossMagnitude,
        InputGradient = Multiply(InputGradient, scale),
        InputGradientMagnitude = Multiply(InputGradientMagnitude, Math.Abs(scale)),
        VarianceGradient = Multiply(VarianceGradient, Length == 0 ? 0 : scale),
        VarianceGradientMagnitude = Multiply(VarianceGradientMagnitude, Length == 0 ? 0 : Math.Abs(scale)),
        VarianceCoverage = VarianceCoverage,
        LossSum = LossSum,
        LossMagnitudeSum = LossMagnitudeSum,
    };

    /// <summary>The reduced loss: the mean (NaN when empty) or the sum.</summary>
    public double Reduced(Reduction reduction) => reduction == Reduction.Mean ? LossSum / Length : LossSum;

    /// <summary>The term size of the reduced loss.</summary>
    public double ReducedMagnitude(Reduction reduction) => reduction == Reduction.Mean ? LossMagnitudeSum / Length : LossMagnitudeSum;

    private static double[] Multiply(double[] values, double factor)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i] * factor;
        }

        return result;
    }
}

/// <summary>
/// A deliberately plain double-precision implementation of the loss and its gradients, written from the definitions
/// (PyTorch's <c>gaussian_nll_loss</c>, its autograd, β-NLL's stop-gradient) and sharing no code with the library:
/// one loop, <see cref="Math.Log(double)"/>, <see cref="Math.Exp"/>, <see cref="Math.Pow"/>, compensated sums.
/// </summary>
internal static class Reference
{
    /// <summary>½·ln(2π), computed rather than copied.</summary>
    public static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>The number of columns of the [rows, columns] view for a layout (Elementwise and Scalar: all in one row).</summary>
    public static int Columns(VarianceLayout layout, int length, int varianceLength) => layout switch
    {
        VarianceLayout.PerRow => varianceLength == 0 ? 0 : length / varianceLength,
        VarianceLayout.PerColumn => varianceLength,
        _ => length,
    };

    /// <summary>The variance entry that covers element <paramref name="i"/>.</summary>
    public static int VarianceIndex(VarianceLayout layout, int i, int columns) => layout switch
    {
        VarianceLayout.Elementwise => i,
        VarianceLayout.PerRow => i / columns,
        VarianceLayout.PerColumn => i % columns,
        _ => 0,
    };

    /// <summary>
    /// Computes everything for one call. <paramref name="outputGradient"/> is the per-element upstream gradient
    /// (BackwardElementwise); when empty, every element's gradient is multiplied by <paramref name="scale"/> instead
    /// (Backward: outputGradient, divided by N for the mean). <paramref name="asFloat"/> rounds ε and ln ε to float,
    /// as the float entry points do.
    /// </summary>
    public static ReferenceResult Compute(
        ReadOnlySpan<double> input,
        ReadOnlySpan<double> target,
        ReadOnlySpan<double> variance,
        GaussianNllOptions options,
        ReadOnlySpan<double> outputGradient,
        double scale,
        bool asFloat)
    {
        int n = input.Length;
        int columns = Columns(options.VarianceLayout, n, variance.Length);
        double eps = asFloat ? (float)options.Epsilon : options.Epsilon;
        double logEps = asFloat ? (float)Math.Log(options.Epsilon) : Math.Log(options.Epsilon);
        double constant = options.Full ? (asFloat ? (float)HalfLogTwoPi : HalfLogTwoPi) : 0;
        double beta = options.Beta;

        var loss = new double[n];
        var lossMagnitude = new double[n];
        var inputGradient = new double[n];
        var inputGradientMagnitude = new double[n];
        var varianceGradientSums = new CompensatedSum[variance.Length];
        var varianceGradientMagnitude = new double[variance.Length];
        var coverage = new int[variance.Length];
        var lossSum = default(CompensatedSum);
        double lossMagnitudeSum = 0;

        for (int i = 0; i < n; i++)
        {
            int k = VarianceIndex(options.VarianceLayout, i, columns);
            double p = variance[k];
            double d = input[i] - target[i];
            double g = outputGradient.IsEmpty ? scale : outputGradient[i];

            double v;
            double logV;
            double chain; // d(v-part)/d(p) factor: the derivative with respect to the caller's number
            bool logParam = options.Parametrization == VarianceParametrization.LogVariance;
            switch (options.Parametrization)
            {
                case VarianceParametrization.LogVariance:
                    double s = double.IsNaN(p) ? p : Math.Max(p, logEps);
                    logV = s;
                    v = Math.Exp(s);
                    chain = double.NaN; // not used
                    break;
                case VarianceParametrization.StandardDeviation:
                    v = Clamp(p * p, eps);
                    logV = Math.Log(v);
                    chain = 2 * p;
                    break;
                default:
                    v = Clamp(p, eps);
                    logV = Math.Log(v);
                    chain = 1;
                    break;
            }

            double weight = beta == 0 ? 1 : (logParam ? Math.Exp(beta * logV) : Math.Pow(v, beta));
            double q = d * d / v;
            double elementLoss = weight * ((0.5 * (logV + q)) + constant);

            // d/dv of ½(ln v + d²/v) = ½(1/v − d²/v²); for s = ln v: ½(1 − d²/v).
            double parameterGradient = logParam
                ? 0.5 * (1 - q)
                : chain * 0.5 * ((1 / v) - (q / v));

            // The error scale: the β-weight v^β = e^(β ln v) turns an absolute error of ln v into a relative one.
            double weightFactor = 1 + (beta * Math.Abs(logV));

            // σ² rounded in T adds an absolute error of ln v, whatever its size.
            double logTermSize = Math.Abs(logV) + (options.Parametrization == VarianceParametrization.StandardDeviation ? 1 : 0);
            double parameterGradientSize = logParam
                ? 0.5 * (1 + q)
                : Math.Abs(chain) * 0.5 * ((1 / v) + (q / v));

            loss[i] = elementLoss;
            lossMagnitude[i] = Math.Abs(weight) * (logTermSize + q + Math.Abs(constant)) * weightFactor;
            inputGradient[i] = g * weight * d / v;
            inputGradientMagnitude[i] = Math.Abs(inputGradient[i]) * weightFactor;
            varianceGradientSums[k].Add(g * weight * parameterGradient);
            varianceGradientMagnitude[k] += Math.Abs(g * weight) * parameterGradientSize * weightFactor;
            coverage[k]++;
            lossSum.Add(elementLoss);
            lossMagnitudeSum += lossMagnitude[i];
        }

        var varianceGradient = new double[variance.Length];
        for (int k = 0; k < variance.Length; k++)
        {
            varianceGradient[k] = varianceGradientSums[k].Value;
        }

        return new ReferenceResult
        {
            Loss = loss,
            LossMagnitude = lossMagnitude,
            InputGradient = inputGradient,
            InputGradientMagnitude = inputGradientMagnitude,
            VarianceGradient = varianceGradient,
            VarianceGradientMagnitude = varianceGradientMagnitude,
            VarianceCoverage = coverage,
            LossSum = lossSum.Value,
            LossMagnitudeSum = lossMagnitudeSum,
        };
    }

    /// <summary>The gradient scale Backward uses: outputGradient, divided by N for the mean.</summary>
    public static double BackwardScale(Reduction reduction, int length, double outputGradient) =>
        reduction == Reduction.Mean ? outputGradient / length : outputGradient;

    /// <summary><c>max(x, eps)</c> that keeps NaN, as PyTorch's clamp does.</summary>
    private static double Clamp(double x, double eps) => x < eps ? eps : x;

    /// <summary>Neumaier's compensated sum: the reference's sums are exact to about one double rounding.</summary>
    private struct CompensatedSum
    {
        private double _sum;
        private double _compensation;

        public readonly double Value => _sum + _compensation;

        public void Add(double x)
        {
            double t = _sum + x;
            _compensation += Math.Abs(_sum) >= Math.Abs(x) ? (_sum - t) + x : (x - t) + _sum;
            _sum = t;
        }
    }
}
