/* The site's one charting layer: draws every <div class="ntb-chart" data-chart="ID"> of a page
   from the chart specs in <script type="application/json" id="ntb-charts"> ({ID: spec}) with
   uPlot (vendored, see ../VENDORED.txt). Specs are written by ntb_site/pages/chart_spec.py:

     {"title": str,
      "x": {"label": str, "unit": str, "log": 0|2|10, "categories": [str] | null},
      "y": {"label": str, "unit": str, "log": 0|2|10},
      "series": [{"label": str, "dash": bool, "points": [[x, y, low?, high?], ...]}]}

   A series whose points carry low/high gets an error bar (whisker) at each point; a dashed
   series (a reference: ideal, break-even) is grey. Once drawn, a chart's element gets
   data-drawn="<number of points drawn>" (the browser test reads it). */
(function () {
  "use strict";

  const PALETTE = ["#2563eb", "#ea580c", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777"];
  const TIME_UNITS = [[1, "s"], [1e-3, "ms"], [1e-6, "µs"], [1e-9, "ns"]];

  function number(v) {
    return Number(v.toPrecision(3)).toString();
  }

  /** An axis value with its unit ("" where uPlot leaves a tick unlabelled). */
  function format(unit, v) {
    if (v == null || !isFinite(v)) return "";
    if (unit === "seconds") {
      const [scale, name] = TIME_UNITS.find(([s]) => Math.abs(v) >= s) || TIME_UNITS[TIME_UNITS.length - 1];
      return number(v / scale) + " " + name;
    }
    if (unit === "elements") {
      for (const [scale, name] of [[1e9, "G"], [1e6, "M"], [1e3, "k"]]) {
        if (Math.abs(v) >= scale) return number(v / scale) + name;
      }
      return number(v);
    }
    if (unit === "x") return number(v) + "×";
    if (unit === "fraction") return number(v * 100) + " %";
    return number(v);
  }

  function scale(axis) {
    return axis.log ? { distr: 3, log: axis.log } : {};
  }

  /** uPlot's aligned data: one x array, then per series y (and whisker low/high) arrays. */
  function align(spec) {
    const categories = spec.x.categories;
    const xOf = categories ? (x) => categories.indexOf(x) : (x) => x;
    const xs = categories
      ? categories.map((_, i) => i)
      : [...new Set(spec.series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    const columns = [xs];
    const series = [{ label: spec.x.label }];
    const whiskers = [];
    let drawn = 0;
    spec.series.forEach((s, i) => {
      const color = s.dash ? "#94a3b8" : PALETTE[i % PALETTE.length];
      const byX = new Map(s.points.map((p) => [xOf(p[0]), p]));
      const column = (k) => xs.map((x) => (byX.has(x) && byX.get(x)[k] != null ? byX.get(x)[k] : null));
      const ys = column(1);
      columns.push(ys);
      drawn += ys.filter((y) => y != null).length;
      series.push({
        label: s.label,
        stroke: color,
        width: 2,
        dash: s.dash ? [6, 4] : undefined,
        points: { show: true, size: 6 },
      });
      if (s.points.some((p) => p.length > 3)) {
        const edge = { stroke: "transparent", points: { show: false }, class: "ntb-interval", label: s.label + " interval" };
        columns.push(column(2), column(3));
        series.push({ ...edge }, { ...edge });
        whiskers.push({ line: series.length - 3, low: series.length - 2, high: series.length - 1, color: color });
      }
    });
    return { columns, series, whiskers, drawn };
  }

  /** Draw each interval as a vertical bar with caps, in its series' colour. */
  function drawWhiskers(u, whiskers) {
    const ctx = u.ctx;
    ctx.save();
    ctx.lineWidth = 1.5 * devicePixelRatio;
    for (const w of whiskers) {
      if (!u.series[w.line].show) continue;
      ctx.strokeStyle = w.color;
      u.data[0].forEach((x, i) => {
        const low = u.data[w.low][i], high = u.data[w.high][i];
        if (low == null || high == null) return;
        const cx = u.valToPos(x, "x", true), y1 = u.valToPos(low, "y", true), y2 = u.valToPos(high, "y", true);
        const cap = 4 * devicePixelRatio;
        ctx.beginPath();
        ctx.moveTo(cx, y1); ctx.lineTo(cx, y2);
        ctx.moveTo(cx - cap, y1); ctx.lineTo(cx + cap, y1);
        ctx.moveTo(cx - cap, y2); ctx.lineTo(cx + cap, y2);
        ctx.stroke();
      });
    }
    ctx.restore();
  }

  function draw(element, spec) {
    const { columns, series, whiskers, drawn } = align(spec);
    const categories = spec.x.categories;
    const width = Math.max(320, Math.min(element.clientWidth || 560, 900));
    const options = {
      title: spec.title,
      width: width,
      height: Math.round(width * 0.5),
      series: series,
      legend: { live: false },
      scales: { x: { time: false, ...scale(spec.x) }, y: scale(spec.y) },
      axes: [
        {
          label: spec.x.label,
          values: (u, splits) => splits.map((v) => (categories ? categories[v] ?? "" : format(spec.x.unit, v))),
          splits: categories ? () => categories.map((_, i) => i) : undefined,
        },
        { label: spec.y.label, size: 70, values: (u, splits) => splits.map((v) => format(spec.y.unit, v)) },
      ],
      hooks: {
        draw: [
          (u) => {
            drawWhiskers(u, whiskers);
            element.setAttribute("data-drawn", String(drawn));
          },
        ],
      },
    };
    if (categories) options.scales.x.range = () => [-0.5, categories.length - 0.5];
    new uPlot(options, columns, element);
  }

  function drawAll() {
    const source = document.getElementById("ntb-charts");
    if (!source) return;
    const specs = JSON.parse(source.textContent);
    document.querySelectorAll(".ntb-chart[data-chart]").forEach((element) => {
      const spec = specs[element.dataset.chart];
      if (!spec) throw new Error("no chart spec " + element.dataset.chart);
      draw(element, spec);
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
})();
