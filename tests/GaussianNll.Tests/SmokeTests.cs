using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

public class SmokeTests
{
    [Fact]
    public void Forward_OneElement_MatchesFormula()
    {
        double loss = GaussianNllLoss.Forward([1.0], [0.0], [2.0]);
        loss.Should().BeApproximately(0.5 * (System.Math.Log(2.0) + 0.5), 1e-15);
    }
}
