package dev.psp.engine.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonStatsTest {
    @Test
    void strictParsingRefusesWhatOnlyTheLenientOneTakes() {
        for (String bad : new String[] {"{\"a\": NaN}", "[Infinity]", "[-Infinity]", "{\"a\": 1, \"a\": 2}"}) {
            Json.parse(bad); // tolerated when reading other tools' files
            assertThrows(IllegalArgumentException.class, () -> Json.parseStrict(bad), bad);
        }
        assertEquals(Map.of("a", List.of(1.0, "x", true)), Json.parseStrict(" {\"a\": [1, \"x\", true]} "));
    }

    @Test
    void parsesAndWritesJson() {
        Object v = Json.parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\\\"\"], \"b\": {}, \"c\": []} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of(1.0, -2500.0, true, false), ((List<?>) m.get("a")).subList(0, 4));
        assertEquals("x\u00e9\n\"", ((List<?>) m.get("a")).get(5));
        assertEquals("{\"a\":[1,-2500,true,false,null,\"x\u00e9\\n\\\"\"],\"b\":{},\"c\":[]}", Json.write(v));
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("nan", Double.NaN);
        w.put("arr", new double[] {0.5, 2});
        w.put("tag", "</script>");
        assertEquals("{\"nan\":null,\"arr\":[0.5,2],\"tag\":\"\\u003c/script>\"}", Json.write(w));
        assertEquals(Json.parse(Json.write(w)).toString(), "{nan=null, arr=[0.5, 2.0], tag=</script>}");
        // fixed decimals: the scale is kept
        assertEquals("[0.5000,2000.0000,-0.0100]", Json.write(List.of(new java.math.BigDecimal("0.5000"),
                new java.math.BigDecimal("2000.0000"), new java.math.BigDecimal("-0.0100"))));
    }

    @Test
    void reportsWhereJsonIsBroken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\n \"a\": tru }"));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[1,]"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x"));
        assertThrows(IllegalArgumentException.class, () -> Json.parse("\"open"));
    }

    @Test
    void studentTMatchesTables() {
        assertEquals(2.228, Stats.tQuantile(0.975, 10), 1e-3);
        assertEquals(12.706, Stats.tQuantile(0.975, 1), 1e-3);
        assertEquals(1.960, Stats.tQuantile(0.975, 1e9), 1e-3);
        assertEquals(0.05, Stats.twoSidedP(2.228139, 10), 1e-5);
    }

    @Test
    void welchMatchesR() {
        // scipy.stats.ttest_ind(a, b, equal_var=False): t = 6.563925, df = 7.653530, p = 0.000213822
        Stats.TTest t = Stats.welch(new double[] {10.1, 9.8, 10.3, 10.0, 9.9}, new double[] {9.0, 9.4, 8.8, 9.1, 9.3});
        assertEquals(6.563925, t.t(), 1e-5);
        assertEquals(7.653530, t.df(), 1e-5);
        assertEquals(0.000213822, t.p(), 1e-8);
        assertEquals(1.0, Stats.welch(new double[] {1, 1}, new double[] {1, 1}).p());
        assertEquals(0.0, Stats.welch(new double[] {1, 1}, new double[] {2, 2}).p());
    }
}
