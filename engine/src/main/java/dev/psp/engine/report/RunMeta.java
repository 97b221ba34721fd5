package dev.psp.engine.report;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where, when and on what a run was taken (the "meta" object). Unknown fields are null; {@code dirty} is null
 * when unknown.
 */
public record RunMeta(String commit, Boolean dirty, String time, String host, String cpuModel, List<String> cpuFlags,
                      Integer cores, String kernel, String jdk, Map<String, String> backends, String commandLine) {

    public RunMeta {
        cpuFlags = cpuFlags == null ? List.of() : List.copyOf(cpuFlags);
        backends = backends == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(backends));
    }

    public static RunMeta empty() {
        return new RunMeta(null, null, null, null, null, List.of(), null, null, null, Map.of(), null);
    }

    /** The run time as an instant, or null when absent or unparseable (ISO-8601 or epoch seconds/millis). */
    public Instant instant() {
        if (time == null) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(time).toInstant();
            } catch (DateTimeParseException e2) {
                try {
                    double d = Double.parseDouble(time);
                    return d > 1e11 ? Instant.ofEpochMilli((long) d) : Instant.ofEpochSecond((long) d);
                } catch (NumberFormatException e3) {
                    return null;
                }
            }
        }
    }

    /** Short commit (12 chars) plus "+dirty" when dirty, or "?" when unknown. */
    public String shortCommit() {
        String c = commit == null || commit.isBlank() ? "?" : commit.length() > 12 ? commit.substring(0, 12) : commit;
        return Boolean.TRUE.equals(dirty) ? c + "+dirty" : c;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("commit", commit);
        m.put("dirty", dirty);
        m.put("time", time);
        m.put("host", host);
        m.put("cpuModel", cpuModel);
        m.put("cpuFlags", cpuFlags);
        m.put("cores", cores);
        m.put("kernel", kernel);
        m.put("jdk", jdk);
        m.put("backends", backends);
        m.put("commandLine", commandLine);
        return m;
    }

    static RunMeta fromJson(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            return empty();
        }
        List<String> flags = new ArrayList<>();
        Object f = m.get("cpuFlags");
        if (f instanceof String s) {
            for (String t : s.trim().split("[\\s,]+")) {
                if (!t.isEmpty()) {
                    flags.add(t);
                }
            }
        } else if (f instanceof List<?> l) {
            for (Object x : l) {
                flags.add(String.valueOf(x));
            }
        }
        Map<String, String> backends = new LinkedHashMap<>();
        if (m.get("backends") instanceof Map<?, ?> b) {
            b.forEach((k, v) -> backends.put(String.valueOf(k), v == null ? null : str(v)));
        }
        Object t = m.get("time");
        Object cores = m.get("cores");
        Object dirty = m.get("dirty");
        Object cmd = m.get("commandLine");
        if (cmd instanceof List<?> l) {
            cmd = String.join(" ", l.stream().map(String::valueOf).toList());
        }
        return new RunMeta(str(m.get("commit")), dirty instanceof Boolean bo ? bo : null,
                t == null ? null : str(t), str(m.get("host")), str(m.get("cpuModel")), flags,
                cores instanceof Number n ? n.intValue() : null, str(m.get("kernel")), str(m.get("jdk")), backends,
                str(cmd));
    }

    private static String str(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return Long.toString(d.longValue());
        }
        return o.toString();
    }
}
