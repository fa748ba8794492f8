namespace VmLab.Linux.Timing;

/// <summary>A cost that grows linearly with size: <c>FixedNs + NsPerByte x bytes</c>.</summary>
public sealed record LinearCost(double FixedNs, double NsPerByte)
{
    /// <summary>The predicted nanoseconds at <paramref name="bytes"/> bytes.</summary>
    public double At(double bytes) => FixedNs + NsPerByte * bytes;

    /// <summary>
    /// Fits the line to (bytes, ns) points by least squares on relative error (weights 1/ns²), so a sweep from
    /// kilobytes to megabytes is not fitted to its largest sizes alone. Neither term may be negative (a term
    /// that would be is held at zero and the other refitted). One point fixes only one term:
    /// <paramref name="onePoint"/> says which (a fixed cost, or a per-byte cost).
    /// </summary>
    public static LinearCost Fit(IReadOnlyList<(double Bytes, double Ns)> points, OnePoint onePoint)
    {
        var p = points.Where(x => x.Ns > 0 && x.Bytes > 0).ToArray();
        if (p.Length == 0)
            return new LinearCost(0, 0);
        if (p.Select(x => x.Bytes).Distinct().Count() == 1)
        {
            double ns = Spread.Of(p.Select(x => x.Ns)).Median;
            return onePoint == OnePoint.Fixed ? new LinearCost(ns, 0) : new LinearCost(0, ns / p[0].Bytes);
        }
        double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        foreach (var (x, y) in p)
        {
            double w = 1 / (y * y);
            sw += w; sx += w * x; sy += w * y; sxx += w * x * x; sxy += w * x * y;
        }
        double det = sw * sxx - sx * sx;
        double b = (sw * sxy - sx * sy) / det;
        double a = (sy - b * sx) / sw;
        if (a < 0)
            return new LinearCost(0, sxy / sxx);
        if (b < 0)
            return new LinearCost(sy / sw, 0);
        return new LinearCost(a, b);
    }

    /// <summary>Which term a single size determines.</summary>
    public enum OnePoint
    {
        /// <summary>A single size gives a fixed cost: the line is flat at the median.</summary>
        Fixed,
        /// <summary>A single size gives a per-byte cost: the line goes through the origin and the median.</summary>
        PerByte,
    }

    /// <summary>
    /// The smallest size from which <paramref name="cheap"/> x <paramref name="factor"/> costs less than
    /// <paramref name="costly"/> (factor 1: the crossover; 2: where it is twice as fast). 0 when that holds at
    /// every size, null when at no size.
    /// </summary>
    public static double? WinsFrom(LinearCost costly, LinearCost cheap, double factor = 1)
    {
        double slope = costly.NsPerByte - factor * cheap.NsPerByte;       // how fast the gap grows per byte
        double gap0 = costly.FixedNs - factor * cheap.FixedNs;            // the gap at size 0
        if (slope <= 0)
            return gap0 > 0 && slope == 0 ? 0 : null;
        return Math.Max(0, -gap0 / slope);
    }
}
