/* The start page's charts (portal/templates/admin/dashboard/): each <canvas data-chart>
   carries its data as JSON, written by the server (the Content-Security-Policy allows
   no inline script). Drawn with the vendored Chart.js; a click on a bar or a point
   opens the list behind it, the tooltip shows the number, and the table beside each
   chart has the same numbers and links. */
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var numbers = new Intl.NumberFormat("vi-VN");

  function linkAt(spec, element) {
    var dataset = spec.datasets[element.datasetIndex] || {};
    return (dataset.links || [])[element.index] || null;
  }

  function draw(canvas) {
    var spec;
    try {
      spec = JSON.parse(canvas.getAttribute("data-chart"));
    } catch (err) {
      return;
    }
    var frame = canvas.parentNode;
    if (spec.horizontal) {
      // One band per unit: the chart grows with the number of bars.
      frame.style.height = Math.max(180, 34 * spec.labels.length + 70) + "px";
    }
    var valueAxis = {stacked: spec.stacked, beginAtZero: true, ticks: {precision: 0}};
    if (spec.percent) {
      valueAxis = {beginAtZero: true, max: 100, ticks: {callback: function (v) { return v + " %"; }}};
    }
    // Unit names are long: on a narrow screen the axis shows their beginning only
    // (the tooltip and the table have them in full).
    var room = frame.clientWidth < 560 ? 16 : 30;
    var categoryAxis = {stacked: spec.stacked, ticks: {autoSkip: false, callback: function (value) {
      var text = String(this.getLabelForValue(value));
      return text.length > room ? text.slice(0, room - 1) + "…" : text;
    }}};
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) {
          return {label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color,
                  borderWidth: spec.type === "line" ? 2 : 0, pointRadius: 4, pointHoverRadius: 6,
                  spanGaps: false, tension: 0, maxBarThickness: 28};
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        locale: "vi-VN",
        indexAxis: spec.horizontal ? "y" : "x",
        scales: spec.horizontal ? {x: valueAxis, y: categoryAxis} : {x: categoryAxis, y: valueAxis},
        plugins: {
          legend: {position: "bottom", labels: {boxWidth: 12}},
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? spec.titles[items[0].dataIndex] : ""; },
              label: function (item) {
                var value = spec.horizontal ? item.parsed.x : item.parsed.y;
                if (value === null || value === undefined) { return item.dataset.label + ": —"; }
                return item.dataset.label + ": " + numbers.format(value) + (spec.percent ? " %" : "");
              }
            }
          }
        },
        onHover: function (event, elements) {
          var target = event.native && event.native.target;
          if (target) {
            target.style.cursor = elements.length && linkAt(spec, elements[0]) ? "pointer" : "default";
          }
        },
        onClick: function (event, elements) {
          var url = elements.length ? linkAt(spec, elements[0]) : null;
          if (url) {
            window.location.assign(url);
          }
        }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
