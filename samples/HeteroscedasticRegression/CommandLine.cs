using System;
using System.Globalization;

namespace HeteroscedasticRegression;

/// <summary>The demo's command-line settings.</summary>
/// <param name="Training">The training settings (β, seed, epochs, and the defaults for the rest).</param>
/// <param name="PlotPath">Where to write the PNG plot.</param>
/// <param name="ShowHelp">Whether <c>--help</c> was given: print <see cref="CommandLine.Usage"/> and stop.</param>
public sealed record CommandLineOptions(TrainingOptions Training, string PlotPath, bool ShowHelp);

/// <summary>Parses <c>--beta</c>, <c>--plot</c>, <c>--epochs</c>, <c>--seed</c> and <c>--help</c>.</summary>
public static class CommandLine
{
    /// <summary>The plot's path when <c>--plot</c> is not given, relative to the working directory (the repository root).</summary>
    public const string DefaultPlotPath = "docs/heteroscedastic-regression.png";

    /// <summary>The help text.</summary>
    public const string Usage =
        """
        Usage: dotnet run -c Release --project samples/HeteroscedasticRegression -- [options]

        Fits a mean and a log-variance network to heteroscedastic data with GaussianNll's loss and gradients.

        Options:
          --beta <value>   β of β-NLL in [0, 1]; 0 (default) is the plain Gaussian NLL, 0.5 the paper's choice.
          --plot <path>    Where to write the PNG plot (default: docs/heteroscedastic-regression.png).
          --epochs <n>     Passes over the training set (default: 300).
          --seed <n>       Seed of the data, the weights and the batch order (default: 7).
          --help           Print this text.
        """;

    /// <summary>Parses the arguments.</summary>
    /// <exception cref="FormatException">An option is unknown, lacks its value or has an invalid one.</exception>
    public static CommandLineOptions Parse(ReadOnlySpan<string> args)
    {
        var training = new TrainingOptions();
        string plotPath = DefaultPlotPath;
        bool help = false;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            switch (name)
            {
                case "--help" or "-h":
                    help = true;
                    break;
                case "--beta":
                    double beta = ParseDouble(name, Value(args, ref i));
                    if (beta is not (>= 0 and <= 1))
                    {
                        throw new FormatException($"--beta must lie in [0, 1], not {beta.ToString(CultureInfo.InvariantCulture)}.");
                    }

                    training = training with { Beta = beta };
                    break;
                case "--plot":
                    plotPath = Value(args, ref i);
                    if (string.IsNullOrWhiteSpace(plotPath))
                    {
                        throw new FormatException("--plot needs a path.");
                    }

                    break;
                case "--epochs":
                    training = training with { Epochs = ParsePositive(name, Value(args, ref i)) };
                    break;
                case "--seed":
                    training = training with { Seed = ParseInt(name, Value(args, ref i)) };
                    break;
                default:
                    throw new FormatException($"Unknown option '{name}'. Try --help.");
            }
        }

        return new CommandLineOptions(training, plotPath, help);
    }

    private static string Value(ReadOnlySpan<string> args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new FormatException($"{args[i]} needs a value.");
        }

        i++;
        return args[i];
    }

    private static double ParseDouble(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result) && double.IsFinite(result)
            ? result
            : throw new FormatException($"{name} needs a number, not '{value}'.");

    private static int ParseInt(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int result)
            ? result
            : throw new FormatException($"{name} needs an integer, not '{value}'.");

    private static int ParsePositive(string name, string value)
    {
        int result = ParseInt(name, value);
        return result >= 1 ? result : throw new FormatException($"{name} must be at least 1, not {result}.");
    }
}
