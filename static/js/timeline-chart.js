// The timeline chart: acts on a time axis, one row per kind of act, coloured by kind (the
// colours are pictures.css's). A date known to the day is a dot; one known only to its month or
// year is a bar over the whole interval, since the act may have happened on any day of it.
// Acts whose intervals overlap in a row are stacked so that each one stays clickable; each mark
// links to its record. Drag to pan; Ctrl + wheel, a double click or the buttons zoom.
//
// Any element with `data-timeline-chart="<JSON>"` is drawn on load; the data is
// {"kinds": [{"kind", "label"}], "marks": [{"kind", "start", "end", "span", "date", "label", "url"}]}
// as events.pictures.timeline_chart_data writes it. `TimelineChart.render(figure, data)` draws one by hand.
"use strict";

window.TimelineChart = (() => {
  const P = window.Pictures;
  const TRACK = 14; // height of one stacked row of marks, in pixels
  const MAX_TRACKS = 8; // more acts than this at once in a row overlap rather than grow it
  const LANE_GAP = 10;
  const AXIS = 28;
  const TOP = 6;
  const DAY = 24 * 60 * 60 * 1000;

  const monthName = new Intl.DateTimeFormat(P.language, { month: "short", timeZone: "UTC" });

  /** Axis labels in the page's language: a year at its start, a month at its first day, else a day. */
  function tick(date) {
    if (date.getUTCMonth() === 0 && date.getUTCDate() === 1) {
      return String(date.getUTCFullYear());
    }
    if (date.getUTCDate() === 1) {
      return monthName.format(date);
    }
    return `${date.getUTCDate()} ${monthName.format(date)}`;
  }

  /** Places marks on tracks so that marks whose intervals overlap are drawn one above the other. */
  function stack(marks) {
    const ends = [];
    for (const mark of marks) {
      let track = ends.findIndex((end) => end < mark.from);
      if (track === -1) {
        track = ends.length < MAX_TRACKS ? ends.length : ends.indexOf(Math.min(...ends));
      }
      ends[track] = Math.max(ends[track] || 0, mark.to);
      mark.track = track;
    }
    return Math.max(1, ends.length);
  }

  function render(figure, data) {
    const container = figure.querySelector(".timeline-chart-canvas");
    if (!container || !window.d3 || !data.marks.length) {
      return;
    }
    figure.hidden = false;
    const marks = data.marks
      .map((mark) => ({
        ...mark,
        from: P.parseDay(mark.start).getTime(),
        // The bar ends where the last day of the interval ends.
        to: P.parseDay(mark.end).getTime() + DAY,
      }))
      .sort((a, b) => a.from - b.from || a.to - b.to);

    const lanes = data.kinds
      .map((kind) => ({ ...kind, marks: marks.filter((mark) => mark.kind === kind.kind) }))
      .filter((lane) => lane.marks.length);
    let y = TOP;
    for (const lane of lanes) {
      lane.tracks = stack(lane.marks);
      lane.top = y;
      lane.height = lane.tracks * TRACK;
      y += lane.height + LANE_GAP;
    }
    const height = y + AXIS;
    const width = Math.max(320, container.clientWidth || 640);
    const left = Math.min(150, Math.round(width * 0.28));
    const right = 16;

    const earliest = d3.min(marks, (mark) => mark.from);
    const latest = d3.max(marks, (mark) => mark.to);
    const pad = Math.max(30 * DAY, (latest - earliest) * 0.05);
    const x = d3
      .scaleUtc()
      .domain([new Date(earliest - pad), new Date(latest + pad)])
      .range([left, width - right]);

    const svg = d3
      .select(container)
      .html("")
      .append("svg")
      .attr("viewBox", `0 0 ${width} ${height}`)
      .attr("height", height)
      .attr("aria-hidden", "true");
    const clipId = `${figure.id || "timeline-chart"}-clip`;
    svg
      .append("clipPath")
      .attr("id", clipId)
      .append("rect")
      .attr("x", left)
      .attr("y", 0)
      .attr("width", width - left - right)
      .attr("height", height);

    const rules = svg.append("g");
    for (const lane of lanes) {
      rules
        .append("text")
        .attr("class", "lane-label")
        .attr("x", left - 8)
        .attr("y", lane.top + lane.height / 2)
        .attr("dy", "0.35em")
        .attr("text-anchor", "end")
        .text(lane.label);
      rules
        .append("line")
        .attr("class", "lane-rule")
        .attr("x1", left)
        .attr("x2", width - right)
        .attr("y1", lane.top + lane.height + LANE_GAP / 2)
        .attr("y2", lane.top + lane.height + LANE_GAP / 2);
    }
    const axis = svg.append("g").attr("class", "axis").attr("transform", `translate(0,${height - AXIS + 4})`);
    const plot = svg.append("g").attr("clip-path", `url(#${clipId})`);
    const laneOf = new Map(lanes.map((lane) => [lane.kind, lane]));
    const top = (mark) => laneOf.get(mark.kind).top + mark.track * TRACK + 2;

    const links = plot
      .selectAll("a")
      .data(marks)
      .join("a")
      .attr("href", (mark) => mark.url)
      .attr("class", "timeline-mark")
      .attr("data-kind", (mark) => mark.kind);
    links.append("title").text((mark) => `${mark.label} — ${mark.date}`);
    const spans = links
      .filter((mark) => mark.span)
      .append("rect")
      .attr("class", (mark) => `mark span kind-${mark.kind}`)
      .attr("y", top)
      .attr("height", TRACK - 4)
      .attr("rx", 3);
    const days = links
      .filter((mark) => !mark.span)
      .append("circle")
      .attr("class", (mark) => `mark kind-${mark.kind}`)
      .attr("cy", (mark) => top(mark) + (TRACK - 4) / 2)
      .attr("r", (TRACK - 4) / 2);

    function place(scale) {
      spans
        .attr("x", (mark) => scale(mark.from))
        .attr("width", (mark) => Math.max(4, scale(mark.to) - scale(mark.from)));
      days.attr("cx", (mark) => scale((mark.from + mark.to) / 2));
      axis.call(
        d3
          .axisBottom(scale)
          .ticks(Math.max(2, Math.floor((width - left) / 90)))
          .tickFormat(tick),
      );
    }

    const zoom = d3
      .zoom()
      // Zoomed in all the way, the axis spans about two weeks: days are the finest ticks.
      .scaleExtent([1, Math.max(1, (x.domain()[1] - x.domain()[0]) / (14 * DAY))])
      .extent([
        [left, 0],
        [width - right, height],
      ])
      .translateExtent([
        [left, 0],
        [width - right, height],
      ])
      .filter((event) => (event.type === "wheel" ? event.ctrlKey || event.metaKey : !event.button))
      .on("zoom", (event) => place(event.transform.rescaleX(x)));
    svg.call(zoom);
    place(x);

    const button = (name) => figure.querySelector(`[data-zoom="${name}"]`);
    const zoomIn = button("in");
    const zoomOut = button("out");
    const reset = button("reset");
    if (zoomIn) zoomIn.onclick = () => svg.transition().call(zoom.scaleBy, 2);
    if (zoomOut) zoomOut.onclick = () => svg.transition().call(zoom.scaleBy, 0.5);
    if (reset) reset.onclick = () => svg.transition().call(zoom.transform, d3.zoomIdentity);
  }

  function renderAll() {
    for (const figure of document.querySelectorAll("[data-timeline-chart]")) {
      const data = JSON.parse(figure.dataset.timelineChart);
      render(figure, data);
      let width = figure.clientWidth;
      new ResizeObserver(() => {
        if (Math.abs(figure.clientWidth - width) > 40) {
          width = figure.clientWidth;
          render(figure, data);
        }
      }).observe(figure);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
  return { render };
})();
