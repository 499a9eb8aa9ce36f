using System;
using System.Diagnostics;
using System.Globalization;
using HeteroscedasticRegression;

// Parses the arguments, trains, prints and plots; the work itself is in the sample's public classes.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var stopwatch = Stopwatch.StartNew();

CommandLineOptions commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine();
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

if (commandLine.ShowHelp)
{
    Console.WriteLine(CommandLine.Usage);
    return 0;
}

TrainingOptions options = commandLine.Training;
string loss = options.Beta == 0 ? "Gaussian NLL" : $"β-NLL with β = {options.Beta:0.###}";
Console.WriteLine("Heteroscedastic regression with GaussianNll");
Console.WriteLine("  data:     y = x·sin(x) + ε,  ε ~ N(0, σ(x)²),  σ(x)² = 0.01 + 0.09·x²,  x uniform in [−4, 4]");
Console.WriteLine($"            {options.TrainingCount} training and {options.HeldOutCount} held-out samples, seed {options.Seed}");
Console.WriteLine($"  network:  1 → {options.HiddenUnits} tanh → {options.HiddenUnits} tanh → (mean μ, log-variance ln σ²)");
Console.WriteLine($"  training: {loss} (GaussianNllLoss.ForwardBackward, log-variance), Adam, batch {options.BatchSize}, {options.Epochs} epochs,");
Console.WriteLine($"            learning rate {options.LearningRate:G3} → {options.FinalLearningRate:G3} (cosine)");
Console.WriteLine();
Console.WriteLine("  epoch   train loss   held-out NLL   time");
TrainingResult result = Trainer.Train(options, p =>
    Console.WriteLine($"  {p.Epoch,5}   {p.TrainingLoss,10:F4}   {p.HeldOutNll,12:F4}   {stopwatch.Elapsed.TotalSeconds,4:F1} s"));
Console.WriteLine("  (train loss: the minimized loss, without ½·ln 2π" + (options.Beta == 0 ? "" : ", β-weighted") + "; held-out NLL: exact, per sample)");

Console.WriteLine();
Console.WriteLine("  True and learned mean and standard deviation:");
Console.WriteLine("      x    true μ   learned μ    true σ   learned σ   σ ratio");
foreach (ProfilePoint p in Evaluator.Profile(result.Network, Evaluator.Grid(GroundTruth.XMin, GroundTruth.XMax, 17)))
{
    Console.WriteLine($"  {p.X,5:F1}   {p.TrueMean,7:F3}   {p.LearnedMean,9:F3}   {p.TrueSigma,7:F3}   {p.LearnedSigma,9:F3}   {p.SigmaRatio,7:F3}");
}

EvaluationReport report = Evaluator.Evaluate(result.Network, result.HeldOut);
Console.WriteLine();
Console.WriteLine($"  Held-out NLL per sample: {report.HeldOutNll:F4}   true model: {report.TrueModelNll:F4}   gap: {report.HeldOutNll - report.TrueModelNll:F4}");
Console.WriteLine($"  Calibration on {result.HeldOut.Count} held-out targets:");
Console.WriteLine($"    within μ ± 1σ: {100 * report.WithinOneSigma,5:F1}%   (true model {100 * report.TrueWithinOneSigma:F1}%; a calibrated model ≈ 68.3%)");
Console.WriteLine($"    within μ ± 2σ: {100 * report.WithinTwoSigma,5:F1}%   (true model {100 * report.TrueWithinTwoSigma:F1}%; a calibrated model ≈ 95.4%)");

ResultPlot.Save(result, commandLine.PlotPath);
Console.WriteLine();
Console.WriteLine($"  Plot written to {commandLine.PlotPath}");
Console.WriteLine($"  Done in {stopwatch.Elapsed.TotalSeconds:F1} s.");
return 0;
