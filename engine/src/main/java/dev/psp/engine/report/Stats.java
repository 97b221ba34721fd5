package dev.psp.engine.report;

/** Sample statistics and Welch's t-test (two-sided), dependency-free. */
public final class Stats {
    private Stats() {}

    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /** Unbiased sample variance (n - 1); NaN for fewer than two samples. */
    public static double variance(double[] x) {
        if (x.length < 2) {
            return Double.NaN;
        }
        double m = mean(x);
        double s = 0;
        for (double v : x) {
            s += (v - m) * (v - m);
        }
        return s / (x.length - 1);
    }

    /** Result of Welch's t-test: statistic, Welch–Satterthwaite degrees of freedom, two-sided p-value. */
    public record TTest(double t, double df, double p) {}

    /** Welch's unequal-variance t-test of mean(a) vs mean(b); needs at least two samples in each. */
    public static TTest welch(double[] a, double[] b) {
        if (a.length < 2 || b.length < 2) {
            throw new IllegalArgumentException("Welch's t-test needs at least two samples on each side");
        }
        double va = variance(a) / a.length;
        double vb = variance(b) / b.length;
        double diff = mean(a) - mean(b);
        double se2 = va + vb;
        if (se2 == 0) {
            // No spread at all: any difference is "certain", none is no evidence.
            return new TTest(diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff), Double.POSITIVE_INFINITY,
                    diff == 0 ? 1.0 : 0.0);
        }
        double t = diff / Math.sqrt(se2);
        double df = se2 * se2 / (va * va / (a.length - 1) + vb * vb / (b.length - 1));
        return new TTest(t, df, twoSidedP(t, df));
    }

    /** Two-sided p-value of Student's t with {@code df} degrees of freedom. */
    public static double twoSidedP(double t, double df) {
        if (Double.isInfinite(t)) {
            return 0;
        }
        if (Double.isInfinite(df)) {
            df = 1e9;
        }
        double x = df / (df + t * t);
        return Math.min(1.0, Math.max(0.0, regIncBeta(df / 2, 0.5, x)));
    }

    /** Quantile of Student's t (e.g. q = 0.995 for a 99% two-sided interval), by bisection on the CDF. */
    public static double tQuantile(double q, double df) {
        double lo = 0;
        double hi = 1e6;
        double target = 2 * (1 - q); // two-sided tail mass beyond |t|
        for (int k = 0; k < 200; k++) {
            double mid = (lo + hi) / 2;
            if (twoSidedP(mid, df) > target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** Half-width of the {@code confidence} (e.g. 0.999) t-interval of the mean; NaN for fewer than two samples. */
    public static double halfWidth(double[] x, double confidence) {
        if (x.length < 2) {
            return Double.NaN;
        }
        return tQuantile(1 - (1 - confidence) / 2, x.length - 1) * Math.sqrt(variance(x) / x.length);
    }

    /** Regularized incomplete beta I_x(a, b) (Numerical Recipes' continued fraction). */
    static double regIncBeta(double a, double b, double x) {
        if (x <= 0) {
            return 0;
        }
        if (x >= 1) {
            return 1;
        }
        double lbeta = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x);
        double front = Math.exp(lbeta);
        if (x < (a + 1) / (a + b + 2)) {
            return front * betacf(a, b, x) / a;
        }
        return 1 - front * betacf(b, a, 1 - x) / b;
    }

    private static double betacf(double a, double b, double x) {
        final double tiny = 1e-300;
        double qab = a + b;
        double qap = a + 1;
        double qam = a - 1;
        double c = 1;
        double d = 1 - qab * x / qap;
        if (Math.abs(d) < tiny) {
            d = tiny;
        }
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 10_000; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = 1 + aa / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) {
                break;
            }
        }
        return h;
    }

    /** Lanczos log-gamma. */
    static double lgamma(double x) {
        double[] g = {676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
        }
        x -= 1;
        double a = 0.99999999999980993;
        double t = x + 7.5;
        for (int k = 0; k < g.length; k++) {
            a += g[k] / (x + k + 1);
        }
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
