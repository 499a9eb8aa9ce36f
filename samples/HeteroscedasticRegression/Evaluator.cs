using System;
using GaussianNll;

namespace HeteroscedasticRegression;

/// <summary>The held-out scores of a trained network, beside those of the true model.</summary>
/// <param name="HeldOutNll">The mean exact negative log-likelihood of the held-out targets under the network.</param>
/// <param name="TrueModelNll">The same under the true mean and variance: the best any model can expect.</param>
/// <param name="WithinOneSigma">The share of held-out targets within μ ± σ of the network's prediction (≈ 0.683 if calibrated).</param>
/// <param name="WithinTwoSigma">The share within μ ± 2σ (≈ 0.954 if calibrated).</param>
/// <param name="TrueWithinOneSigma">The share within the true mean ± the true σ: the sampling noise of the ideal.</param>
/// <param name="TrueWithinTwoSigma">The share within the true mean ± 2 true σ.</param>
public readonly record struct EvaluationReport(
    double HeldOutNll,
    double TrueModelNll,
    double WithinOneSigma,
    double WithinTwoSigma,
    double TrueWithinOneSigma,
    double TrueWithinTwoSigma);

/// <summary>The true and the learned mean and standard deviation at one input.</summary>
public readonly record struct ProfilePoint(double X, double TrueMean, double LearnedMean, double TrueSigma, double LearnedSigma)
{
    /// <summary>The learned σ over the true σ.</summary>
    public double SigmaRatio => LearnedSigma / TrueSigma;
}

/// <summary>Scores a trained network on held-out data and compares it with <see cref="GroundTruth"/>.</summary>
public static class Evaluator
{
    private static readonly GaussianNllOptions ExactNll = new()
    {
        Parametrization = VarianceParametrization.LogVariance,
        Reduction = Reduction.Mean,
        Full = true,
    };

    /// <summary>The mean exact Gaussian negative log-likelihood (with ½·ln 2π) of targets under means and log-variances.</summary>
    public static double Nll(ReadOnlySpan<float> mean, ReadOnlySpan<float> target, ReadOnlySpan<float> logVariance) =>
        GaussianNllLoss.Forward(mean, target, logVariance, ExactNll);

    /// <summary>Scores <paramref name="network"/> on <paramref name="heldOut"/>: NLL and calibration, beside the true model's.</summary>
    public static EvaluationReport Evaluate(MeanVarianceNetwork network, Dataset heldOut)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(heldOut);

        var mean = new float[heldOut.Count];
        var logVariance = new float[heldOut.Count];
        network.Predict(heldOut.X, mean, logVariance);
        (float[] trueMean, float[] trueLogVariance) = heldOut.TrueParameters();

        (double one, double two) = Coverage(mean, logVariance, heldOut.Y);
        (double trueOne, double trueTwo) = Coverage(trueMean, trueLogVariance, heldOut.Y);
        return new EvaluationReport(
            Nll(mean, heldOut.Y, logVariance),
            Nll(trueMean, heldOut.Y, trueLogVariance),
            one,
            two,
            trueOne,
            trueTwo);
    }

    /// <summary>The true and learned mean and σ at each of <paramref name="xs"/>.</summary>
    public static ProfilePoint[] Profile(MeanVarianceNetwork network, ReadOnlySpan<double> xs)
    {
        ArgumentNullException.ThrowIfNull(network);
        var input = new float[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            input[i] = (float)xs[i];
        }

        var mean = new float[xs.Length];
        var logVariance = new float[xs.Length];
        network.Predict(input, mean, logVariance);

        var points = new ProfilePoint[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            double x = xs[i];
            points[i] = new ProfilePoint(x, GroundTruth.Mean(x), mean[i], GroundTruth.Sigma(x), Math.Exp(0.5 * logVariance[i]));
        }

        return points;
    }

    /// <summary><paramref name="count"/> evenly spaced points from <paramref name="from"/> to <paramref name="to"/>, both included.</summary>
    public static double[] Grid(double from, double to, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        var xs = new double[count];
        for (int i = 0; i < count; i++)
        {
            xs[i] = from + ((to - from) * i / (count - 1));
        }

        return xs;
    }

    /// <summary>The shares of targets within one and two standard deviations of the predicted mean.</summary>
    private static (double One, double Two) Coverage(ReadOnlySpan<float> mean, ReadOnlySpan<float> logVariance, ReadOnlySpan<float> target)
    {
        int one = 0;
        int two = 0;
        for (int i = 0; i < target.Length; i++)
        {
            double z = Math.Abs(target[i] - mean[i]) / Math.Exp(0.5 * logVariance[i]);
            if (z <= 1)
            {
                one++;
            }

            if (z <= 2)
            {
                two++;
            }
        }

        return ((double)one / target.Length, (double)two / target.Length);
    }
}
