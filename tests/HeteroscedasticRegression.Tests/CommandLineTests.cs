using System;
using FluentAssertions;
using Xunit;

namespace HeteroscedasticRegression.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Parse_NoArguments_GivesTheDemoDefaults()
    {
        CommandLineOptions options = CommandLine.Parse([]);

        options.Training.Should().Be(new TrainingOptions());
        options.Training.Beta.Should().Be(0);
        options.PlotPath.Should().Be("docs/heteroscedastic-regression.png");
        options.ShowHelp.Should().BeFalse();
    }

    [Fact]
    public void Parse_AllOptions_SetsEach()
    {
        CommandLineOptions options = CommandLine.Parse(["--beta", "0.5", "--plot", "out/p.png", "--epochs", "40", "--seed", "-3"]);

        options.Training.Beta.Should().Be(0.5);
        options.Training.Epochs.Should().Be(40);
        options.Training.Seed.Should().Be(-3);
        options.PlotPath.Should().Be("out/p.png");
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Parse_Help_AsksForHelp(string flag) => CommandLine.Parse([flag]).ShowHelp.Should().BeTrue();

    [Theory]
    [InlineData("--beta")]
    [InlineData("--beta", "abc")]
    [InlineData("--beta", "1.5")]
    [InlineData("--beta", "-0.1")]
    [InlineData("--beta", "NaN")]
    [InlineData("--plot")]
    [InlineData("--plot", " ")]
    [InlineData("--epochs", "0")]
    [InlineData("--epochs", "2.5")]
    [InlineData("--seed", "x")]
    [InlineData("--frobnicate")]
    [InlineData("0.5")]
    public void Parse_BadArguments_ThrowsFormatException(params string[] args)
    {
        Action parse = () => CommandLine.Parse(args);

        parse.Should().Throw<FormatException>();
    }

    [Fact]
    public void Parse_Beta_IsReadInvariantly()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = new System.Globalization.CultureInfo("de-DE");
            CommandLine.Parse(["--beta", "0.25"]).Training.Beta.Should().Be(0.25);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }
}
