package dev.psp.engine.report;

import java.util.List;

/**
 * One run: its metadata and results, as loaded from {@code source} written in {@code format}
 * ("psp-bench/1", "psp-results/1" or "jmh").
 */
public record ResultSet(String format, String source, RunMeta meta, List<BenchResult> results) {
    public ResultSet {
        results = List.copyOf(results);
        meta = meta == null ? RunMeta.empty() : meta;
    }

    /** Label for charts and tables: short commit, else the source file name. */
    public String label() {
        if (meta.commit() != null && !meta.commit().isBlank()) {
            return meta.shortCommit();
        }
        if (source == null) {
            return "?";
        }
        String s = source.replace('\\', '/');
        s = s.substring(s.lastIndexOf('/') + 1);
        return s.endsWith(".json") ? s.substring(0, s.length() - 5) : s;
    }
}
