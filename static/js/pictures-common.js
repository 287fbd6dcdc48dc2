// What the pictures (network.js, map.js, timeline-chart.js) share: the data the page embeds,
// names and dates in the page's language, colours from pictures.css, and the tables that stand
// beside each picture as its text alternative.
"use strict";

window.Pictures = (() => {
  const language = (document.documentElement.lang || "en").slice(0, 2);

  /** The JSON a template wrote with `json_script`, or null. */
  function readJSON(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  /** In Russian the name in the state's own language where there is one; in English the reverse. */
  function localName(record, short = false) {
    const english = (short && record.short_name) || record.name || "";
    const native = (short && record.short_name_native) || record.name_native || "";
    return language === "ru" ? native || english : english || native;
  }

  /** Fills "%(name)s" placeholders, as Django's translated strings have them. */
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, key) => String(values[key]));
  }

  /** A CSS custom property of `element`, e.g. the colour of a status. */
  function cssVar(element, name, fallback = "#777") {
    return getComputedStyle(element).getPropertyValue(name).trim() || fallback;
  }

  const parts = (options) => new Intl.DateTimeFormat(language, { ...options, timeZone: "UTC" });
  const dayFormat = parts({ day: "numeric", month: "long", year: "numeric" });
  const monthFormat = parts({ month: "long", year: "numeric" });

  function pick(formatter, date, type) {
    return formatter.formatToParts(date).find((part) => part.type === type).value;
  }

  /**
   * A date written at its precision, as events.dates.PartialDate.display() writes it:
   * "2008", "June 2014" / "июнь 2014", "28 April 2015" / "28 апреля 2015".
   */
  function displayDate(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    if (!month) {
      return String(year);
    }
    const date = new Date(Date.UTC(year, month - 1, day || 1));
    date.setUTCFullYear(year);
    if (!day) {
      return `${pick(monthFormat, date, "month")} ${year}`;
    }
    return `${day} ${pick(dayFormat, date, "month")} ${year}`;
  }

  /** The first and last day a partial date ("2008", "2014-06", "2015-04-28") may stand for. */
  function interval(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    const pad = (number) => String(number).padStart(2, "0");
    const y = String(year).padStart(4, "0");
    if (day) {
      return { start: iso, end: iso };
    }
    if (month) {
      const last = new Date(Date.UTC(2000, month, 0)).getUTCDate();
      const days = month === 2 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 28 : last;
      return { start: `${y}-${pad(month)}-01`, end: `${y}-${pad(month)}-${pad(days)}` };
    }
    return { start: `${y}-01-01`, end: `${y}-12-31` };
  }

  /** A day as YYYY-MM-DD, and back; in UTC so that no time zone moves it. */
  function isoDay(date) {
    return date.toISOString().slice(0, 10);
  }
  function parseDay(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    const date = new Date(Date.UTC(year, month - 1, day));
    date.setUTCFullYear(year);
    return date;
  }
  const DAY = 24 * 60 * 60 * 1000;

  function link(href, text) {
    const anchor = document.createElement("a");
    anchor.href = href;
    anchor.textContent = text;
    return anchor;
  }

  function time(iso) {
    const element = document.createElement("time");
    element.dateTime = iso;
    element.textContent = displayDate(iso);
    return element;
  }

  /**
   * Rewrites the body of `table` from `rows`, `pageSize` rows at a time behind a "Show more"
   * button, and hides the server's page links, which no longer describe what is shown.
   * `cells(row)` returns the content of each cell: a string or a node.
   */
  function fillTable({ table, rows, cells, pageSize, more, empty, pages }) {
    const body = table.tBodies[0];
    let shown = 0;
    function append() {
      const fragment = document.createDocumentFragment();
      for (const row of rows.slice(shown, shown + pageSize)) {
        const tr = document.createElement("tr");
        for (const content of cells(row)) {
          const td = document.createElement("td");
          td.append(content);
          tr.append(td);
        }
        fragment.append(tr);
      }
      body.append(fragment);
      shown = Math.min(rows.length, shown + pageSize);
      if (more) {
        more.hidden = shown >= rows.length;
      }
    }
    body.replaceChildren();
    append();
    if (more) {
      more.onclick = append;
    }
    if (empty) {
      empty.hidden = rows.length > 0;
    }
    if (pages) {
      pages.hidden = true;
    }
  }

  return {
    language,
    readJSON,
    localName,
    format,
    cssVar,
    displayDate,
    interval,
    isoDay,
    parseDay,
    DAY,
    link,
    time,
    fillTable,
  };
})();
