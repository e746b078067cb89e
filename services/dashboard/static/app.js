// crystal-rl dashboard page: one Server-Sent Events connection (/api/live) for everything live,
// the JSON API for the rest (stream inspector, heat maps of other maps, controls). No libraries.
"use strict";

const $ = (id) => document.getElementById(id);
const SOURCES = ["llm", "dqn", "rules", "dashboard"];
const SOURCE_COLOURS = { llm: "var(--purple)", dqn: "var(--blue)", rules: "var(--orange)", dashboard: "var(--green)" };
const PALETTE = ["#f2cc60", "#58a6ff", "#3fb950", "#bc8cff", "#f0883e", "#39c5cf", "#ff7b72", "#8b949e"];

const token = (() => {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) sessionStorage.setItem("crl-token", fromUrl);
  return fromUrl || sessionStorage.getItem("crl-token");
})();

const state = {
  env: null,
  envs: {},          // env -> latest summary
  series: {},        // env -> plot points
  heat: {},          // env -> current map heat
  services: [],
  servicesAt: 0,
  learner: [],
  events: [],
  acks: new Map(),   // command id -> <li>
  screenTimes: [],
  heatMap: "",       // "" follows the current map, else "g,n" of a chosen map
  stream: null,      // stream inspector: { name, page, pages }
};

// ---------------------------------------------------------------------------------------- helpers

const names = { species: [] };
/** A species' name once `/api/names` has answered (a number until then, and for numbers the game does not use). */
function speciesName(number) { return names.species[number] || (number === 0xfd ? "Egg" : `#${number}`); }

