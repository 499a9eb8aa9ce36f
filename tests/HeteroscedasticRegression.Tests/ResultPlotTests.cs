using System;
using System.IO;
using FluentAssertions;
using Xunit;

namespace HeteroscedasticRegression.Tests;

public sealed class ResultPlotTests
{
    [Fact]
    public void Save_WritesAPngAndCreatesTheFolder()
    {
        TrainingResult result = Trainer.Train(new TrainingOptions { TrainingCount = 200, HeldOutCount = 50, Epochs = 1 });
        string folder = Path.Combine(Path.GetTempPath(), "hetero-plot-" + Guid.NewGuid().ToString("N"));
        string path = Path.Combine(folder, "nested", "plot.png");
        try
        {
            ResultPlot.Save(result, path, width: 400, height: 300);

            byte[] bytes = File.ReadAllBytes(path);
            bytes.Length.Should().BeGreaterThan(1000);
            bytes[..8].Should().Equal(0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
