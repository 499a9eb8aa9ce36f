using GaussianNll;

// Predicted means and variances for 6 targets, viewed as 2 rows of 3 columns.
float[] mean = [0.9f, 2.1f, 2.8f, -0.2f, 0.1f, 0.3f];
float[] target = [1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.0f];
float[] variance = [0.5f, 0.5f, 0.5f, 0.1f, 0.2f, 0.3f];

// PyTorch: F.gaussian_nll_loss(mean, target, variance)  (reduction='mean', eps=1e-6, full=False)
float loss = GaussianNllLoss.Forward(mean, target, variance);

// A training step: the loss and both gradients in one pass over memory.
float[] gradMean = new float[mean.Length];
float[] gradVariance = new float[variance.Length];
loss = GaussianNllLoss.ForwardBackward(mean, target, variance, gradMean, gradVariance);

// One variance per row, the exact negative log-likelihood (full=True), summed.
var options = new GaussianNllOptions { VarianceLayout = VarianceLayout.PerRow, Full = true, Reduction = Reduction.Sum };
float[] rowVariance = [0.5f, 0.2f];
float nll = GaussianNllLoss.Forward(mean, target, rowVariance, options);

Console.WriteLine($"loss {loss:F4}, dL/dmean[0] {gradMean[0]:F4}, dL/dvar[0] {gradVariance[0]:F4}, summed NLL {nll:F4}");
