namespace VmLab.Linux.Timing;

/// <summary>The middle of a set of samples: median and quartiles (linear interpolation between order statistics).
/// The interquartile range (Q3 - Q1) is how much of the spread the middle half covers.</summary>
public sealed record Spread(double Median, double Q1, double Q3)
{
    /// <summary>The median and quartiles of <paramref name="samples"/>; all zero when there are none.</summary>
    public static Spread Of(IEnumerable<double> samples)
    {
        var s = samples.Where(x => !double.IsNaN(x)).Order().ToArray();
        if (s.Length == 0)
            return new Spread(0, 0, 0);
        return new Spread(Quantile(s, 0.5), Quantile(s, 0.25), Quantile(s, 0.75));
    }

    /// <summary>Quantile <paramref name="q"/> of sorted samples, interpolated between neighbours.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>"1.8x (IQR 1.2-2.4)": a ratio and where its middle half lies.</summary>
    public string AsRatio() => FormattableString.Invariant($"{Median:0.00}x (IQR {Q1:0.00}-{Q3:0.00})");
}
