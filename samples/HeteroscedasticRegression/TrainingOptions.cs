using System;

namespace HeteroscedasticRegression;

/// <summary>The settings of one training run. The defaults are the demo's; the tests use a shorter run.</summary>
public sealed record TrainingOptions
{
    /// <summary>The seed of the data, the initial weights and the minibatch order.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>The number of training samples.</summary>
    public int TrainingCount { get; init; } = 8000;

    /// <summary>The number of held-out samples, used for the NLL and the calibration.</summary>
    public int HeldOutCount { get; init; } = 10000;

    /// <summary>The width of both hidden layers.</summary>
    public int HiddenUnits { get; init; } = 32;

    /// <summary>The number of passes over the training set.</summary>
    public int Epochs { get; init; } = 300;

    /// <summary>The minibatch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's learning rate at the start; it decays along a cosine to <see cref="FinalLearningRate"/>.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>The learning rate at the end of the cosine schedule.</summary>
    public double FinalLearningRate { get; init; } = 1e-4;

    /// <summary>β of β-NLL: 0 for the plain Gaussian NLL, 0.5 as the paper recommends.</summary>
    public double Beta
    {
        get;
        init => field = value is >= 0 and <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Beta), value, "Beta must lie in [0, 1].");
    }

    /// <summary>How often, in epochs, to report progress (the first and last epochs are always reported).</summary>
    public int ProgressInterval { get; init; } = 25;
}
