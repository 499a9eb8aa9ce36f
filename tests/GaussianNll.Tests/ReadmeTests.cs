using System;
using System.IO;
using FluentAssertions;
using Xunit;

namespace GaussianNll.Tests;

/// <summary>The README's quick start is the compiled sample, word for word.</summary>
public class ReadmeTests
{
    [Fact]
    public void QuickStart_InReadme_IsTheCompiledSample()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        string sample = File.ReadAllText(Path.Combine(root, "samples", "QuickStart", "Program.cs")).ReplaceLineEndings("\n");

        int section = readme.IndexOf("## Quick start", StringComparison.Ordinal);
        section.Should().BeGreaterThan(0, "the README has a quick start section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);

        readme[start..end].Should().Be(sample);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GaussianNll.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with GaussianNll.sln) was not found above " + AppContext.BaseDirectory);
    }
}
