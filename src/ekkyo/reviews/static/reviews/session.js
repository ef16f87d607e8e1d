// Session mode: one agenda topic at a time, for screen sharing. Arrow keys or j/k move,
// "c" jumps to the capture form; the topic's SLO charts are drawn from the SLO page's
// JSON twin (/slos/<name>/chart.json) when the topic is first shown. Without this
// script every topic stays visible, one under the other.
(function () {
  "use strict";
  var root = document.querySelector("[data-session-mode]");
  if (!root) return;
  var steps = Array.prototype.slice.call(root.querySelectorAll("section.step"));
  var position = root.querySelector("[data-position]");
  var topicField = root.querySelector("[data-capture-topic]");
  var labels = JSON.parse(document.getElementById("session-labels").textContent);
  var current = 0;
  var charts = {};

  function fromHash() {
    var m = /^#step-(\d+)$/.exec(location.hash);
    var n = m ? parseInt(m[1], 10) - 1 : 0;
    return Math.min(Math.max(n, 0), steps.length - 1);
  }

  function show(index, push) {
    current = Math.min(Math.max(index, 0), steps.length - 1);
    steps.forEach(function (s, i) { s.hidden = i !== current; });
    var step = steps[current];
    root.dataset.current = step.dataset.step;
    position.textContent = labels.position
      .replace("%(n)s", current + 1).replace("%(total)s", steps.length);
    if (topicField) topicField.value = step.dataset.step;
    if (push) history.replaceState(null, "", "#step-" + (current + 1));
    step.querySelectorAll("[data-chart-src]").forEach(draw);
  }

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
    if (e.key === "ArrowRight" || e.key === "j" || e.key === "PageDown") {
      show(current + 1, true); e.preventDefault();
    } else if (e.key === "ArrowLeft" || e.key === "k" || e.key === "PageUp") {
      show(current - 1, true); e.preventDefault();
    } else if (e.key === "c") {
      var field = root.querySelector("[data-testid=capture-text]");
      if (field) { field.focus(); e.preventDefault(); }
    }
  });
  root.querySelector("[data-next]").addEventListener("click", function () { show(current + 1, true); });
  root.querySelector("[data-prev]").addEventListener("click", function () { show(current - 1, true); });

  // Charts: the budget burn-down of the objective, large enough to read when shared.
  function wall(ts) { return ts.slice(0, 19).replace("T", " "); }

  function fetchChart(url) {
    if (!charts[url]) {
      charts[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
    }
    return charts[url];
  }

  function draw(el) {
    if (el.dataset.drawn || el.dataset.loading || !window.Plotly) return;
    el.dataset.loading = "true";
    fetchChart(el.dataset.chartSrc).then(function (data) {
      var index = parseInt(el.dataset.objective, 10) || 0;
      var o = data.objectives.filter(function (x) { return x.index === index; })[0];
      if (!o || o.problem) throw new Error("no chart");
      var b = o.burndown;
      var font = getComputedStyle(document.body).fontFamily;
      return Plotly.newPlot(el, [
        { x: b.t.map(wall), y: b.remaining_ratio, name: labels.remaining, type: "scatter",
          mode: "lines", fill: "tozeroy", line: { color: "#0072B2", width: 3 },
          fillcolor: "rgba(0,114,178,0.12)" },
        { x: [wall(b.window.start), wall(b.window.planned_end)], y: [1, 0], name: labels.even,
          type: "scatter", mode: "lines", line: { color: "#6b6b6b", dash: "dash", width: 2 } }
      ], {
        margin: { l: 64, r: 16, t: 8, b: 40 }, font: { family: font, size: 16 },
        legend: { orientation: "h", y: -0.2 }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
        xaxis: { type: "date", tickformat: "%m/%d", gridcolor: "#eceff1" },
        yaxis: { tickformat: ".0%", gridcolor: "#eceff1" }
      }, { displaylogo: false, responsive: true, staticPlot: false });
    }).then(function () {
      el.dataset.drawn = "true";
    }).catch(function () {
      el.textContent = labels.failed;
      el.dataset.failed = "true";
    }).then(function () { delete el.dataset.loading; });
  }

  window.addEventListener("hashchange", function () { show(fromHash(), false); });
  root.classList.add("js");
  show(fromHash(), false);
})();
