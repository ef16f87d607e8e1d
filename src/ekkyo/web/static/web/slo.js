// The SLO page's charts, drawn with plotly.js from the page's JSON twin (data-chart-url):
// the charts show exactly the numbers /slos/<name>/chart.json serves.
(function () {
  "use strict";
  var root = document.querySelector("[data-chart-url]");
  if (!root) return;
  var status = root.querySelector("[data-chart-status]");
  var labels = JSON.parse(document.getElementById("chart-labels").textContent);

  // Okabe–Ito: distinguishable with every common colour-vision deficiency. Lines also
  // differ by dash, so nothing depends on colour alone.
  var C = {
    orange: "#E69F00", sky: "#56B4E9", green: "#009E73", blue: "#0072B2",
    vermillion: "#D55E00", purple: "#CC79A7", black: "#000000", grey: "#6b6b6b"
  };
  var WINDOWS = {
    "5m": { color: C.sky, dash: "dot", short: true },
    "30m": { color: C.orange, dash: "dot", short: true },
    "1h": { color: C.blue, dash: "solid" },
    "2h": { color: C.purple, dash: "dot", short: true },
    "6h": { color: C.green, dash: "solid" },
    "1d": { color: C.vermillion, dash: "solid" },
    "3d": { color: C.black, dash: "solid" }
  };
  var SEVERITY = { page: C.vermillion, ticket: C.orange };

  // Times arrive in the reader's zone with an offset; plotly draws wall-clock strings.
  function wall(ts) { return ts.slice(0, 19).replace("T", " "); }
  function walls(list) { return list.map(wall); }

  var font = getComputedStyle(document.body).fontFamily;
  function layout(extra) {
    var base = {
      margin: { l: 72, r: 16, t: 12, b: 40 },
      font: { family: font, size: 12 },
      legend: { orientation: "h", y: -0.18 },
      hovermode: "x unified",
      paper_bgcolor: "#ffffff",
      plot_bgcolor: "#ffffff",
      // Numeric dates read the same in every language (plotly's month names are English).
      xaxis: { type: "date", gridcolor: "#eceff1", tickformat: "%m/%d", hoverformat: "%Y-%m-%d %H:%M" },
      yaxis: { gridcolor: "#eceff1", zerolinecolor: "#9aa0a6" }
    };
    Object.keys(extra).forEach(function (k) {
      var v = extra[k];
      var merge = v && typeof v === "object" && !Array.isArray(v) && typeof base[k] === "object";
      base[k] = merge ? Object.assign({}, base[k], v) : v;
    });
    return base;
  }
  var config = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] };

  function plot(index, kind, traces, lay) {
    var el = root.querySelector('[data-chart="' + kind + '"][data-objective="' + index + '"]');
    if (!el) return Promise.resolve();
    return Plotly.newPlot(el, traces, lay, config).then(function () { el.dataset.drawn = "true"; });
  }

  // Annotations of chart.json: maintenance windows as shaded bands, the rest (alerts,
  // lifecycle changes, notes, deploys) as dotted vertical lines with a short label.
  var MARK = { alert: C.vermillion, lifecycle: C.purple, deploy: C.green, note: C.grey };
  var marks = { shapes: [], annotations: [] };
  function setMarks(a) {
    marks = { shapes: [], annotations: [] };
    if (!a) return;
    (a.bands || []).forEach(function (b) {
      marks.shapes.push({ type: "rect", xref: "x", yref: "paper", x0: wall(b.at), x1: wall(b.ends_at),
        y0: 0, y1: 1, fillcolor: b.exclude_from_budget ? "rgba(86,180,233,0.22)" : "rgba(107,107,107,0.15)",
        line: { width: 0 }, layer: "below" });
    });
    (a.markers || []).forEach(function (m) {
      var color = MARK[m.kind] || C.grey;
      marks.shapes.push({ type: "line", xref: "x", yref: "paper", x0: wall(m.at), x1: wall(m.at),
        y0: 0, y1: 1, line: { color: color, dash: "dot", width: 1 } });
      marks.annotations.push({ xref: "x", yref: "paper", x: wall(m.at), y: 1, yanchor: "bottom",
        text: m.kind === "alert" ? "▲" : "●", hovertext: m.text, showarrow: false,
        font: { size: 10, color: color } });
    });
  }
  function withMarks(extra) {
    extra.shapes = (extra.shapes || []).concat(marks.shapes);
    extra.annotations = (extra.annotations || []).concat(marks.annotations);
    return extra;
  }

  function sli(o) {
    var t = walls(o.sli.t);
    return plot(o.index, "sli", [
      { x: t, y: o.sli.sli, name: labels.sli, type: "scatter", mode: "lines",
        line: { color: C.blue, width: 1.5 }, connectgaps: false },
      { x: [t[0], t[t.length - 1]], y: [o.target, o.target], name: labels.target,
        type: "scatter", mode: "lines", line: { color: C.vermillion, dash: "dash", width: 2 } }
    ], layout(withMarks({ yaxis: { tickformat: ".2%", title: { text: labels.sli } } })));
  }

  function burndown(o) {
    var b = o.burndown;
    return plot(o.index, "burndown", [
      { x: walls(b.t), y: b.remaining_ratio, name: labels.remaining, type: "scatter",
        mode: "lines", fill: "tozeroy", line: { color: C.blue, width: 2 },
        fillcolor: "rgba(0,114,178,0.12)" },
      { x: [wall(b.window.start), wall(b.window.planned_end)], y: [1, 0], name: labels.even,
        type: "scatter", mode: "lines", line: { color: C.grey, dash: "dash", width: 1.5 } }
    ], layout({ yaxis: { tickformat: ".0%", title: { text: labels.remaining } } }));
  }

  function burnNow(o) {
    var names = Object.keys(WINDOWS);
    var rates = o.result ? o.result.burn_rates : {};
    var traces = [{
      x: names, y: names.map(function (n) { return rates[n]; }), name: labels.burn,
      type: "bar", marker: { color: names.map(function (n) { return WINDOWS[n].color; }),
        line: { color: C.black, width: 1 } }
    }];
    o.burn_rates.alert_rules.forEach(function (r) {
      traces.push({
        x: [r.long_window, r.short_window], y: [r.factor, r.factor],
        name: (r.severity === "page" ? labels.page : labels.ticket) + " " +
          r.long_window + "/" + r.short_window + " > " + r.factor + "×",
        type: "scatter", mode: "markers",
        marker: { symbol: "line-ew-open", size: 28, color: SEVERITY[r.severity],
          line: { width: 3, color: SEVERITY[r.severity] } }
      });
    });
    return plot(o.index, "burn-now", traces, layout({
      xaxis: { type: "category", tickformat: "", hoverformat: "" },
      yaxis: { title: { text: labels.burn } }, hovermode: "closest"
    }));
  }

  function burnOverTime(o) {
    var t = walls(o.burn_rates.t);
    var traces = Object.keys(WINDOWS).map(function (n) {
      return {
        x: t, y: o.burn_rates.windows[n], name: n, type: "scatter", mode: "lines",
        line: { color: WINDOWS[n].color, dash: WINDOWS[n].dash, width: 1.5 },
        visible: WINDOWS[n].short ? "legendonly" : true
      };
    });
    var shapes = o.burn_rates.alert_rules.map(function (r) {
      return { type: "line", xref: "paper", x0: 0, x1: 1, y0: r.factor, y1: r.factor,
        line: { color: SEVERITY[r.severity], dash: "dash", width: 1 } };
    });
    var notes = o.burn_rates.alert_rules.map(function (r) {
      return { xref: "paper", x: 1, xanchor: "right", y: r.factor, yanchor: "bottom",
        text: r.long_window + " " + r.factor + "×", showarrow: false,
        font: { size: 10, color: SEVERITY[r.severity] } };
    });
    return plot(o.index, "burn", traces, layout(withMarks({
      yaxis: { title: { text: labels.burn } }, shapes: shapes, annotations: notes
    })));
  }

  function say(text) { if (status) status.textContent = text; }

  function draw(data) {
    var jobs = [];
    setMarks(data.annotations);
    data.objectives.forEach(function (o) {
      if (o.problem) return;
      jobs.push(sli(o), burndown(o), burnNow(o), burnOverTime(o));
    });
    return Promise.all(jobs).then(function () {
      root.dataset.drawn = "true";
      say(labels.drawn.replace("%(zone)s", data.time_zone));
    });
  }

  function start() {
    if (!window.Plotly) { say(labels.failed); return; }
    fetch(root.dataset.chartUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(draw)
      .catch(function () { say(labels.failed); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
