using System;

namespace HeteroscedasticRegression;

/// <summary>A set of (x, y) samples drawn from <see cref="GroundTruth"/>.</summary>
public sealed class Dataset
{
    private readonly float[] _x;
    private readonly float[] _y;

    private Dataset(float[] x, float[] y)
    {
        _x = x;
        _y = y;
    }

    /// <summary>The number of samples.</summary>
    public int Count => _x.Length;

    /// <summary>The inputs.</summary>
    public ReadOnlySpan<float> X => _x;

    /// <summary>The noisy targets.</summary>
    public ReadOnlySpan<float> Y => _y;

    /// <summary>
    /// Draws <paramref name="count"/> samples: x uniform in [<see cref="GroundTruth.XMin"/>, <see cref="GroundTruth.XMax"/>],
    /// y = f(x) + σ(x)·z with z standard normal. The same seed always gives the same data.
    /// </summary>
    public static Dataset Generate(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(seed);
        var x = new float[count];
        var y = new float[count];
        for (int i = 0; i < count; i++)
        {
            double xi = GroundTruth.XMin + ((GroundTruth.XMax - GroundTruth.XMin) * random.NextDouble());
            x[i] = (float)xi;
            y[i] = (float)(GroundTruth.Mean(xi) + (GroundTruth.Sigma(xi) * StandardNormal(random)));
        }

        return new Dataset(x, y);
    }

    /// <summary>The true mean and log-variance at every input, for the NLL of the true model.</summary>
    public (float[] Mean, float[] LogVariance) TrueParameters()
    {
        var mean = new float[Count];
        var logVariance = new float[Count];
        for (int i = 0; i < Count; i++)
        {
            mean[i] = (float)GroundTruth.Mean(_x[i]);
            logVariance[i] = (float)GroundTruth.LogVariance(_x[i]);
        }

        return (mean, logVariance);
    }

    /// <summary>A standard normal draw by the Box–Muller transform (one of the pair; simple and deterministic).</summary>
    internal static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // (0, 1]: the logarithm stays finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
