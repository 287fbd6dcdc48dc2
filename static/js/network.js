// The recognition network as of a day, drawn on a canvas from /api/network/.
//
// States sit on a circle, grouped by status and in a fixed order, so that they keep their
// place while the slider moves; a state's dot grows with the recognitions it receives. A canvas
// draws tens of thousands of arrows in a few milliseconds, where as many SVG elements would
// stall the page. Requests never overlap: while one is on its way, only the latest day asked
// for waits, so dragging the slider or playing never queues up work. The tables below the
// picture are rewritten with each day: they are its text alternative.
"use strict";

(() => {
  const P = window.Pictures;
  const data = P && P.readJSON("network-data");
  const figure = document.getElementById("network-figure");
  const canvas = document.getElementById("network-canvas");
  if (!data || !figure || !canvas || !canvas.getContext) {
    return;
  }
  const form = document.getElementById("network-form");
  const dateInput = form.elements.date;
  const statusInputs = Array.from(form.querySelectorAll("input[name=status]"));
  const slider = document.getElementById("network-slider");
  const output = document.getElementById("network-day");
  const play = document.getElementById("network-play");
  const tooltip = document.getElementById("network-tooltip");
  const summary = document.getElementById("network-summary");
  const context = canvas.getContext("2d");
  const strings = data.strings;
  const statusOrder = Object.keys(data.statusLabels);
  const states = new Map(data.states.map((state) => [state.slug, state]));

  const first = P.parseDay(data.first);
  const last = P.parseDay(data.last);
  const CACHE_SIZE = 40; // networks kept in memory, so that playing again does not refetch
  const PLAY_STEPS = 160; // a whole history plays in this many frames
  const PLAY_PAUSE = 150; // milliseconds between two frames, after the last one is drawn
  const cache = new Map();

  let network = null; // the last network loaded: {date, nodes, edges}
  let positions = new Map(); // slug -> {x, y, r, angle}
  let hovered = null;
  let inFlight = false;
  let wanted = null;
  let playing = false;
  let size = { width: 0, height: 0 };

  figure.hidden = false;
  slider.max = String(Math.round((last - first) / P.DAY));
  dateInput.min = data.first;
  dateInput.max = data.last;
  setDay(data.day);

  function selectedStatuses() {
    return statusInputs.filter((input) => input.checked).map((input) => input.value);
  }

  function setDay(iso) {
    dateInput.value = iso;
    slider.value = String(Math.round((P.parseDay(iso) - first) / P.DAY));
    output.textContent = P.displayDate(iso);
  }

  function query(day) {
    const params = new URLSearchParams({ date: day });
    for (const status of selectedStatuses()) {
      params.append("status", status);
    }
    return params.toString();
  }

  /** Load the network of `day`; a request already on its way makes this one wait, latest wins. */
  function request(day) {
    wanted = day;
    if (!inFlight) {
      next();
    }
  }

  async function next() {
    if (wanted === null) {
      return;
    }
    const day = wanted;
    const key = query(day);
    wanted = null;
    inFlight = true;
    try {
      let body = cache.get(key);
      if (!body) {
        summary.textContent = strings.loading;
        const response = await fetch(`${data.endpoint}?${key}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok) {
          throw new Error(`HTTP ${response.status}`);
        }
        body = await response.json();
        cache.set(key, body);
        if (cache.size > CACHE_SIZE) {
          cache.delete(cache.keys().next().value);
        }
      }
      show(body, key);
    } catch (error) {
      summary.textContent = strings.failed;
      stop();
    } finally {
      inFlight = false;
    }
    if (wanted !== null) {
      next();
    } else if (playing) {
      window.setTimeout(advance, PLAY_PAUSE);
    }
  }

  /** Draw a network and rewrite the tables; the address follows the day a reader chose. */
  function show(body, key, chosen = true) {
    network = body;
    figure.dataset.date = body.date;
    figure.dataset.edges = String(body.edges.length);
    if (chosen) {
      history.replaceState(null, "", `?${key}`);
    }
    layout();
    draw();
    writeTables();
  }

  // --- Layout and drawing ---------------------------------------------------------------------

  function resize() {
    const ratio = window.devicePixelRatio || 1;
    const box = canvas.getBoundingClientRect();
    size = { width: box.width, height: box.height };
    canvas.width = Math.round(box.width * ratio);
    canvas.height = Math.round(box.height * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    layout();
    draw();
  }

  /** Every state that may be shown keeps one place on the circle, whatever the day. */
  function layout() {
    const chosen = selectedStatuses();
    const placed = data.states
      .filter((state) => chosen.length === 0 || chosen.includes(state.status))
      .sort(
        (a, b) =>
          statusOrder.indexOf(a.status) - statusOrder.indexOf(b.status) || a.name.localeCompare(b.name),
      );
    const labelled = placed.length <= 40;
    const margin = labelled ? 120 : 24;
    const radius = Math.max(40, Math.min(size.width, size.height) / 2 - margin);
    const centre = { x: size.width / 2, y: size.height / 2 };
    const dot = Math.max(2, Math.min(7, (Math.PI * radius) / Math.max(1, placed.length) / 2));
    positions = new Map(
      placed.map((state, index) => {
        const angle = (2 * Math.PI * index) / placed.length - Math.PI / 2;
        return [
          state.slug,
          {
            x: centre.x + radius * Math.cos(angle),
            y: centre.y + radius * Math.sin(angle),
            r: dot,
            angle,
            labelled,
          },
        ];
      }),
    );
  }

  function inDegrees() {
    const degrees = new Map();
    for (const edge of network.edges) {
      degrees.set(edge.target, (degrees.get(edge.target) || 0) + 1);
    }
    return degrees;
  }

  /** A slightly bent line from one state to the other, so that A→B and B→A stay apart. */
  function curve(edge) {
    const a = positions.get(edge.source);
    const b = positions.get(edge.target);
    if (!a || !b) {
      return null;
    }
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const length = Math.hypot(dx, dy) || 1;
    const bend = 0.12 * length;
    const control = { x: (a.x + b.x) / 2 - (dy / length) * bend, y: (a.y + b.y) / 2 + (dx / length) * bend };
    const tx = b.x - control.x;
    const ty = b.y - control.y;
    const tangent = Math.hypot(tx, ty) || 1;
    const gap = b.radius || b.r;
    const end = { x: b.x - (tx / tangent) * (gap + 1), y: b.y - (ty / tangent) * (gap + 1) };
    return { a, control, end, ux: tx / tangent, uy: ty / tangent };
  }

  function strokeEdges(edges, colour, width, dashed, arrows) {
    context.beginPath();
    const heads = [];
    for (const edge of edges) {
      const line = curve(edge);
      if (!line) {
        continue;
      }
      context.moveTo(line.a.x, line.a.y);
      context.quadraticCurveTo(line.control.x, line.control.y, line.end.x, line.end.y);
      if (arrows) {
        heads.push(line);
      }
    }
    context.setLineDash(dashed ? [5, 4] : []);
    context.strokeStyle = colour;
    context.lineWidth = width;
    context.stroke();
    context.setLineDash([]);
    if (heads.length) {
      context.beginPath();
      const length = 9;
      for (const { end, ux, uy } of heads) {
        context.moveTo(end.x, end.y);
        context.lineTo(end.x - ux * length - uy * length * 0.45, end.y - uy * length + ux * length * 0.45);
        context.lineTo(end.x - ux * length + uy * length * 0.45, end.y - uy * length - ux * length * 0.45);
        context.closePath();
      }
      context.fillStyle = colour;
      context.fill();
    }
  }

  function draw() {
    context.clearRect(0, 0, size.width, size.height);
    if (!network) {
      return;
    }
    const degrees = inDegrees();
    const present = new Set(network.nodes.map((node) => node.slug));
    const many = network.edges.length > 3000;
    // A dot grows up to two and a half times its size with the recognitions it receives.
    const most = Math.max(1, ...degrees.values());
    for (const [slug, position] of positions) {
      position.radius = position.r * (1 + 1.5 * Math.sqrt((degrees.get(slug) || 0) / most));
    }
    const edgeColour = P.cssVar(figure, "--picture-edge");
    const strongColour = P.cssVar(figure, "--picture-edge-strong");
    const touching = (edge) => hovered && (edge.source === hovered || edge.target === hovered);
    const quiet = network.edges.filter((edge) => !touching(edge));
    const loud = network.edges.filter(touching);
    context.globalAlpha = hovered ? 0.25 : many ? 0.5 : 1;
    strokeEdges(
      quiet.filter((edge) => edge.certain),
      edgeColour,
      many ? 0.5 : 1.5,
      false,
      !many,
    );
    strokeEdges(
      quiet.filter((edge) => !edge.certain),
      edgeColour,
      many ? 0.5 : 1.5,
      true,
      !many,
    );
    context.globalAlpha = 1;
    strokeEdges(
      loud.filter((edge) => edge.certain),
      strongColour,
      2,
      false,
      true,
    );
    strokeEdges(
      loud.filter((edge) => !edge.certain),
      strongColour,
      2,
      true,
      true,
    );

    const ink = P.cssVar(figure, "--picture-ink");
    const background = P.cssVar(figure, "--pico-background-color", "#fff");
    context.font = "12px system-ui, sans-serif";
    for (const [slug, position] of positions) {
      if (!present.has(slug)) {
        continue;
      }
      const state = states.get(slug);
      context.beginPath();
      context.arc(position.x, position.y, position.radius, 0, 2 * Math.PI);
      context.fillStyle = P.cssVar(figure, `--status-${state.status}`);
      context.fill();
      context.lineWidth = slug === hovered ? 2.5 : 1;
      context.strokeStyle = slug === hovered ? ink : background;
      context.stroke();
      if (position.labelled) {
        const outside = position.radius + 5;
        const right = Math.cos(position.angle) >= 0;
        context.textAlign = right ? "left" : "right";
        context.textBaseline = "middle";
        context.fillStyle = ink;
        context.fillText(
          P.localName(state, true),
          position.x + Math.cos(position.angle) * outside,
          position.y + Math.sin(position.angle) * outside,
        );
      }
    }
  }

  // --- Pointing at states ----------------------------------------------------------------------

  function stateAt(event) {
    if (!network) {
      return null;
    }
    const box = canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    const present = new Set(network.nodes.map((node) => node.slug));
    let best = null;
    let bestDistance = Infinity;
    for (const [slug, position] of positions) {
      const distance = Math.hypot(position.x - x, position.y - y);
      if (present.has(slug) && distance <= (position.radius || position.r) + 4 && distance < bestDistance) {
        best = slug;
        bestDistance = distance;
      }
    }
    return best;
  }

  canvas.addEventListener("mousemove", (event) => {
    const slug = stateAt(event);
    canvas.classList.toggle("pointing", slug !== null);
    if (slug !== hovered) {
      hovered = slug;
      draw();
    }
    if (slug) {
      const state = states.get(slug);
      const received = network.edges.filter((edge) => edge.target === slug).length;
      const given = network.edges.filter((edge) => edge.source === slug).length;
      tooltip.textContent = `${P.localName(state)} — ${data.statusLabels[state.status]} · ←${received} →${given}`;
      tooltip.hidden = false;
      const box = figure.getBoundingClientRect();
      tooltip.style.left = `${event.clientX - box.left + 12}px`;
      tooltip.style.top = `${event.clientY - box.top + 12}px`;
    } else {
      tooltip.hidden = true;
    }
  });
  canvas.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
    if (hovered) {
      hovered = null;
      draw();
    }
  });
  canvas.addEventListener("click", (event) => {
    const slug = stateAt(event);
    if (slug) {
      window.location.assign(states.get(slug).url);
    }
  });

  // --- The tables --------------------------------------------------------------------------------

  function stateLink(slug) {
    const state = states.get(slug);
    return state ? P.link(state.url, P.localName(state)) : slug;
  }

  function writeTables() {
    const uncertain = network.edges.filter((edge) => !edge.certain).length;
    summary.textContent = P.format(strings.summary, {
      day: P.displayDate(network.date),
      states: network.nodes.length,
      certain: network.edges.length - uncertain,
      uncertain,
    });
    P.fillTable({
      table: document.getElementById("network-edges"),
      rows: network.edges,
      cells: (edge) => [
        stateLink(edge.source),
        stateLink(edge.target),
        P.time(edge.since),
        edge.certain ? strings.certain : strings.uncertain,
      ],
      pageSize: data.pageSize,
      more: document.getElementById("network-edges-more"),
      empty: document.getElementById("network-edges-empty"),
      pages: document.getElementById("network-edges-pages"),
    });
    const certainBy = new Map();
    const perhapsBy = new Map();
    for (const edge of network.edges) {
      const counts = edge.certain ? certainBy : perhapsBy;
      counts.set(edge.target, (counts.get(edge.target) || 0) + 1);
    }
    P.fillTable({
      table: document.getElementById("network-states"),
      rows: network.nodes,
      cells: (node) => [
        stateLink(node.slug),
        data.statusLabels[node.status],
        String(certainBy.get(node.slug) || 0),
        String(perhapsBy.get(node.slug) || 0),
      ],
      pageSize: data.pageSize,
      more: document.getElementById("network-states-more"),
    });
  }

  // --- Controls ------------------------------------------------------------------------------------

  function dayOfSlider() {
    return P.isoDay(new Date(first.getTime() + Number(slider.value) * P.DAY));
  }

  slider.addEventListener("input", () => {
    stop();
    const day = dayOfSlider();
    dateInput.value = day;
    output.textContent = P.displayDate(day);
    request(day);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    stop();
    fromForm();
  });
  dateInput.addEventListener("change", fromForm);
  for (const input of statusInputs) {
    input.addEventListener("change", () => {
      layout();
      fromForm();
    });
  }

  function fromForm() {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) {
      return;
    }
    setDay(dateInput.value);
    request(dateInput.value);
  }

  function advance() {
    if (!playing) {
      return;
    }
    const step = Math.max(1, Math.round(Number(slider.max) / PLAY_STEPS));
    const value = Math.min(Number(slider.max), Number(slider.value) + step);
    slider.value = String(value);
    const day = dayOfSlider();
    setDay(day);
    request(day);
    if (value >= Number(slider.max)) {
      stop();
    }
  }

  function stop() {
    playing = false;
    play.textContent = strings.play;
    play.setAttribute("aria-pressed", "false");
  }

  play.addEventListener("click", () => {
    if (playing) {
      stop();
      return;
    }
    playing = true;
    play.textContent = strings.pause;
    play.setAttribute("aria-pressed", "true");
    if (Number(slider.value) >= Number(slider.max)) {
      slider.value = "0";
    }
    advance();
  });

  // Where a state is drawn, in CSS pixels from the canvas's top left corner (or null): lets a
  // script, or a browser test, point at a state as a reader would.
  window.NetworkPicture = {
    positionOf(slug) {
      const position = positions.get(slug);
      return position ? { x: position.x, y: position.y } : null;
    },
  };

  new ResizeObserver(resize).observe(canvas);
  const initial = query(data.day);
  cache.set(initial, data.network);
  show(data.network, initial, false);
})();
