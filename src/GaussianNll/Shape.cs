using System;
using System.Runtime.CompilerServices;

namespace GaussianNll;

/// <summary>
/// How one call's elements are cut into chunks: elements for the elementwise and scalar layouts, whole rows for the
/// per-row and per-column layouts. The cut depends only on the layout and the lengths.
/// </summary>
internal readonly struct Shape
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Shape(VarianceLayout layout, int length, int varianceLength)
    {
        Length = length;
        bool byRows = layout is VarianceLayout.PerRow or VarianceLayout.PerColumn;
        Columns = layout switch
        {
            VarianceLayout.PerRow => varianceLength == 0 ? 0 : length / varianceLength,
            VarianceLayout.PerColumn => varianceLength,
            _ => length,
        };
        Units = layout switch
        {
            // A per-row variance fixes the number of rows even when the rows are empty.
            VarianceLayout.PerRow => varianceLength,
            VarianceLayout.PerColumn => Columns == 0 ? 0 : length / Columns,
            _ => length,
        };
        UnitsPerChunk = byRows ? Math.Max(1, GaussianNllCore.ChunkSize / Math.Max(Columns, 1)) : GaussianNllCore.ChunkSize;

        // Units / UnitsPerChunk rounded up; the element layouts divide by a constant (a shift), every call pays it.
        Chunks = Units == 0 ? 0 : 1 + ((Units - 1) / (byRows ? UnitsPerChunk : GaussianNllCore.ChunkSize));
    }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The number of columns of a row (the whole length for the elementwise and scalar layouts).</summary>
    public int Columns { get; }

    /// <summary>The number of units chunks are made of: rows, or elements.</summary>
    public int Units { get; }

    /// <summary>The units in one chunk (the last may have fewer).</summary>
    public int UnitsPerChunk { get; }

    /// <summary>The number of chunks.</summary>
    public int Chunks { get; }
}
