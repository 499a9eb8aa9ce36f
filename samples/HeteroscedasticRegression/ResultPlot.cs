using System;
using System.IO;
using ScottPlot;

namespace HeteroscedasticRegression;

/// <summary>Draws the data, the learned mean with its ±2σ band and the true ±2σ band into a PNG with ScottPlot.</summary>
public static class ResultPlot
{
    /// <summary>Writes the plot of <paramref name="result"/> to <paramref name="path"/>, creating its folder if needed.</summary>
    public static void Save(TrainingResult result, string path, int width = 1000, int height = 620)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);

        double[] xs = Evaluator.Grid(GroundTruth.XMin, GroundTruth.XMax, 401);
        ProfilePoint[] profile = Evaluator.Profile(result.Network, xs);
        var learnedMean = new double[xs.Length];
        var learnedLower = new double[xs.Length];
        var learnedUpper = new double[xs.Length];
        var trueMean = new double[xs.Length];
        var trueLower = new double[xs.Length];
        var trueUpper = new double[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            ProfilePoint p = profile[i];
            learnedMean[i] = p.LearnedMean;
            learnedLower[i] = p.LearnedMean - (2 * p.LearnedSigma);
            learnedUpper[i] = p.LearnedMean + (2 * p.LearnedSigma);
            trueMean[i] = p.TrueMean;
            trueLower[i] = p.TrueMean - (2 * p.TrueSigma);
            trueUpper[i] = p.TrueMean + (2 * p.TrueSigma);
        }

        var dataX = new double[result.Training.Count];
        var dataY = new double[result.Training.Count];
        for (int i = 0; i < dataX.Length; i++)
        {
            dataX[i] = result.Training.X[i];
            dataY[i] = result.Training.Y[i];
        }

        var learnedColor = Color.FromHex("#1f77b4");
        var trueColor = Color.FromHex("#d62728");
        using var plot = new Plot();
        plot.Font.Set("DejaVu Sans"); // ScottPlot picks a serif face on Debian; an absent font falls back to the default

        var band = plot.Add.FillY(xs, learnedLower, learnedUpper);
        band.FillColor = learnedColor.WithAlpha(0.25);
        band.LineWidth = 0;
        band.LegendText = "learned μ ± 2σ";

        var data = plot.Add.ScatterPoints(dataX, dataY);
        data.Color = Colors.Black.WithAlpha(0.22);
        data.MarkerSize = 2.5f;
        data.LegendText = $"training data (n = {dataX.Length})";

        var mean = plot.Add.ScatterLine(xs, learnedMean);
        mean.Color = learnedColor;
        mean.LineWidth = 2.5f;
        mean.LegendText = "learned mean μ(x)";

        var truthMean = plot.Add.ScatterLine(xs, trueMean);
        truthMean.Color = trueColor;
        truthMean.LineWidth = 1.5f;
        truthMean.LinePattern = LinePattern.Dotted;
        truthMean.LegendText = "true mean x·sin x";

        var truthLower = plot.Add.ScatterLine(xs, trueLower);
        truthLower.Color = trueColor;
        truthLower.LineWidth = 1.5f;
        truthLower.LinePattern = LinePattern.Dashed;
        truthLower.LegendText = "true mean ± 2σ(x)";

        var truthUpper = plot.Add.ScatterLine(xs, trueUpper);
        truthUpper.Color = trueColor;
        truthUpper.LineWidth = 1.5f;
        truthUpper.LinePattern = LinePattern.Dashed;

        string loss = result.Options.Beta == 0 ? "Gaussian NLL" : FormattableString.Invariant($"β-NLL, β = {result.Options.Beta:0.##}");
        plot.Title(FormattableString.Invariant($"Heteroscedastic regression: 1-{result.Network.HiddenUnits}-{result.Network.HiddenUnits}-(μ, ln σ²) network trained with {loss}"), size: 16);
        plot.XLabel("x");
        plot.YLabel("y = x·sin x + ε,   ε ~ N(0, 0.01 + 0.09·x²)");
        plot.Legend.Alignment = Alignment.LowerCenter;
        plot.Legend.FontSize = 13;
        plot.ShowLegend();
        plot.Axes.SetLimitsX(GroundTruth.XMin - 0.1, GroundTruth.XMax + 0.1);

        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        plot.SavePng(path, width, height);
    }
}
