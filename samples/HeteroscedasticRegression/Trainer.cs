using System;
using GaussianNll;

namespace HeteroscedasticRegression;

/// <summary>One line of training progress.</summary>
/// <param name="Epoch">The epoch just finished, from 1.</param>
/// <param name="TrainingLoss">The mean minibatch loss over the epoch, as minimized (β-weighted when β &gt; 0, without the ½·ln 2π).</param>
/// <param name="HeldOutNll">The exact mean negative log-likelihood of the held-out set (with ½·ln 2π, never β-weighted).</param>
/// <param name="LearningRate">The learning rate of the epoch's last step.</param>
public readonly record struct EpochProgress(int Epoch, double TrainingLoss, double HeldOutNll, double LearningRate);

/// <summary>What a training run leaves: the network and the data it was trained and judged on.</summary>
public sealed class TrainingResult
{
    internal TrainingResult(MeanVarianceNetwork network, Dataset training, Dataset heldOut, TrainingOptions options, double finalTrainingLoss)
    {
        Network = network;
        Training = training;
        HeldOut = heldOut;
        Options = options;
        FinalTrainingLoss = finalTrainingLoss;
    }

    /// <summary>The trained network.</summary>
    public MeanVarianceNetwork Network { get; }

    /// <summary>The training set.</summary>
    public Dataset Training { get; }

    /// <summary>The held-out set, drawn from the same process with another seed.</summary>
    public Dataset HeldOut { get; }

    /// <summary>The settings of the run.</summary>
    public TrainingOptions Options { get; }

    /// <summary>The mean minibatch loss of the last epoch.</summary>
    public double FinalTrainingLoss { get; }
}

/// <summary>
/// Trains a <see cref="MeanVarianceNetwork"/> by minibatch Adam on the Gaussian negative log-likelihood, with the loss
/// and its gradients with respect to both heads from <see cref="GaussianNllLoss.ForwardBackward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, GaussianNllOptions?)"/>
/// in the <see cref="VarianceParametrization.LogVariance"/> parametrization.
/// </summary>
public static class Trainer
{
    /// <summary>Generates the data, trains the network and returns both.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="progress">Called after the first epoch, every <see cref="TrainingOptions.ProgressInterval"/> epochs and after the last.</param>
    public static TrainingResult Train(TrainingOptions options, Action<EpochProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TrainingCount, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HeldOutCount, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ProgressInterval, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.HiddenUnits, 1, nameof(options));

        // Distinct seeds for the two data sets, the weights and the minibatch order.
        Dataset training = Dataset.Generate(options.TrainingCount, options.Seed);
        Dataset heldOut = Dataset.Generate(options.HeldOutCount, unchecked(options.Seed + 1_000_003));
        var weightRandom = new Random(unchecked(options.Seed + 2_000_003));
        var orderRandom = new Random(unchecked(options.Seed + 3_000_017));

        int batchSize = Math.Min(options.BatchSize, training.Count);
        var network = new MeanVarianceNetwork(options.HiddenUnits, batchSize, weightRandom, initialLogVariance: (float)Math.Log(Variance(training.Y)));
        var adam = new AdamOptimizer(network.ParameterCount);
        var lossOptions = new GaussianNllOptions
        {
            Parametrization = VarianceParametrization.LogVariance,
            Beta = options.Beta,
            Reduction = Reduction.Mean,
        };

        var order = new int[training.Count];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var x = new float[batchSize];
        var y = new float[batchSize];
        var mean = new float[batchSize];
        var logVariance = new float[batchSize];
        var meanGradient = new float[batchSize];
        var logVarianceGradient = new float[batchSize];
        var parameterGradient = new float[network.ParameterCount];
        var heldOutMean = new float[heldOut.Count];
        var heldOutLogVariance = new float[heldOut.Count];

        int stepsPerEpoch = (training.Count + batchSize - 1) / batchSize;
        int totalSteps = stepsPerEpoch * options.Epochs;
        double epochLoss = 0;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            orderRandom.Shuffle(order);
            double lossSum = 0;
            double learningRate = 0;
            for (int start = 0; start < order.Length; start += batchSize)
            {
                int n = Math.Min(batchSize, order.Length - start);
                for (int i = 0; i < n; i++)
                {
                    int index = order[start + i];
                    x[i] = training.X[index];
                    y[i] = training.Y[index];
                }

                network.Forward(x.AsSpan(0, n), mean, logVariance);
                float loss = GaussianNllLoss.ForwardBackward(
                    mean.AsSpan(0, n), y.AsSpan(0, n), logVariance.AsSpan(0, n),
                    meanGradient.AsSpan(0, n), logVarianceGradient.AsSpan(0, n), lossOptions);
                network.Backward(meanGradient.AsSpan(0, n), logVarianceGradient.AsSpan(0, n), parameterGradient);

                learningRate = CosineLearningRate(options, adam.StepCount, totalSteps);
                adam.Step(network.Parameters, parameterGradient, learningRate);
                lossSum += loss;
            }

            epochLoss = lossSum / stepsPerEpoch;
            if (progress is not null && (epoch == 1 || epoch == options.Epochs || epoch % options.ProgressInterval == 0))
            {
                network.Predict(heldOut.X, heldOutMean, heldOutLogVariance);
                double heldOutNll = Evaluator.Nll(heldOutMean, heldOut.Y, heldOutLogVariance);
                progress(new EpochProgress(epoch, epochLoss, heldOutNll, learningRate));
            }
        }

        return new TrainingResult(network, training, heldOut, options, epochLoss);
    }

    /// <summary>The learning rate of step <paramref name="step"/> (from 0): a cosine from the initial to the final rate.</summary>
    public static double CosineLearningRate(TrainingOptions options, int step, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(options);
        double progress = totalSteps <= 1 ? 1 : Math.Clamp((double)step / (totalSteps - 1), 0, 1);
        return options.FinalLearningRate + (0.5 * (options.LearningRate - options.FinalLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }

    private static double Variance(ReadOnlySpan<float> values)
    {
        double mean = 0;
        foreach (float v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double sum = 0;
        foreach (float v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return values.Length > 1 ? sum / (values.Length - 1) : 1;
    }
}