function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body) headers["Content-Type"] = "application/json";
  return fetch(path, { ...options, headers }).then(async (response) => {
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const detail = body && body.detail;
      const text = typeof detail === "string" ? detail : JSON.stringify(detail);
      throw new Error(`${response.status}: ${text}`);
    }
    return body;
  });
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "style") node.style.cssText = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children.flat()) {
    if (child == null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function fmt(value, digits = 2) {
  if (value == null || Number.isNaN(value)) return "—";
  if (typeof value !== "number") return String(value);
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
  if (abs >= 100) return value.toFixed(1);
  if (abs > 0 && abs < 0.01) return value.toExponential(1);
  return value.toFixed(digits);
}

function signed(value) {
  if (value == null) return "—";
  return (value > 0 ? "+" : "") + fmt(value);
}

function ago(seconds) {
  if (seconds < 1) return "just now";
  if (seconds < 60) return `${seconds.toFixed(0)} s ago`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(0)} min ago`;
  return `${(seconds / 3600).toFixed(1)} h ago`;
}

function duration(seconds) {
  if (seconds < 60) return `${seconds.toFixed(0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function pick(counters, ...names) {
  // a tag such as "losses/td_loss" is also looked up as the heartbeat writes it ("losses_td_loss")
  for (const name of names) {
    for (const key of [name, name.replaceAll("/", "_")]) if (typeof counters?.[key] === "number") return counters[key];
  }
  return null;
}

function setText(id, text, cls) {
  const node = $(id);
  if (node.textContent !== text) node.textContent = text;
  if (cls !== undefined) node.className = `value ${cls}`;
}

function service(name) {
  return state.services.filter((s) => s.service === name && s.up);
}

// ------------------------------------------------------------------------------------ live stream

function connect() {
  const url = "/api/live" + (token ? `?token=${encodeURIComponent(token)}` : "");
  const source = new EventSource(url);
  const conn = $("conn");
  source.onopen = () => { conn.textContent = "live"; conn.className = "pill pill-ok"; };
  source.onerror = () => { conn.textContent = "reconnecting…"; conn.className = "pill pill-bad"; };
  source.addEventListener("snapshot", (e) => onSnapshot(JSON.parse(e.data)));
  source.addEventListener("env", (e) => onEnv(JSON.parse(e.data)));
  source.addEventListener("heat", (e) => onHeat(JSON.parse(e.data)));
  source.addEventListener("services", (e) => onServices(JSON.parse(e.data)));
  source.addEventListener("events", (e) => onEvents(JSON.parse(e.data)));
  source.addEventListener("episodes", (e) => onEpisodes(JSON.parse(e.data)));
}

function onSnapshot(snap) {
  for (const [env, payload] of Object.entries(snap.envs)) {
    state.series[env] = payload.series || [];
    if (payload.heat) state.heat[env] = payload.heat;
    onEnv(payload);
  }
  state.learner = snap.learner_series || [];
  state.events = [];
  onServices({ services: snap.services, learner: null });
  onEvents(snap.events || []);
  onCurve(snap.curve);
  renderPlots();
  renderHeat();
}

function onEnv(payload) {
  const env = payload.env;
  state.envs[env] = payload;
  if (!(env in state.series)) state.series[env] = [];
  ensureEnvOption(env, payload.episode);
  if (payload.point) {
    const series = state.series[env];
    series.push(payload.point);
    if (series.length > 2000) series.splice(0, series.length - 2000);
  }
  if (env !== state.env) return;
  if (payload.screen) showScreen(payload.screen);
  scheduleRender(payload.point != null);
}

function onHeat(heat) {
  state.heat[heat.env] = heat;
  if (heat.env === state.env && !state.heatMap) renderHeat();
}

function onServices(message) {
  state.services = message.services;
  state.servicesAt = performance.now();
  if (message.learner) {
    const last = state.learner[state.learner.length - 1];
    if (!last || last.t < message.learner.t) state.learner.push(message.learner);
  }
  renderServices();
  scheduleRender(false);
}

function onEvents(events) {
  for (const event of events) {
    state.events.push(event);
    if (event.kind === "control_ack") onAck(event);
  }
  if (state.events.length > 300) state.events.splice(0, state.events.length - 300);
  renderEvents();
}

// Each env's option says its emulator's episode number; the curve panel lists them all.
function ensureEnvOption(env, episode) {
  const select = $("env-select");
  const label = `${env} · episode ${episode ?? 0}`;
  const option = [...select.options].find((o) => o.value === env);
  if (!option) {
    select.append(el("option", { value: env }, label));
    if (state.env == null) { state.env = env; select.value = env; }
    renderCurveEnvs();
  } else if (option.textContent !== label) {
    option.textContent = label;
    renderCurveEnvs();
  }
}

let renderQueued = false;
let plotsDue = false;
function scheduleRender(withPlots) {
  plotsDue = plotsDue || withPlots;
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderNumbers();
    if (plotsDue) { plotsDue = false; renderPlots(); }
  });
}

function showScreen(b64) {
  const img = $("screen");
  img.src = `data:image/png;base64,${b64}`;
  img.dataset.updates = String(Number(img.dataset.updates || 0) + 1);
  $("screen-empty").classList.add("hidden");
  const now = performance.now();
  state.screenTimes.push(now);
  while (state.screenTimes.length && now - state.screenTimes[0] > 2000) state.screenTimes.shift();
  $("screen-fps").textContent = (state.screenTimes.length / 2).toFixed(1);
}

// -------------------------------------------------------------------------------------- numbers

function renderNumbers() {
  const s = state.envs[state.env];
  if (!s) return;
  const st = s.state || {};
  setText("n-step", fmt(s.step));
  setText("n-episode", `episode ${s.episode ?? 0}`);
  setText("screen-step", fmt(s.step));
  setText("last-action", s.action ? s.action.toUpperCase() : "—");
  setText("last-source", s.action_source || "—");
  setText("n-sps", fmt(s.steps_per_s, 1));
  setText("n-total", fmt(s.total_reward), s.total_reward >= 0 ? "pos" : "neg");
  setText("n-total-sub", s.total_exact ? "whole run" : "since the oldest retained frame");
  setText("n-recent", signed(s.recent_reward), s.recent_reward >= 0 ? "pos" : "neg");
  setText("n-recent-sub", `last ${s.recent_steps} steps`);
  setText("n-map", st.map_name || (st.map_group != null ? `map ${st.map_group}:${st.map_number}` : "—"));
  setText("n-pos", st.map_group != null ? `(${st.map_group}, ${st.map_number}) · x ${st.x} y ${st.y} · facing ${st.facing}` : "");
  setText("n-money", st.money != null ? `₽${fmt(st.money)}` : "—");
  setText("n-badges", fmt(s.badges));
  setText("n-badges-sub", st.johto_badges != null ? `johto ${st.johto_badges.toString(2).padStart(8, "0")}` : "");
  setText("n-interventions", fmt(s.interventions));
  setText("n-interventions-sub", `${s.interventions_recent} in last ${s.recent_steps} steps`);
  setText("n-tiles", fmt(s.tiles_visited));
  setText("n-maps", `tiles on ${s.maps_visited} map(s)`);
  $("paused-overlay").classList.toggle("hidden", !s.paused);

  // this env's plan figures, the emulator's half and the planners' joined by the server (shared/planner_counters.py)
  const planners = service("llm_planner");
  const plans = s.plans || {};
  const kinds = (name) => {
    const parts = Object.keys(plans).filter((k) => k.startsWith(`${name}.`) && plans[k])
      .sort().map((k) => `${k.slice(name.length + 1)} ${fmt(plans[k])}`);
    return fmt(plans[name] ?? 0) + (parts.length ? ` (${parts.join(", ")})` : "");
  };
  setText("n-plans", fmt(plans.applied ?? (planners.length ? 0 : null)));
  setText("n-plans-sub", planners.length
    ? `applied, of ${fmt(plans.requests ?? 0)} requests · rejected ${kinds("rejected")} · stale ${kinds("stale")}`
      + ` · superseded ${fmt(plans.superseded ?? 0)} · failed ${fmt(plans.failed ?? 0)} · every ${s.llm_interval ?? "?"} steps`
    : `no planner up · every ${s.llm_interval ?? "?"} steps`);
  const host = service("model_host")[0];
  const p50 = plans.model_p50_ms ?? -1, p99 = plans.model_p99_ms ?? -1;
  setText("n-latency", p50 >= 0 ? `${fmt(p50 / 1000, 1)} s` : "—");
  setText("n-latency-sub", (p99 >= 0 ? `model p99 ${fmt(p99 / 1000, 1)} s` : "")
    + (host ? ` · model host ${host.status}` : ""));

  const learner = service("dqn_learner")[0]?.counters;
  const loss = pick(learner, "loss", "losses/td_loss");
  setText("n-loss", fmt(loss, 4));
  const margin = pick(learner, "losses/margin_loss");
  const demoBuffer = pick(learner, "buffer/demo_share");
  const demoBatch = pick(learner, "charts/demo_batch_share");
  setText("n-loss-sub", learner
    ? `updates ${fmt(pick(learner, "updates", "charts/updates"))}`
      + (margin == null ? "" : ` · margin loss ${fmt(margin, 4)}`)
      + (demoBuffer == null ? "" : ` · demos ${(100 * demoBuffer).toFixed(1)}% of buffer, ${(100 * (demoBatch ?? 0)).toFixed(0)}% of batches`)
    : "no learner up");
  const eps = pick(learner, "epsilon", "charts/epsilon");
  setText("n-eps", eps == null ? "—" : eps.toFixed(3));
  setText("n-meanq", `mean Q ${fmt(pick(learner, "mean_q", "losses/q_values"))}`);
  setText("n-ups", fmt(pick(learner, "updates_per_s", "charts/updates_per_s"), 1));
  const samples = pick(learner, "samples_per_step", "charts/samples_per_step");
  setText("n-samples", fmt(samples, 2));
  setText("n-samples-sub", learner ? (samples == null ? "not reported by this learner" : "replayed samples per env step") : "no learner up");
  const inf50 = pick(learner, "inference_p50_ms", "latency/inference_ms_p50");
  const inf99 = pick(learner, "inference_p99_ms", "latency/inference_ms_p99");
  setText("n-inference", inf50 == null ? "" : `inference ${fmt(inf50)} / ${fmt(inf99)} ms`);

  renderShares(s.sources || {});
  renderBreakdown(s.recent_breakdown || {}, s.recent_steps);
  renderParty(st.party || []);
  renderBattle(st.battle);
}

function renderShares(shares) {
  const bar = $("sharebar");
  bar.replaceChildren(...SOURCES.map((k) => el("div", {
    title: `${k} ${(100 * (shares[k] || 0)).toFixed(0)}%`,
    style: `width:${100 * (shares[k] || 0)}%;background:${SOURCE_COLOURS[k]}`,
  })));
  $("share-legend").replaceChildren(...SOURCES.map((k) => el("span", {},
    el("i", { class: "sw", style: `background:${SOURCE_COLOURS[k]}` }), `${k} `, el("b", {}, `${(100 * (shares[k] || 0)).toFixed(0)}%`))));
}

function renderBreakdown(breakdown, steps) {
  $("breakdown-window").textContent = `last ${steps} steps`;
  const entries = Object.entries(breakdown);
  if (!entries.length) { $("breakdown").replaceChildren(el("div", { class: "muted" }, "no reward in this window")); return; }
  const max = Math.max(...entries.map(([, v]) => Math.abs(v)));
  $("breakdown").replaceChildren(...entries.slice(0, 8).map(([name, value]) => {
    const width = max ? (50 * Math.abs(value)) / max : 0;
    const style = value >= 0 ? `left:50%;width:${width}%;background:var(--green)` : `right:50%;width:${width}%;background:var(--red)`;
    return el("div", { class: "bar" }, el("span", {}, name), el("div", { class: "track" }, el("div", { class: "fill", style })),
      el("span", { class: `num ${value >= 0 ? "pos" : "neg"}` }, signed(value)));
  }));
}

function renderParty(party) {
  if (!party.length) { $("party").replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "muted" }, "no Pokémon yet"))); return; }
  $("party").replaceChildren(...party.map((mon, i) => {
    const frac = mon.max_hp ? mon.hp / mon.max_hp : 0;
    const colour = frac > 0.5 ? "var(--green)" : frac > 0.2 ? "var(--accent)" : "var(--red)";
    return el("tr", {}, el("td", {}, i + 1), el("td", {}, speciesName(mon.species)), el("td", { class: "mono" }, mon.level),
      el("td", { class: "mono" }, el("span", { class: "hp" }, el("i", { style: `width:${100 * frac}%;background:${colour}` })), `${mon.hp}/${mon.max_hp}`));
  }));
}

