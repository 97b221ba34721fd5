/* psp report: draws the charts and tables from the inlined JSON (see HtmlReport.java). */
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('data').textContent);
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf',
    '#bcbd22', '#7f7f7f', '#393b79', '#ad494a'];
  var MAX_SERIES = 12;
  var plots = [];
  var main = document.getElementById('main');
  var runs = D.runs;
  var latest = runs[runs.length - 1];
  /* Per key, the result of the newest run that has it: several files (e.g. psp bench and JMH) combine. */
  var current = (function () {
    var seen = {}, out = [];
    for (var i = runs.length - 1; i >= 0; i--) {
      runs[i].results.forEach(function (r) { if (!seen[r.key]) { seen[r.key] = true; out.push(Object.assign({ run: runs[i].label }, r)); } });
    }
    return out.reverse();
  })();

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function section(title, note) {
    main.appendChild(el('h2', null, title));
    if (note) main.appendChild(el('p', 'note', note));
    var g = el('div', 'grid');
    main.appendChild(g);
    return g;
  }
  function fmt(v) {
    if (v == null || isNaN(v)) return '-';
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e7 || a < 1e-3)) return v.toExponential(3);
    return String(+v.toFixed(a >= 100 ? 1 : a >= 1 ? 3 : 4));
  }
  function si(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return +(v / 1e9).toFixed(2) + 'G';
    if (a >= 1e6) return +(v / 1e6).toFixed(2) + 'M';
    if (a >= 1e4) return +(v / 1e3).toFixed(1) + 'k';
    return String(+v.toFixed(4));
  }
  function siAxis(u, splits) { return splits.map(function (v) { return v == null ? '' : si(v); }); }
  function num(s) { var n = Number(s); return s != null && s !== '' && isFinite(n) ? n : null; }
  function uniq(a) { return a.filter(function (v, i) { return a.indexOf(v) === i; }); }

  function chart(grid, title, opts, data) {
    var box = el('div', 'chart');
    box.appendChild(el('h3', null, title));
    grid.appendChild(box);
    opts.width = opts.width || 640;
    opts.height = opts.height || 300;
    opts.series.forEach(function (s, i) {
      if (i > 0 && !s.stroke) s.stroke = COLORS[(i - 1) % COLORS.length];
      if (i > 0 && s.width == null) s.width = 2;
      if (i > 0 && !s.points) s.points = { show: true, size: 6 };
    });
    var u = new uPlot(opts, data, box);
    plots.push({ title: title, u: u });
  }

  /* Short labels: only the parameters that vary inside the group. */
  function seriesLabels(paramsList, skip) {
    var keys = [];
    paramsList.forEach(function (p) { Object.keys(p).forEach(function (k) { if (skip.indexOf(k) < 0 && keys.indexOf(k) < 0) keys.push(k); }); });
    var varying = keys.filter(function (k) { return uniq(paramsList.map(function (p) { return p[k]; })).length > 1; });
    return paramsList.map(function (p) {
      var s = varying.map(function (k) { return (k === 'backend' || k === 'name' ? '' : k + '=') + p[k]; }).join(' ');
      return s || p.name || p.backend || 'result';
    });
  }
  function fixedLabel(paramsList, skip) {
    var first = paramsList[0] || {};
    return Object.keys(first).filter(function (k) {
      return skip.indexOf(k) < 0 && uniq(paramsList.map(function (p) { return p[k]; })).length === 1;
    }).map(function (k) { return k + '=' + first[k]; }).join(' ');
  }
  function groupBy(list, f) {
    var m = {}, order = [];
    list.forEach(function (x) { var k = f(x); if (!m[k]) { m[k] = []; order.push(k); } m[k].push(x); });
    return order.map(function (k) { return { key: k, items: m[k] }; });
  }
  function mostCommon(values, prefer) {
    var counts = {};
    values.forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
    return Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a] || prefer(a, b); })[0];
  }

  /* Throughput (or any score) against a numeric parameter, one series per remaining parameter set. */
  function xyCharts(grid, xParam, fixParam, pickFixed, xLabel, logX) {
    var drawn = 0;
    var rs = current.filter(function (r) { return r.score != null && num(r.params[xParam]) != null; });
    groupBy(rs, function (r) { return r.name + '|' + r.unit; }).forEach(function (g) {
      var items = g.items;
      if (fixParam) {
        var vals = items.map(function (r) { return r.params[fixParam]; }).filter(function (v) { return v != null; });
        if (vals.length) {
          var fixed = pickFixed(vals, items);
          items = items.filter(function (r) { return r.params[fixParam] == null || r.params[fixParam] === fixed; });
        }
      }
      var xs = uniq(items.map(function (r) { return num(r.params[xParam]); })).sort(function (a, b) { return a - b; });
      if (xs.length < 2) return;
      var skip = [xParam];
      var sgroups = groupBy(items, function (r) {
        var p = Object.assign({}, r.params); delete p[xParam]; return JSON.stringify(p);
      }).slice(0, MAX_SERIES);
      var labels = seriesLabels(sgroups.map(function (s) { return JSON.parse(s.key); }), skip);
      var data = [xs];
      var series = [{ label: xParam }];
      sgroups.forEach(function (s, i) {
        data.push(xs.map(function (x) {
          var r = s.items.filter(function (r) { return num(r.params[xParam]) === x; })[0];
          return r ? r.score : null;
        }));
        series.push({ label: labels[i], spanGaps: true });
      });
      var unit = items[0].unit;
      var fixedText = fixedLabel(items.map(function (r) { return r.params; }), skip.concat(['backend']));
      chart(grid, items[0].name + ': ' + unit + ' vs ' + xLabel + (fixedText ? ' (' + fixedText + ')' : ''), {
        scales: { x: { time: false, distr: logX ? 3 : 1 } },
        axes: [{ label: xLabel }, { label: unit + (items[0].hib ? ' (higher is better)' : ' (lower is better)'), size: 60, values: siAxis }],
        series: series
      }, data);
      drawn++;
    });
    return drawn;
  }

  function subtitle() {
    var m = latest.meta;
    var parts = [runs.length + ' run' + (runs.length === 1 ? '' : 's'), 'latest ' + latest.label];
    if (m.time) parts.push(m.time);
    if (m.host) parts.push(m.host);
    if (m.cpuModel) parts.push(m.cpuModel + (m.cores ? ' \u00d7' + m.cores : ''));
    if (m.jdk) parts.push(m.jdk);
    document.getElementById('subtitle').textContent = parts.join(' \u00b7 ');
    document.getElementById('generated').textContent = D.generated;
  }

  function throughputSection() {
    var g = section('Throughput against packet size', 'Newest result per benchmark; one line per backend/parameter set; workers fixed at the smallest count measured.');
    var n = xyCharts(g, 'size', 'workers', function (vals) {
      return String(Math.min.apply(null, vals.map(Number)));
    }, 'packet size (bytes)', true);
    if (!n) g.appendChild(el('p', 'note', 'No results with at least two packet sizes.'));
  }

  function scalingSection() {
    var g = section('Scaling against workers', 'Newest result per benchmark; packet size fixed at the size measured with the most worker counts.');
    var n = xyCharts(g, 'workers', 'size', function (vals, items) {
      var perSize = {};
      items.forEach(function (r) { var s = r.params.size; if (s == null) return; (perSize[s] = perSize[s] || []).push(r.params.workers); });
      return Object.keys(perSize).sort(function (a, b) {
        return uniq(perSize[b]).length - uniq(perSize[a]).length || Number(a) - Number(b);
      })[0];
    }, 'workers', false);
    if (!n) g.appendChild(el('p', 'note', 'No results with at least two worker counts.'));
  }

  function latencySection() {
    var g = section('Latency percentile spectrum', 'Newest result per benchmark at the smallest worker count; HdrHistogram percentiles, log scale.');
    var XS = [Math.log10(2), 1, 2, 3, 4, 5];
    var LBL = ['p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max'];
    var rs = current.filter(function (r) { return r.latency; });
    var drawn = 0;
    groupBy(rs, function (r) { return r.name + ' (' + r.latency.unit + ')'; }).forEach(function (g2) {
      /* One worker count per chart (the smallest), else the spectrum gets unreadable. */
      var ws = g2.items.map(function (r) { return num(r.params.workers); }).filter(function (w) { return w != null; });
      if (ws.length) {
        var w0 = Math.min.apply(null, ws);
        g2.items = g2.items.filter(function (r) { return r.params.workers == null || num(r.params.workers) === w0; });
      }
      for (var off = 0; off < g2.items.length; off += MAX_SERIES) {
        var items = g2.items.slice(off, off + MAX_SERIES);
        var data = [XS];
        var series = [{ label: 'percentile', value: function (u, v) { var i = XS.indexOf(v); return i < 0 ? '' : LBL[i]; } }];
        var labels = seriesLabels(items.map(function (r) { return r.params; }), []);
        var unit = items[0].latency.unit;
        items.forEach(function (r, i) {
          var L = r.latency;
          data.push([L.p50, L.p90, L.p99, L['p99.9'], L['p99.99'], L.max].map(function (v) { return v != null && v > 0 ? v : null; }));
          series.push({ label: labels[i], spanGaps: true });
        });
        chart(g, 'Latency: ' + g2.key + (g2.items.length > MAX_SERIES ? ' ' + (off / MAX_SERIES + 1) : ''), {
          scales: { x: { time: false, range: [0, 5.2] }, y: { distr: 3 } },
          axes: [{ label: 'percentile', splits: function () { return XS; }, values: function (u, s) { return s.map(function (v) { var i = XS.indexOf(v); return i < 0 ? '' : LBL[i]; }); } },
            { label: unit, size: 60, values: siAxis }],
          series: series
        }, data);
        drawn++;
      }
    });
    if (!drawn) g.appendChild(el('p', 'note', 'No result carries latency percentiles.'));
  }

  function historySection() {
    var t = D.threshold;
    var g = section('History across commits', 'Each result relative to its first run in the history (100% = baseline; direction-adjusted so that up is better). The band is the \u00b1' + t + '% regression threshold.');
    var labels = runs.map(function (r) { return r.label; });
    var keys = [];
    runs.forEach(function (r) { r.results.forEach(function (x) { if (keys.indexOf(x.key) < 0) keys.push(x.key); }); });
    var rel = keys.map(function (k) {
      var base = null;
      return runs.map(function (r) {
        var x = r.results.filter(function (y) { return y.key === k; })[0];
        if (!x || x.score == null || x.score === 0) return null;
        if (base == null) base = x;
        return base.hib ? x.score / base.score * 100 : base.score / x.score * 100;
      });
    });
    /* The most moved results first (by the latest value's distance from 100%). */
    var idx = keys.map(function (k, i) { return i; }).sort(function (a, b) {
      var la = rel[a][runs.length - 1], lb = rel[b][runs.length - 1];
      return Math.abs((lb == null ? 100 : lb) - 100) - Math.abs((la == null ? 100 : la) - 100);
    }).slice(0, MAX_SERIES);
    var xs = runs.map(function (r, i) { return i; });
    var data = [xs, xs.map(function () { return 100 + t; }), xs.map(function () { return 100 - t; })];
    var series = [{ label: 'run', value: function (u, v) { return v == null ? '' : labels[v] || ''; } },
      { label: '+' + t + '%', stroke: 'rgba(46,160,67,0.55)', width: 1, dash: [4, 4], points: { show: false } },
      { label: '\u2212' + t + '%', stroke: 'rgba(207,34,46,0.55)', width: 1, dash: [4, 4], points: { show: false } }];
    /* Labels from the parameters that vary across all keys (not only the ones shown), name always first. */
    var firsts = keys.map(function (k) {
      var r0 = null;
      runs.forEach(function (r) { r.results.forEach(function (x) { if (x.key === k && !r0) r0 = x; }); });
      return r0;
    });
    var hl = seriesLabels(firsts.map(function (r) { return r.params; }), []);
    idx.forEach(function (i, n) {
      data.push(rel[i]);
      var nm = firsts[i].name.replace(/^.*\.(\w+\.\w+)$/, '$1');
      series.push({ label: nm + ' ' + hl[i], stroke: COLORS[n % COLORS.length], spanGaps: true });
    });
    chart(g, 'Score relative to baseline across ' + runs.length + ' run' + (runs.length === 1 ? '' : 's') +
      (keys.length > MAX_SERIES ? ' (' + MAX_SERIES + ' most moved of ' + keys.length + ')' : ''), {
      width: 1300, height: 340,
      scales: { x: { time: false, range: [-0.3, Math.max(1, runs.length - 1) + 0.3] } },
      axes: [{ label: 'commit (oldest \u2192 newest)', incrs: [1, 2, 5, 10, 20, 50, 100],
        values: function (u, s) { return s.map(function (v) { return Number.isInteger(v) ? labels[v] || '' : ''; }); } },
        { label: '% of baseline (up is better)', size: 60 }],
      bands: [{ series: [1, 2], fill: 'rgba(46,160,67,0.10)' }],
      series: series
    }, data);
  }

  function table(parent, head, rows, rowClass) {
    var t = el('table');
    var tr = el('tr');
    head.forEach(function (h) { tr.appendChild(el('th', null, h)); });
    t.appendChild(tr);
    rows.forEach(function (r, i) {
      var row = el('tr', rowClass ? rowClass(i) : null);
      r.forEach(function (c) {
        var isNum = typeof c === 'number' || (typeof c === 'string' && /^[+\u2212-]?[\d.]+(e[+-]?\d+)?%?( \u00b1 .*)?$/.test(c));
        row.appendChild(el('td', isNum ? 'num' : null, typeof c === 'number' ? fmt(c) : c));
      });
      t.appendChild(row);
    });
    parent.appendChild(t);
  }

  function compareSection() {
    if (!D.compare) return;
    var c = D.compare;
    var g = section('Latest against previous run: ' + c.base + ' \u2192 ' + c.head, c.method);
    var box = el('div');
    g.appendChild(box);
    table(box, ['change', 'verdict', 'significance', 'base', 'head', 'unit', 'benchmark'], c.rows.map(function (r) {
      return [r.change == null ? '-' : (r.change >= 0 ? '+' : '') + r.change.toFixed(1) + '%', r.verdict, r.significance, r.base, r.head, r.unit, r.label];
    }), function (i) { return c.rows[i].verdict; });
  }

  function resultsSection() {
    var g = section('Latest results' + (runs.length > 1 ? ' (each from the newest run that has it)' : ''));
    var box = el('div');
    g.appendChild(box);
    table(box, ['benchmark', 'run', 'score', '\u00b1 error', 'unit', 'samples', 'p50', 'p99', 'p99.99', 'max'], current.map(function (r) {
      var L = r.latency || {};
      return [r.label, r.run, r.score == null ? 'failed' : r.score, r.err == null ? '-' : r.err, r.unit + (r.hib ? ' \u2191' : ' \u2193'), r.n,
        L.p50 == null ? '-' : fmt(L.p50) + ' ' + L.unit, L.p99 == null ? '-' : fmt(L.p99) + ' ' + L.unit,
        L['p99.99'] == null ? '-' : fmt(L['p99.99']) + ' ' + L.unit, L.max == null ? '-' : fmt(L.max) + ' ' + L.unit];
    }));
  }

  function runsSection() {
    var g = section('Runs');
    var box = el('div');
    g.appendChild(box);
    table(box, ['run', 'time', 'host', 'CPU', 'cores', 'kernel', 'JDK', 'backends', 'command line', 'source'], runs.map(function (r) {
      var m = r.meta;
      var be = Object.keys(m.backends || {}).map(function (k) { return k + ' ' + m.backends[k]; }).join('; ');
      return [r.label, m.time || '-', m.host || '-', (m.cpuModel || '-') + (m.cpuFlags && m.cpuFlags.length ? ' [' + m.cpuFlags.join(' ') + ']' : ''),
        m.cores == null ? '-' : String(m.cores), m.kernel || '-', m.jdk || '-', be || '-', m.commandLine || '-', r.source + ' (' + r.format + ')'];
    }));
  }

  function check() {
    var drawn = 0, blank = [];
    plots.forEach(function (p) {
      var ctx = p.u.ctx, c = ctx.canvas, px = ctx.getImageData(0, 0, c.width, c.height).data;
      var opaque = 0, colored = 0;
      for (var i = 0; i < px.length; i += 4) {
        if (px[i + 3] > 0) {
          opaque++;
          var mx = Math.max(px[i], px[i + 1], px[i + 2]), mn = Math.min(px[i], px[i + 1], px[i + 2]);
          if (mx - mn > 60 && px[i + 3] > 100) colored++;
        }
      }
      /* Drawn = some non-transparent pixel, and some saturated (series-coloured) one, not just grey axes. */
      if (opaque > 0 && colored > 0) drawn++; else blank.push(p.title);
    });
    var errors = window.__reportErrors.slice();
    var st = { ok: errors.length === 0 && blank.length === 0 && plots.length > 0, charts: plots.length, drawn: drawn, blank: blank, errors: errors };
    var pre = document.getElementById('status');
    pre.textContent = JSON.stringify(st);
    document.body.setAttribute('data-charts', (st.ok ? 'charts-ok:' : 'charts-fail:') + drawn + '/' + plots.length);
  }

  try {
    subtitle();
    historySection();
    throughputSection();
    scalingSection();
    latencySection();
    compareSection();
    resultsSection();
    runsSection();
  } catch (e) {
    window.__reportErrors.push('report: ' + (e && e.stack || e));
  }
  /* uPlot commits its drawing in a microtask; check after it. */
  setTimeout(check, 50);
})();
