using System;
using System.Globalization;
using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace GaussianNll.Benchmarks;

/// <summary>The configuration every class of the suite uses: the default one plus <see cref="ElementsPerSecondColumn"/> and <see cref="MemoryLimitFractionColumn"/>.</summary>
public sealed class SuiteConfig : ManualConfig
{
    /// <summary>Adds the suite's columns.</summary>
    public SuiteConfig() => AddColumn(new ElementsPerSecondColumn(), new MemoryLimitFractionColumn());
}

/// <summary>Marks a memory-limit kernel, the yardstick of <see cref="MemoryLimitFractionColumn"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class MemoryLimitKernelAttribute : Attribute;

/// <summary>
/// Says that a benchmark runs on whole rows of <see cref="Columns"/>: its <c>Size</c> is rounded down to a multiple
/// of them (see <see cref="Workload{T}.ElementCount"/>), which <see cref="ElementsPerSecondColumn"/> takes into account.
/// </summary>
/// <param name="columns">The columns of a row.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RowsOfAttribute(int columns) : Attribute
{
    /// <summary>The columns of a row.</summary>
    public int Columns { get; } = columns;
}

/// <summary>
/// Throughput in billions of elements per second: the number of elements a call processes (its <c>Size</c>
/// parameter, rounded down to whole rows for <see cref="RowsOfAttribute"/>) divided by its mean time.
/// </summary>
public sealed class ElementsPerSecondColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(ElementsPerSecondColumn);

    /// <inheritdoc/>
    public string ColumnName => "Gelem/s";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 0;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => "Throughput: elements processed per second, in billions (elements / Mean)";

    /// <summary>The number of elements one call of a benchmark processes, or <see langword="null"/> if it has no <c>Size</c>.</summary>
    public static long? Elements(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        if (benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Size")?.Value is not int size)
        {
            return null;
        }

        int columns = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<RowsOfAttribute>()?.Columns ?? 0;
        return Workload<float>.ElementCount(size, columns);
    }

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        long? elements = Elements(benchmarkCase);
        return mean is > 0 && elements is long count
            ? (count / mean.Value).ToString("0.000", style?.CultureInfo ?? CultureInfo.InvariantCulture)
            : "-";
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;
}

/// <summary>
/// Speed as a fraction of the memory limit: the mean time of the faster <see cref="MemoryLimitKernelAttribute"/>
/// benchmark of the same class, parameters and job, divided by this benchmark's mean time. 1 means as fast as
/// merely moving the bytes; the targets are stated in it.
/// </summary>
public sealed class MemoryLimitFractionColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(MemoryLimitFractionColumn);

    /// <inheritdoc/>
    public string ColumnName => "vs MemLimit";

    /// <inheritdoc/>
    public bool AlwaysShow => true;

    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc/>
    public int PriorityInCategory => 1;

    /// <inheritdoc/>
    public bool IsNumeric => true;

    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc/>
    public string Legend => "Speed as a fraction of the faster memory-limit kernel on the same arrays (its Mean / this Mean; 1 = moving the bytes, no math)";

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        double? mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        double? limit = summary.BenchmarksCases
            .Where(c => IsMemoryLimit(c)
                && c.Descriptor.Type == benchmarkCase.Descriptor.Type
                && c.Parameters.ValueInfo == benchmarkCase.Parameters.ValueInfo
                && c.Job.DisplayInfo == benchmarkCase.Job.DisplayInfo)
            .Select(c => summary[c]?.ResultStatistics?.Mean)
            .Where(m => m > 0)
            .Min();
        return mean is > 0 && limit is double fastest
            ? (fastest / mean.Value).ToString("0.00", style?.CultureInfo ?? CultureInfo.InvariantCulture)
            : "-";
    }

    /// <inheritdoc/>
    public bool IsAvailable(Summary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return summary.BenchmarksCases.Any(IsMemoryLimit);
    }

    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc/>
    public override string ToString() => ColumnName;

    private static bool IsMemoryLimit(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<MemoryLimitKernelAttribute>() is not null;
}
