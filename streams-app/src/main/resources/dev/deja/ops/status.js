// Deja's status page: polls status.json and draws it. Everything shown is set as text (textContent), never as
// markup: object keys and results come from users.
"use strict";
(function () {
  const POLL_MS = 5000;
  const HOUR_MS = 3600 * 1000;
  const OUTCOMES = ["INVOKED", "COALESCED", "CACHED", "FAILED"];
  const COLORS = { INVOKED: "#3b6fd8", COALESCED: "#8e5bd0", CACHED: "#2e9e62", FAILED: "#d8453b",
    p50: "#3b6fd8", p99: "#e08a1e", sla: "#d8453b", closed: "#2e9e62", half_open: "#e0b01e", open: "#d8453b",
    inFlight: "#1d2430" };
  const SVG = "http://www.w3.org/2000/svg";

  const byId = (id) => document.getElementById(id);
  const text = (id, value) => { byId(id).textContent = value; };
  const count = (n) => String(Math.round(n));
  const percent = (r) => (r === undefined || r === null) ? "–" : (100 * r).toFixed(1) + "%";
  const seconds = (s) => s.toFixed(1) + " s";
  const millis = (ms) => ms >= 10000 ? (ms / 1000).toFixed(1) + " s" : Math.round(ms) + " ms";
  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
  const duration = (s) => s >= 120 ? Math.round(s / 60) + " min" : s + " s";

  function figure(id, value, shown) {
    const cell = byId(id);
    cell.textContent = shown;
    cell.dataset.value = value === undefined ? "" : String(value);
  }

  function figures(suffix, f) {
    figure("uploads-" + suffix, f.uploads, count(f.uploads));
    figure("invocations-" + suffix, f.invocations, count(f.invocations));
    figure("saved-" + suffix, f.saved, count(f.saved));
    figure("compute-" + suffix, f.computeSavedSeconds, seconds(f.computeSavedSeconds));
    figure("hit-" + suffix, f.hitRatio, percent(f.hitRatio));
    figure("sla-" + suffix, f.slaShare, percent(f.slaShare));
    figure("dead-" + suffix, f.deadLetters, count(f.deadLetters));
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function shape(svg, name, attributes) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    svg.appendChild(node);
    return node;
  }

  // The charts span the last hour, or less while the process is younger (at least 5 minutes).
  let spanMs = HOUR_MS;

  function setSpan(s) {
    const oldest = s.history.length ? s.history[0].timeMs - s.sampleSeconds * 1000 : s.timeMs;
    spanMs = Math.min(HOUR_MS, Math.max(5 * 60 * 1000, s.timeMs - oldest));
  }

  function xOf(t, now) {
    return 600 * (t - (now - spanMs)) / spanMs;
  }

  function barWidth(s) {
    return Math.max(1, 600 * s.sampleSeconds * 1000 / spanMs - 0.5);
  }

  function chartUploads(s) {
    const svg = byId("chart-uploads");
    clear(svg);
    const top = Math.max(1, ...s.history.map((p) => OUTCOMES.reduce((sum, o) => sum + p.uploads[o], 0)));
    const w = barWidth(s);
    for (const p of s.history) {
      let y = 140;
      for (const o of OUTCOMES) {
        const h = 136 * p.uploads[o] / top;
        if (h <= 0) continue;
        y -= h;
        shape(svg, "rect", { x: xOf(p.timeMs, s.timeMs) - w, y: y, width: w, height: h, fill: COLORS[o] })
          .appendChild(document.createElementNS(SVG, "title")).textContent = o + " " + p.uploads[o] + " at " + clock(p.timeMs);
      }
    }
    text("uploads-top", "top " + top + " per " + s.sampleSeconds + " s");
  }

  function line(svg, points, color, dash) {
    if (points.length === 0) return;
    const d = points.map((pt, i) => (i === 0 ? "M" : "L") + pt[0].toFixed(1) + " " + pt[1].toFixed(1)).join(" ");
    shape(svg, "path", { d: d, fill: "none", stroke: color, "stroke-width": 1.5, "vector-effect": "non-scaling-stroke",
      "stroke-dasharray": dash || "none" });
    if (points.length === 1) {
      shape(svg, "circle", { cx: points[0][0], cy: points[0][1], r: 2, fill: color });
    }
  }

  function chartLatency(s) {
    const svg = byId("chart-latency");
    clear(svg);
    const top = Math.max(s.slaTargetMs * 1.25, ...s.history.map((p) => p.p99Ms || 0)) * 1.05;
    const y = (ms) => 140 - 136 * ms / top;
    line(svg, [[0, y(s.slaTargetMs)], [600, y(s.slaTargetMs)]], COLORS.sla, "6 4");
    for (const q of ["p50", "p99"]) {
      line(svg, s.history.filter((p) => p[q + "Ms"] !== undefined).map((p) => [xOf(p.timeMs, s.timeMs), y(p[q + "Ms"])]), COLORS[q]);
    }
    text("latency-top", "top " + millis(top));
  }

  function chartInFlight(s) {
    const svg = byId("chart-in-flight");
    clear(svg);
    const points = s.history.filter((p) => p.inFlight !== undefined);
    const top = Math.max(1, ...points.map((p) => p.inFlight));
    line(svg, points.map((p) => [xOf(p.timeMs, s.timeMs), 78 - 74 * p.inFlight / top]), COLORS.inFlight);
    text("in-flight-top", points.length ? "top " + top : "no invoker in this process");
  }

  function chartBreaker(s) {
    const svg = byId("chart-breaker");
    clear(svg);
    const w = barWidth(s);
    for (const p of s.history) {
      if (!p.breaker) continue;
      shape(svg, "rect", { x: xOf(p.timeMs, s.timeMs) - w, y: 0, width: w + 0.3, height: 24, fill: COLORS[p.breaker] })
        .appendChild(document.createElementNS(SVG, "title")).textContent = p.breaker + " at " + clock(p.timeMs);
    }
  }

  function cell(row, value, className) {
    const td = row.insertCell();
    if (value instanceof Node) td.appendChild(value); else td.textContent = value === undefined || value === null ? "" : value;
    if (className) td.className = className;
    return td;
  }

  function outcomeBadge(outcome) {
    const span = document.createElement("span");
    span.className = "outcome o-" + outcome;
    span.textContent = outcome;
    return span;
  }

  function resultOf(u) {
    if (u.error) return "error: " + u.error;
    if (u.link) {
      const a = document.createElement("a");
      a.href = u.link;
      a.rel = "noopener noreferrer";
      a.textContent = u.link;
      return a;
    }
    const shown = u.resultObject || u.result || "";
    const span = document.createElement("span");
    span.textContent = shown.length > 64 ? shown.slice(0, 40) + "…" + shown.slice(-20) : shown;
    span.title = shown;
    span.className = "result";
    return span;
  }

  function recent(s) {
    const body = byId("recent-rows");
    clear(body);
    for (const u of s.recent) {
      const row = body.insertRow();
      row.className = "upload";
      cell(row, clock(u.timeMs), "time");
      cell(row, u.object, "object").title = u.dedupKey;
      cell(row, outcomeBadge(u.outcome), "time");
      cell(row, millis(u.latencyMs), "time");
      cell(row, resultOf(u));
    }
    if (s.recent.length === 0) cell(body.insertRow(), "no upload answered yet").colSpan = 5;
    const dead = byId("dead-rows");
    clear(dead);
    for (const d of s.deadLetters) {
      const row = dead.insertRow();
      cell(row, clock(d.timeMs), "time");
      cell(row, d.reason, "reason");
    }
    if (s.deadLetters.length === 0) cell(dead.insertRow(), "none").colSpan = 2;
  }

  function render(s) {
    text("version", "version " + s.version);
    text("applications", Object.entries(s.applications).map(([k, v]) => k + " " + v).join(" · "));
    text("updated", "updated " + clock(s.timeMs));
    text("window-label", s.window.seconds >= 300 ? "last 5 min" : "last " + duration(s.window.seconds));
    text("sla-label", "within SLA (" + millis(s.slaTargetMs) + ")");
    setSpan(s);
    text("sample-label", "(the last " + duration(Math.round(spanMs / 1000)) + ", one point per " + s.sampleSeconds + " s)");
    figures("total", s.sinceStart);
    figures("window", s.window);
    text("in-flight", s.inFlight === undefined ? "–" : count(s.inFlight));
    text("breaker", s.breaker || "–");
    chartUploads(s);
    chartLatency(s);
    chartInFlight(s);
    chartBreaker(s);
    recent(s);
    document.body.dataset.loaded = String(s.timeMs);
  }

  async function poll() {
    try {
      const response = await fetch("status.json", { cache: "no-store" });
      if (!response.ok) throw new Error("status.json answered " + response.status);
      render(await response.json());
    } catch (e) {
      text("updated", "not updated: " + e.message);
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  const MD5 = /^[0-9a-fA-F]{32}$/;
  const DEDUP_KEY = /^.+@.*#[0-9a-fA-F]*:[0-9a-fA-F]{32}$/;

  async function get(path) {
    const response = await fetch(path, { cache: "no-store" });
    const body = await response.text();
    let parsed;
    try { parsed = JSON.parse(body); } catch (e) { parsed = body; }
    return { status: response.status, body: parsed };
  }

  async function search(target) {
    const out = byId("search-result");
    out.textContent = "looking up " + target + "…";
    try {
      let shown;
      if (MD5.test(target)) {
        const r = await get("md5/" + target.toLowerCase());
        shown = { "entries of this content": r.body };
      } else if (DEDUP_KEY.test(target) || target.indexOf("/") < 0) {
        const r = await get("entries/" + encodeURIComponent(target));
        shown = { entry: r.status === 404 ? "no entry for " + target : r.body };
      } else {
        const r = await get("outputs/" + target.split("/").map(encodeURIComponent).join("/"));
        const outputs = Array.isArray(r.body) ? r.body : [];
        shown = { "latest output": outputs.length ? outputs : "no output for " + target };
        for (const o of outputs) {
          const e = await get("entries/" + encodeURIComponent(o.dedupKey));
          shown["entry " + o.dedupKey] = e.status === 404 ? "no entry now (expired or replayed)" : e.body;
        }
      }
      out.textContent = JSON.stringify(shown, null, 2);
    } catch (e) {
      out.textContent = "lookup failed: " + e.message;
    }
  }

  byId("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const target = byId("search-input").value.trim();
    if (target) search(target);
  });
  const asked = new URLSearchParams(location.search).get("q");
  if (asked) {
    byId("search-input").value = asked;
    search(asked);
  }
  poll();
})();
