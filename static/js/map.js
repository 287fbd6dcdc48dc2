// The map of missions: Natural Earth's country outlines (shipped in static/vendor/world-atlas)
// drawn in SVG with d3-geo, states at their capitals, each mission an arrow from the sending
// to the host state. The kind and the day filter in the browser by the same rules as the
// server's table (MissionQuerySet.active_on; a mission is uncertain on a day its opening or
// closing interval contains), and the table below is rewritten to match. Up to MAX_SVG_MISSIONS
// arrows are SVG links to their missions; more (a large archive with no day chosen) are drawn
// on a canvas over the map, which does not stall the page, and the table carries the links.
"use strict";

(() => {
  const P = window.Pictures;
  const data = P && P.readJSON("map-data");
  const figure = document.getElementById("map-figure");
  const container = document.getElementById("map-canvas");
  if (!data || !figure || !container || !window.d3 || !window.topojson) {
    return;
  }
  const form = document.getElementById("map-form");
  const kindInput = form.elements.kind;
  const dateInput = form.elements.date;
  const summary = document.getElementById("map-summary");
  const states = new Map(data.states.map((state) => [state.slug, state]));
  const placed = data.states.filter((state) => state.latitude !== null && state.longitude !== null);
  const placedSlugs = new Set(placed.map((state) => state.slug));
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_SVG_MISSIONS = 1500;
  const missions = data.missions.map((mission) => ({
    ...mission,
    openedInterval: P.interval(mission.opened),
    closedInterval: mission.closed ? P.interval(mission.closed) : null,
    kindLabel: data.kinds[mission.kind] || mission.kind,
    url: data.missionUrl.replace(data.urlPlaceholder, String(mission.id)),
  }));

  figure.hidden = false;
  const width = 960;
  const height = 560;
  const svg = d3
    .select(container)
    .append("svg")
    .attr("viewBox", `0 0 ${width} ${height}`)
    .attr("preserveAspectRatio", "xMidYMid meet")
    .attr("aria-hidden", "true");
  const defs = svg.append("defs");
  const world = svg.append("g");
  const sphere = world.append("path").attr("class", "sphere");
  const countries = world.append("g");
  const missionLayer = world.append("g");
  const capitalLayer = world.append("g");
  const lines = document.createElement("canvas");
  lines.className = "map-lines";
  lines.hidden = true;
  container.append(lines);
  let drawnOnCanvas = [];
  let transform = d3.zoomIdentity;

  // Fit the states that have coordinates, with room around them: the demo's states lie within
  // a few degrees of each other, and a whole world would make them one dot.
  const extent = {
    type: "MultiPoint",
    coordinates: placed.length
      ? placed.flatMap((state) => [
          [state.longitude - 6, state.latitude - 4],
          [state.longitude + 6, state.latitude + 4],
        ])
      : [
          [-170, -60],
          [170, 75],
        ],
  };
  const projection = d3.geoNaturalEarth1().fitExtent(
    [
      [20, 20],
      [width - 20, height - 20],
    ],
    extent,
  );
  const path = d3.geoPath(projection);
  sphere.attr("d", path({ type: "Sphere" }));

  let scale = 1;
  const zoom = d3
    .zoom()
    .scaleExtent([0.05, 64])
    .filter((event) => (event.type === "wheel" ? event.ctrlKey || event.metaKey : !event.button))
    .on("zoom", (event) => {
      scale = event.transform.k;
      transform = event.transform;
      world.attr("transform", event.transform);
      paintCanvas();
      capitalLayer.selectAll("circle").attr("r", 4 / scale);
      capitalLayer
        .selectAll("text")
        .attr("font-size", 12 / scale)
        .attr("dx", 6 / scale);
    });
  svg.call(zoom);
  document.getElementById("map-zoom-in").addEventListener("click", () => svg.transition().call(zoom.scaleBy, 1.6));
  document.getElementById("map-zoom-out").addEventListener("click", () => svg.transition().call(zoom.scaleBy, 1 / 1.6));
  document
    .getElementById("map-zoom-reset")
    .addEventListener("click", () => svg.transition().call(zoom.transform, d3.zoomIdentity));

  fetch(figure.dataset.atlas)
    .then((response) => {
      if (!response.ok) {
        throw new Error(`HTTP ${response.status}`);
      }
      return response.json();
    })
    .then((atlas) => {
      countries
        .selectAll("path")
        .data(topojson.feature(atlas, atlas.objects.countries).features)
        .join("path")
        .attr("class", "country")
        .attr("d", path);
    })
    .catch(() => {
      figure.querySelector("figcaption").textContent = data.strings.failed;
    });

  const point = (state) => projection([state.longitude, state.latitude]);

  capitalLayer
    .selectAll("a")
    .data(placed)
    .join((enter) => {
      const group = enter.append("a").attr("href", (state) => state.url);
      group.append("title").text((state) => P.localName(state));
      group
        .append("circle")
        .attr("class", "capital")
        .attr("cx", (state) => point(state)[0])
        .attr("cy", (state) => point(state)[1])
        .attr("r", 4);
      group
        .append("text")
        .attr("class", "capital-label")
        .attr("x", (state) => point(state)[0])
        .attr("y", (state) => point(state)[1])
        .attr("dx", 6)
        .attr("dy", "0.35em")
        .text((state) => P.localName(state, true));
      return group;
    });

  for (const kind of Object.keys(data.kinds)) {
    const marker = document.createElementNS(SVG, "marker");
    marker.id = `map-arrow-${kind}`;
    marker.setAttribute("viewBox", "0 -5 10 10");
    marker.setAttribute("refX", "10");
    marker.setAttribute("markerWidth", "7");
    marker.setAttribute("markerHeight", "7");
    marker.setAttribute("orient", "auto");
    const head = document.createElementNS(SVG, "path");
    head.setAttribute("d", "M0,-5L10,0L0,5Z");
    head.setAttribute("class", `arrow kind-${kind}`);
    marker.append(head);
    defs.node().append(marker);
  }

  /** Open on `day` by the rule of MissionQuerySet.active_on, and whether only perhaps. */
  function onDay(mission, day) {
    if (!day) {
      return { open: true, uncertain: false };
    }
    const opened = mission.openedInterval;
    const closed = mission.closedInterval;
    const open = opened.start <= day && (!closed || closed.end > day);
    const uncertain = opened.end > day || Boolean(closed && closed.start <= day);
    return { open, uncertain };
  }

  /** A bent line between two capitals; A→B and B→A bend to opposite sides. */
  function bend(mission) {
    const a = point(states.get(mission.sending));
    const b = point(states.get(mission.host));
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const length = Math.hypot(dx, dy) || 1;
    const back = 5 / length;
    return {
      a,
      control: [(a[0] + b[0]) / 2 - dy * 0.15, (a[1] + b[1]) / 2 + dx * 0.15],
      b: [b[0] - dx * back, b[1] - dy * back],
    };
  }

  function arrow(mission) {
    const { a, control, b } = bend(mission);
    return `M${a[0]},${a[1]}Q${control[0]},${control[1]} ${b[0]},${b[1]}`;
  }

  /** Many missions at once: lines on the canvas over the map, one path per kind and certainty. */
  function paintCanvas() {
    if (lines.hidden) {
      return;
    }
    const ratio = window.devicePixelRatio || 1;
    const box = container.getBoundingClientRect();
    lines.width = Math.round(box.width * ratio);
    lines.height = Math.round(box.height * ratio);
    const context = lines.getContext("2d");
    const fit = Math.min(box.width / width, box.height / height);
    const offsetX = (box.width - width * fit) / 2;
    const offsetY = (box.height - height * fit) / 2;
    const zoomed = fit * transform.k;
    context.setTransform(
      ratio * zoomed,
      0,
      0,
      ratio * zoomed,
      ratio * (offsetX + fit * transform.x),
      ratio * (offsetY + fit * transform.y),
    );
    context.lineWidth = 1 / zoomed;
    context.globalAlpha = 0.45;
    const groups = d3.group(
      drawnOnCanvas,
      (row) => row.mission.kind,
      (row) => row.uncertain,
    );
    for (const [kind, byCertainty] of groups) {
      for (const [uncertain, rows] of byCertainty) {
        context.beginPath();
        for (const { mission } of rows) {
          const { a, control, b } = bend(mission);
          context.moveTo(a[0], a[1]);
          context.quadraticCurveTo(control[0], control[1], b[0], b[1]);
        }
        context.setLineDash(uncertain ? [6 / zoomed, 4 / zoomed] : []);
        context.strokeStyle = P.cssVar(figure, `--mission-${kind}`);
        context.stroke();
      }
    }
  }
  new ResizeObserver(paintCanvas).observe(container);

  function describe(mission) {
    const sending = P.localName(states.get(mission.sending));
    const host = P.localName(states.get(mission.host));
    const city = mission.city ? `, ${mission.city}` : "";
    const closed = mission.closed ? ` – ${P.displayDate(mission.closed)}` : "";
    return `${mission.kindLabel}: ${sending} → ${host}${city} (${P.displayDate(mission.opened)}${closed})`;
  }

  function redraw() {
    const kind = kindInput.value;
    const day = /^\d{4}-\d{2}-\d{2}$/.test(dateInput.value) ? dateInput.value : "";
    const rows = [];
    for (const mission of missions) {
      const state = onDay(mission, day);
      if ((!kind || mission.kind === kind) && state.open) {
        rows.push({ mission, uncertain: state.uncertain });
      }
    }
    const drawable = rows.filter(
      ({ mission }) => placedSlugs.has(mission.sending) && placedSlugs.has(mission.host),
    );
    const onCanvas = drawable.length > MAX_SVG_MISSIONS;
    lines.hidden = !onCanvas;
    drawnOnCanvas = onCanvas ? drawable : [];
    paintCanvas();
    missionLayer
      .selectAll("a")
      .data(onCanvas ? [] : drawable, (row) => row.mission.id)
      .join((enter) => {
        const group = enter.append("a").attr("href", (row) => row.mission.url);
        group.append("title");
        group.append("path");
        return group;
      })
      .attr("data-mission", (row) => row.mission.id)
      .attr("data-host", (row) => row.mission.host)
      .attr("data-sending", (row) => row.mission.sending)
      .call((group) => group.select("title").text((row) => describe(row.mission)))
      .call((group) =>
        group
          .select("path")
          .attr("class", (row) => `mission kind-${row.mission.kind}${row.uncertain ? " uncertain" : ""}`)
          .attr("marker-end", (row) => `url(#map-arrow-${row.mission.kind})`)
          .attr("d", (row) => arrow(row.mission)),
      );
    summary.textContent = P.format(data.strings.summary, {
      shown: rows.length,
      unplaced: rows.length - drawable.length,
    });
    P.fillTable({
      table: document.getElementById("map-missions"),
      rows,
      cells: ({ mission, uncertain }) => [
        P.link(states.get(mission.sending).url, P.localName(states.get(mission.sending))),
        P.link(states.get(mission.host).url, P.localName(states.get(mission.host))),
        P.link(mission.url, mission.kindLabel),
        mission.city,
        P.time(mission.opened),
        mission.closed ? P.time(mission.closed) : "",
        day ? (uncertain ? data.strings.uncertain : data.strings.open) : "",
      ],
      pageSize: data.pageSize,
      more: document.getElementById("map-missions-more"),
      empty: document.getElementById("map-missions-empty"),
      pages: document.getElementById("map-missions-pages"),
    });
    const params = new URLSearchParams();
    if (kind) {
      params.set("kind", kind);
    }
    if (day) {
      params.set("date", day);
    }
    const search = params.toString();
    history.replaceState(null, "", search ? `?${search}` : window.location.pathname);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    redraw();
  });
  kindInput.addEventListener("change", redraw);
  dateInput.addEventListener("change", redraw);
  if (form.querySelector(".errorlist")) {
    kindInput.value = data.kind;
    dateInput.value = data.day;
  }
  redraw();
})();
