using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using FluentAssertions;
using Xunit;
using Xunit.Abstractions;

namespace GaussianNll.Tests;

/// <summary>
/// CI runs the suite four times, forcing the Vector512, Vector256, Vector128 and scalar paths with runtime
/// configuration variables. This test proves a forced run is forced: whenever a variable that disables a width is
/// set, that width (and every wider one) must report no hardware acceleration.
/// </summary>
/// <remarks>
/// Measured on .NET 10.0 (x64, AVX-512 machine):
/// <list type="bullet">
/// <item><c>DOTNET_EnableAVX512=0</c> turns Vector512 off (Vector256 path). <c>DOTNET_EnableAVX512F=0</c> is
/// ignored by .NET 10, which groups the AVX-512 subsets under EnableAVX512; the test still expects it to turn
/// Vector512 off, so a run that relies on it fails here instead of silently testing the Vector512 path again.</item>
/// <item><c>DOTNET_PreferredVectorBitWidth=256</c> also turns Vector512 off; <c>=128</c> also Vector256.</item>
/// <item><c>DOTNET_EnableAVX2=0</c> or <c>DOTNET_EnableAVX=0</c> (or <c>DOTNET_EnableSSE42=0</c>) leaves only
/// Vector128 (Vector128 path).</item>
/// <item><c>DOTNET_EnableHWIntrinsic=0</c> turns every width off (scalar path).</item>
/// </list>
/// Each also works with the legacy <c>COMPlus_</c> prefix.
/// </remarks>
public class SimdPathTests(ITestOutputHelper output)
{
    /// <summary>Variables that, set to 0, cap the widest accelerated vector at the given number of bits.</summary>
    private static readonly (string Name, int MaxBits, bool X86Only)[] Disablers =
    [
        ("EnableHWIntrinsic", 0, false),
        ("EnableSSE42", 128, true),
        ("EnableAVX", 128, true),
        ("EnableAVX2", 128, true),
        ("EnableAVX512", 256, true),
        ("EnableAVX512F", 256, true),
    ];

    [Fact]
    public void VectorIsHardwareAccelerated_ForcedByEnvironment_IsOff()
    {
        bool x86 = RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.X86;
        int maxBits = int.MaxValue;
        var reasons = new List<string>();
        foreach (var (name, bits, x86Only) in Disablers)
        {
            if ((!x86Only || x86) && (IsZero("DOTNET_" + name) || IsZero("COMPlus_" + name)))
            {
                maxBits = Math.Min(maxBits, bits);
                reasons.Add($"{name}=0");
            }
        }

        foreach (string prefix in new[] { "DOTNET_", "COMPlus_" })
        {
            // Read as a decimal number of bits (256 turns Vector512 off, as measured).
            string? width = Environment.GetEnvironmentVariable(prefix + "PreferredVectorBitWidth");
            if (width is not null && int.TryParse(width, NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits) && bits > 0)
            {
                maxBits = Math.Min(maxBits, bits);
                reasons.Add($"{prefix}PreferredVectorBitWidth={width}");
            }
        }

        string state = $"Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated} "
            + $"({RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.FrameworkDescription}); forced: {(reasons.Count == 0 ? "nothing" : string.Join(", ", reasons))}";
        output.WriteLine(state);

        if (maxBits < 512)
        {
            Vector512.IsHardwareAccelerated.Should().BeFalse($"{string.Join(", ", reasons)} must turn Vector512 off ({state})");
        }

        if (maxBits < 256)
        {
            Vector256.IsHardwareAccelerated.Should().BeFalse($"{string.Join(", ", reasons)} must turn Vector256 off ({state})");
        }

        if (maxBits < 128)
        {
            Vector128.IsHardwareAccelerated.Should().BeFalse($"{string.Join(", ", reasons)} must turn Vector128 off ({state})");
        }
    }

    private static bool IsZero(string variable) => Environment.GetEnvironmentVariable(variable)?.Trim() == "0";
}
