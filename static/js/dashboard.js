// Draws the recovery charts with Chart.js (static/vendor/chartjs). Each <canvas data-chart="key">
// takes its spec from the JSON in <script id="chart-specs" type="application/json"> (Django's
// json_script): {type, percent, stacked, labels, datasets: [{label, data, target}]}. The same
// numbers are in the table under each chart, so without JavaScript nothing is lost.
(function () {
  "use strict";

  // Colour-blind-safe (Okabe-Ito) and distinguishable in greyscale by the dash patterns below.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  var DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [10, 4], [1, 3]];

  function percentTick(value) {
    return value + "%";
  }

  function dataset(spec, set, index) {
    var colour = COLOURS[index % COLOURS.length];
    var out = {
      label: set.label,
      data: set.data,
      borderColor: colour,
      backgroundColor: colour,
      spanGaps: true,
    };
    if (set.target) {
      // A target is a point at its month, not a line: a large hollow triangle.
      out.showLine = false;
      out.pointStyle = "triangle";
      out.pointRadius = 8;
      out.pointHoverRadius = 10;
      out.backgroundColor = "transparent";
      out.borderWidth = 2;
    } else if (spec.type === "line") {
      out.borderDash = DASHES[index % DASHES.length];
      out.borderWidth = 2;
      out.pointRadius = 3;
    }
    return out;
  }

  function draw(canvas, spec) {
    var lang = document.documentElement.lang || "id";
    var format = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    var targets = 0;
    var datasets = spec.datasets.map(function (set) {
      // Targets take the colour of the measure they belong to (the line just before them).
      var index = set.target ? spec.datasets.indexOf(set) - 1 - targets : spec.datasets.indexOf(set) - targets;
      if (set.target) targets += 1;
      return dataset(spec, set, index);
    });
    var scaleY = { beginAtZero: true, stacked: spec.stacked };
    var narrow = window.matchMedia("(max-width: 575.98px)").matches;
    if (spec.percent) scaleY.ticks = { callback: percentTick };
    return new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        // The height comes from the box (.chart-box in portal.css), the width from the page.
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: spec.stacked }, y: scaleY },
        plugins: {
          // Point styles in the legend: a dashed line's swatch reads as noise, a target's triangle
          // matches its mark on the chart.
          legend: { position: "bottom", labels: { usePointStyle: true, boxWidth: narrow ? 8 : 12, padding: narrow ? 6 : 10, font: { size: narrow ? 11 : 12 } } },
          tooltip: {
            callbacks: {
              label: function (context) {
                if (context.parsed.y === null) return null;
                var value = format.format(context.parsed.y) + (spec.percent ? "%" : "");
                return context.dataset.label + ": " + value;
              },
            },
          },
        },
      },
    });
  }

  function start() {
    var source = document.getElementById("chart-specs");
    if (!source || !window.Chart) return;
    var specs = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = specs[canvas.dataset.chart];
      if (spec && spec.labels.length) {
        draw(canvas, spec);
        canvas.dataset.drawn = "true"; // for the browser test
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