function renderBattle(battle) {
  const node = $("battle");
  if (!battle || !battle.mode) { node.textContent = "not in battle"; node.className = "battle muted"; return; }
  node.className = "battle";
  node.textContent = `${battle.mode === 1 ? "wild" : "trainer"} battle · enemy ${speciesName(battle.enemy_species)} lv ${battle.enemy_level} · HP ${battle.enemy_hp}`;
}

// ----------------------------------------------------------------------------------------- plots

function lineChart(svg, lines, options = {}) {
  const width = svg.clientWidth || 360;
  const height = svg.clientHeight || 150;
  const pad = { l: 46, r: options.rightAxis ? 40 : 8, t: 8, b: 18 };
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const all = lines.flatMap((l) => l.points);
  svg.dataset.points = String(all.length);
  if (all.length < 2) {
    svg.innerHTML = `<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">${options.empty || "waiting for data…"}</text>`;
    return;
  }
  const ts = all.map((p) => p[0]);
  const t0 = Math.min(...ts), t1 = Math.max(...ts) || t0 + 1;
  const x = (t) => pad.l + ((t - t0) / (t1 - t0 || 1)) * (width - pad.l - pad.r);
  let parts = [];
  const axes = {};
  for (const line of lines) {
    const axis = line.axis || "left";
    const values = line.points.map((p) => p[1]);
    if (!values.length) continue;
    const a = axes[axis] || (axes[axis] = { min: Infinity, max: -Infinity });
    a.min = Math.min(a.min, ...values, options.zero ? 0 : Infinity);
    a.max = Math.max(a.max, ...values);
  }
  for (const a of Object.values(axes)) {
    if (options.range) { a.min = options.range[0]; a.max = options.range[1]; }
    if (a.max === a.min) { a.max += 1; a.min -= options.zero && a.min === 0 ? 0 : 1; }
  }
  const y = (v, axis) => {
    const a = axes[axis || "left"];
    return pad.t + (1 - (v - a.min) / (a.max - a.min)) * (height - pad.t - pad.b);
  };
  for (let i = 0; i <= 3; i++) {
    const gy = pad.t + (i / 3) * (height - pad.t - pad.b);
    parts.push(`<line class="grid" x1="${pad.l}" x2="${width - pad.r}" y1="${gy}" y2="${gy}"/>`);
    for (const [axis, a] of Object.entries(axes)) {
      const v = a.max - (i / 3) * (a.max - a.min);
      const tx = axis === "left" ? pad.l - 4 : width - pad.r + 4;
      parts.push(`<text x="${tx}" y="${gy + 3}" text-anchor="${axis === "left" ? "end" : "start"}">${fmt(v, 2)}</text>`);
    }
  }
  const span = t1 - t0;
  parts.push(`<text x="${pad.l}" y="${height - 4}">−${duration(span)}</text>`);
  parts.push(`<text x="${width - pad.r}" y="${height - 4}" text-anchor="end">now</text>`);
  for (const line of lines) {
    if (line.points.length < 1) continue;
    const d = line.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1], line.axis).toFixed(1)}`).join(" ");
    if (line.fill) {
      const base = y(axes[line.axis || "left"].min, line.axis);
      parts.push(`<polygon points="${x(line.points[0][0])},${base} ${d} ${x(line.points[line.points.length - 1][0])},${base}" fill="${line.colour}" fill-opacity="0.12"/>`);
    }
    parts.push(`<polyline class="series" points="${d}" fill="none" stroke="${line.colour}" stroke-width="1.8" stroke-linejoin="round"/>`);
  }
  svg.innerHTML = parts.join("");
}

function renderPlots() {
  const points = state.series[state.env] || [];
  const pts = (key) => points.filter((p) => p[key] != null).map((p) => [p.t, p[key]]);
  lineChart($("plot-reward"), [{ points: pts("total_reward"), colour: "var(--accent)", fill: true }]);
  lineChart($("plot-sps"), [{ points: pts("steps_per_s"), colour: "var(--green)", fill: true }], { zero: true });
  const learner = state.learner;
  lineChart($("plot-dqn"), [
    { points: learner.filter((p) => p.loss != null).map((p) => [p.t, p.loss]), colour: "var(--orange)" },
    { points: learner.filter((p) => p.epsilon != null).map((p) => [p.t, p.epsilon]), colour: "var(--blue)", axis: "right" },
  ], { rightAxis: true, empty: "no learner has reported yet" });
  lineChart($("plot-sources"), SOURCES.map((k) => ({ points: pts(`share_${k}`), colour: SOURCE_COLOURS[k] })), { range: [0, 1] });
  $("plot-sources-legend").replaceChildren(...SOURCES.map((k) => el("span", {}, el("i", { class: "sw", style: `background:${SOURCE_COLOURS[k]}` }), `${k} `)));
}

// -------------------------------------------------------------------------------------- heat map

function heatColour(f) {
  // dark blue → teal → yellow → white, readable on the dark background
  const stops = [[20, 40, 90], [30, 140, 160], [240, 200, 80], [255, 250, 230]];
  const x = Math.min(1, Math.max(0, f)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const t = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function drawHeat(heat) {
  const canvas = $("heat");
  const ratio = window.devicePixelRatio || 1;
  const W = canvas.clientWidth || 560, H = canvas.clientHeight || 300;
  canvas.width = W * ratio; canvas.height = H * ratio;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, W, H);
  if (!heat || !heat.tiles.length) {
    ctx.fillStyle = "#8b949e"; ctx.font = "12px system-ui"; ctx.textAlign = "center";
    ctx.fillText("no tiles visited yet", W / 2, H / 2);
    canvas.dataset.tiles = "0"; canvas.dataset.cols = canvas.dataset.rows = "0";
    return;
  }
  canvas.dataset.tiles = String(heat.tiles.length);
  // the whole map when the game gave its size (a scrolling map, of which a few tiles are visited), else the
  // box around the visited tiles; a tile outside the map (a warp's edge) still widens it
  const xs = heat.tiles.map((t) => t[0]), ys = heat.tiles.map((t) => t[1]);
  const [mw, mh] = heat.size || [0, 0];
  const sized = mw > 0 && mh > 0;
  const x0 = sized ? Math.min(0, ...xs) : Math.min(...xs) - 1, x1 = sized ? Math.max(mw - 1, ...xs) : Math.max(...xs) + 1;
  const y0 = sized ? Math.min(0, ...ys) : Math.min(...ys) - 1, y1 = sized ? Math.max(mh - 1, ...ys) : Math.max(...ys) + 1;
  canvas.dataset.cols = String(x1 - x0 + 1); canvas.dataset.rows = String(y1 - y0 + 1);
  const cell = Math.max(2, Math.min((W - 20) / (x1 - x0 + 1), (H - 20) / (y1 - y0 + 1), 28));
  const ox = (W - cell * (x1 - x0 + 1)) / 2, oy = (H - cell * (y1 - y0 + 1)) / 2;
  ctx.fillStyle = "#121722";
  ctx.fillRect(ox, oy, cell * (x1 - x0 + 1), cell * (y1 - y0 + 1));
  const maxLog = Math.log1p(Math.max(...heat.tiles.map((t) => t[2])));
  for (const [tx, ty, n] of heat.tiles) {
    ctx.fillStyle = heatColour(Math.log1p(n) / (maxLog || 1));
    ctx.fillRect(ox + (tx - x0) * cell + 0.5, oy + (ty - y0) * cell + 0.5, cell - 1, cell - 1);
  }
  if (heat.position) {
    const [px, py] = heat.position;
    ctx.strokeStyle = "#ff7b72"; ctx.lineWidth = 2;
    ctx.strokeRect(ox + (px - x0) * cell, oy + (py - y0) * cell, cell, cell);
  }
  const dims = sized ? ` · ${mw}×${mh}` : "";
  $("heat-info").textContent = `${heat.name || `map ${heat.map.join(":")}`}${dims} · ${heat.tiles.length} tiles · ${fmt(heat.visits)} visits`;
}

function renderHeat() {
  if (!state.heatMap) drawHeat(state.heat[state.env]);
}

async function loadNotes() { // the model's own memory, written with its plans: a few lines, looked at every 3 s
  if (!state.env) return;
  try {
    const got = await api(`/api/envs/${encodeURIComponent(state.env)}/notes`);
    const list = $("n-notes");
    list.replaceChildren(...(got.notes.length ? got.notes.map((n) => el("div", {}, n)) : ["—"]));
    setText("n-notes-sub", got.notes.length ? `written at step ${fmt(got.step)}` : "none yet");
  } catch (error) { console.warn(error); }
}
setInterval(loadNotes, 3000);

async function loadMaps() {
  if (!state.env) return;
  try {
    const explored = await api(`/api/envs/${encodeURIComponent(state.env)}/explored`);
    const select = $("heat-map-select");
    const keep = select.value;
    select.replaceChildren(el("option", { value: "" }, "current map"),
      ...explored.maps.map((m) => el("option", { value: m.map.join(",") }, `${m.name || "map " + m.map.join(":")} (${m.tiles.length})`)));
    select.value = keep;
    state.maps = explored.maps;
  } catch (error) { console.warn(error); }
}

$("heat-map-select").addEventListener("focus", loadMaps);
$("heat-map-select").addEventListener("change", async (e) => {
  state.heatMap = e.target.value;
  if (!state.heatMap) { renderHeat(); return; }
  await loadMaps();
  drawHeat((state.maps || []).find((m) => m.map.join(",") === state.heatMap));
});

// -------------------------------------------------------------------------------------- services

async function loadRedis() { // which Redis the services share (its URL without the password), and which server
  try {
    const got = await api("/api/redis");
    setText("redis-info", `Redis: ${got.url} (${got.server})`);
  } catch (error) { console.warn(error); }
}
loadRedis();

function renderServices() {
  const body = $("services");
  const down = state.services.filter((s) => !s.up).length;
  $("services-badge").textContent = down ? String(down) : "";
  if (!state.services.length) { body.replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "muted" }, "no heartbeats yet"))); return; }
  body.replaceChildren(...state.services.map((s) => el("tr", { class: s.up ? "up" : "down", "data-service": s.service, "data-instance": s.instance },
    el("td", {}, el("span", { class: `dot ${s.up ? "up" : "down"}` })),
    el("td", {}, s.service),
    el("td", { class: "mono" }, s.instance),
    el("td", { class: "status" }, s.up ? s.status : `down (was ${s.last_status})`, s.about ? el("div", { class: "muted about" }, s.about) : ""),
    el("td", { class: "mono" }, ago(s.age_s)),
    el("td", { class: "mono" }, duration(s.uptime_s)),
    el("td", {}, el("div", { class: "chips" }, ...Object.entries(s.counters).map(([k, v]) => el("span", { class: "chip" }, `${k} `, el("b", {}, fmt(v))))))
  )));
}

// ---------------------------------------------------------------------------------------- events

function renderEvents() {
  const list = $("events");
  const items = state.events.slice(-200).reverse();
  list.replaceChildren(...items.map((e) => el("li", { class: `${e.level} ${e.kind}` },
    el("span", { class: "t" }, new Date(e.ts * 1000).toLocaleTimeString()),
    el("span", { class: "k" }, e.kind),
    el("span", {}, `${e.env != null ? `[env ${e.env}] ` : ""}${e.message}`))));
}

// -------------------------------------------------------------------------------------- controls

async function sendControl(body) {
  if (!state.env) return;
  const label = body.command === "press" ? `press ${body.button.toUpperCase()}` : body.command + (body.name ? ` ${body.name}` : "") + (body.value ? ` ${body.value}` : "");
  const item = el("li", {}, `${label}: sending…`);
  const list = $("acks");
  list.prepend(item);
  while (list.children.length > 6) list.lastChild.remove();
  try {
    const sent = await api(`/api/envs/${encodeURIComponent(state.env)}/control`, { method: "POST", body: JSON.stringify(body) });
    item.dataset.id = sent.id;
    item.textContent = `${label}: ${sent.status}, waiting for the emulator…`;
    state.acks.set(sent.id, { item, label });
    const early = state.events.find((e) => e.kind === "control_ack" && e.data.id === sent.id);
    if (early) onAck(early);
  } catch (error) {
    item.textContent = `${label}: ${error.message}`;
    item.className = "fail";
  }
}

function onAck(event) {
  const pending = state.acks.get(event.data.id);
  if (!pending) return;
  pending.item.textContent = `${pending.label}: ${event.data.ok ? "✓ took effect" : "✗ failed"}${event.data.detail ? " — " + event.data.detail : ""}`;
  pending.item.className = event.data.ok ? "ok" : "fail";
  pending.item.dataset.acked = event.data.ok ? "ok" : "failed";
  state.acks.delete(event.data.id);
}

for (const button of document.querySelectorAll(".btn-press")) {
  button.addEventListener("click", () => sendControl({ command: "press", button: button.dataset.button }));
}
$("btn-pause").addEventListener("click", () => sendControl({ command: "pause" }));
$("btn-resume").addEventListener("click", () => sendControl({ command: "resume" }));
$("btn-save").addEventListener("click", () => sendControl({ command: "save", ...($("save-name").value ? { name: $("save-name").value } : {}) }));
$("btn-load").addEventListener("click", () => sendControl({ command: "load", name: $("save-name").value }));
$("btn-llm").addEventListener("click", () => sendControl({ command: "set_llm_interval", value: Number($("llm-interval").value) }));
if (!token) {
  $("token-note").classList.remove("hidden");
  for (const b of document.querySelectorAll("#controls button")) b.disabled = true;
}

// --------------------------------------------------------------------------------------- streams

function summarise(entry) {
  if (!entry.ok) return `⚠ ${entry.error}`;
  const m = entry.message;
  switch (entry.kind) {
    case "frame": return `env ${m.env} step ${m.step} · ${m.state.map_name || m.state.map_group + ":" + m.state.map_number} (${m.state.x},${m.state.y}) · ${m.action || "—"} by ${m.action_source || "—"} · reward ${signed(m.reward)}`;
    case "event": return `[${m.level}] ${m.kind}: ${m.message}`;
    case "action": return `${m.source} → ${m.buttons.join(" ")} for step ${m.step}${m.goal ? " · " + m.goal : ""}`;
    case "control": return `${m.command}${m.button ? " " + m.button : ""}${m.name ? " " + m.name : ""}${m.value ? " " + m.value : ""} (id ${m.id.slice(0, 8)})`;
    case "plan_request": return `env ${m.env} step ${m.step} · ${m.reason}`;
    case "episode": return `env ${m.env} episode ${m.episode}${m.eval ? " (eval)" : ""} · ${m.steps} steps · return ${signed(m.total_reward)} · ${m.terminated ? "goal" : m.truncated ? "time limit" : "ended"}${Object.keys(m.milestones).length ? " · " + Object.keys(m.milestones).join(", ") : ""}`;
    case "dead": return `${m.source_stream} ${m.entry_id}: ${m.reason}`;
    default: return entry.kind;
  }
}

async function loadStreams() {
  const body = $("streams");
  try {
    const streams = await api("/api/streams");
    body.replaceChildren(...streams.map((s) => el("tr", { "data-stream": s.name },
      el("td", {}, el("a", { class: "link mono", onclick: () => openStream(s.name, 1) }, s.name)),
      el("td", { class: "mono" }, fmt(s.length)),
      el("td", { class: "mono" }, s.last_id || "—"),
      el("td", {}, s.groups.map((g) => g.name).join(", ") || "—"),
      el("td", {}, s.groups.map((g) => g.consumer_list.map((c) => `${c.name} (${c.pending})`).join(", ")).join("; ") || "—"),
      el("td", { class: "mono" }, s.groups.length ? fmt(s.groups.reduce((n, g) => n + g.pending, 0)) : "—"),
      el("td", { class: "mono" }, s.groups.length ? s.groups.map((g) => g.lag ?? "?").join(", ") : "—"))));
    if (!streams.length) body.replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "muted" }, "no streams yet")));
  } catch (error) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 7, class: "neg" }, error.message)));
  }
}

async function openStream(name, page) {
  const card = $("entries-card");
  card.classList.remove("hidden");
  $("entries-title").textContent = name;
  try {
    const result = await api(`/api/streams/${encodeURIComponent(name)}/entries?page=${page}&size=20`);
    state.stream = { name, page: result.page, pages: result.pages };
    $("page-info").textContent = `page ${result.page} of ${result.pages} · ${fmt(result.length)} entries, newest first`;
    $("page-newer").disabled = result.page <= 1;
    $("page-older").disabled = result.page >= result.pages;
    $("entries").replaceChildren(...result.entries.map(entryRow));
    if (!result.entries.length) $("entries").replaceChildren(el("div", { class: "muted" }, "empty"));
  } catch (error) {
    $("entries").replaceChildren(el("div", { class: "neg" }, error.message));
  }
}

function entryRow(entry) {
  const body = el("div", { class: "entry-body hidden" });
  const row = el("div", { class: "entry", "data-id": entry.id },
    el("div", { class: "entry-head", onclick: () => toggleEntry(entry, body) },
      el("span", { class: "mono" }, entry.id),
      el("span", { class: `kind ${entry.ok ? "" : "err"}` }, entry.kind || "undecodable"),
      el("span", {}, summarise(entry))),
    body);
  return row;
}

function toggleEntry(entry, body) {
  if (!body.classList.contains("hidden")) { body.classList.add("hidden"); return; }
  const shown = entry.ok ? entry.message : { error: entry.error, raw: entry.raw };
  const side = el("div", {});
  for (const [name, info] of Object.entries(entry.binary || {})) {
    side.append(el("div", { class: "bin" }, `${name}: ${fmt(info.bytes)} bytes`));
    if (info.image) side.append(el("img", { src: info.image + (token ? `?token=${encodeURIComponent(token)}` : ""), alt: name }));
  }
  body.replaceChildren(el("pre", {}, JSON.stringify(shown, null, 2)), side);
  body.classList.remove("hidden");
}

$("streams-refresh").addEventListener("click", loadStreams);
$("page-newer").addEventListener("click", () => state.stream && openStream(state.stream.name, state.stream.page - 1));
$("page-older").addEventListener("click", () => state.stream && openStream(state.stream.name, state.stream.page + 1));

// ------------------------------------------------------------------------------------------ tabs

for (const button of document.querySelectorAll("#tabs button")) {
  button.addEventListener("click", () => {
    for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b === button);
    for (const t of document.querySelectorAll(".tab")) t.classList.toggle("active", t.id === `tab-${button.dataset.tab}`);
    if (button.dataset.tab === "streams") loadStreams();
    if (button.dataset.tab === "live") { renderPlots(); renderHeat(); renderCurve(); }
  });
}

$("env-select").addEventListener("change", (e) => {
  state.env = e.target.value;
  state.heatMap = "";
  $("heat-map-select").value = "";
  scheduleRender(true);
  renderHeat();
});

$("curve-x").addEventListener("change", (e) => { curve.x = e.target.value; renderCurve(); });
$("curve-env").addEventListener("change", (e) => { curve.env = e.target.value; renderCurve(); });

window.addEventListener("resize", () => { renderPlots(); renderHeat(); renderCurve(); });
setInterval(() => { // the "seen … ago" column ages between heartbeats without any request
  const elapsed = (performance.now() - state.servicesAt) / 1000;
  if (elapsed > 1.5 && state.services.length) {
    for (const s of state.services) s.age_s += elapsed;
    state.servicesAt = performance.now();
    renderServices();
  }
}, 1000);

api("/api/names").then((got) => { names.species = got.species; scheduleRender(true); }).catch(() => {});
connect();
