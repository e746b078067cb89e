// The learning-curve panel: finished episodes (the `episodes` stream) as they arrive over the page's one live
// connection. Each point comes with the rolling mean and milestone rates of its time, computed by the server,
// so this file only chooses the x axis and the scope and draws. Loaded before app.js; uses its helpers ($, el,
// fmt) and its state (the envs' episode numbers) only when called.
"use strict";

const curve = {
  points: [],        // every episode kept, oldest first
  skipped: 0,        // entries of the stream that were not episodes
  window: 20,
  kept: 2000,        // the server's `curve_episodes`: a long-open page keeps no more than a new one gets
  x: "env_steps",    // env_steps | episode | wall
  env: "",           // "" = all envs together, else one env
};
const HEADLINE = ["first_pokemon", "battle_won", "badge", "new_map"];
const MAP_LINES = 6;
const MILESTONE_COLOURS = ["#3fb950", "#f0883e", "#f2cc60", "#8b949e", "#58a6ff", "#bc8cff", "#39c5cf", "#ff7b72", "#d2a8ff", "#7ee787"];
const TRAIN_COLOUR = "var(--accent)";
const EVAL_COLOUR = "var(--purple)";

function onCurve(payload) {
  curve.points = payload.episodes || [];
  curve.skipped = payload.skipped || 0;
  curve.window = payload.window || curve.window;
  curve.kept = payload.kept || curve.kept;
  renderCurve();
}

function onEpisodes(update) {
  curve.points.push(...update.points);
  if (curve.points.length > curve.kept) curve.points.splice(0, curve.points.length - curve.kept);
  curve.skipped = update.skipped;
  renderCurve();
}

// The selection as [x, point] pairs: eval episodes sit at the x of the training they evaluate.
function curveSelection() {
  const chosen = curve.points.filter((p) => !curve.env || p.env === curve.env);
  let trained = 0;
  return chosen.map((p) => {
    if (!p.eval) trained += 1;
    const x = curve.x === "wall" ? p.ts : curve.x === "episode" ? trained : p.env_steps;
    return [x, p];
  });
}

function milestoneNames(selection, scope) {
  const best = new Map();
  for (const [, p] of selection) {
    for (const [name, rate] of Object.entries(p.rolling[scope].rates)) best.set(name, Math.max(best.get(name) || 0, rate));
  }
  const maps = [...best.keys()].filter((n) => n.startsWith("map:")).sort((a, b) => best.get(b) - best.get(a)).slice(0, MAP_LINES);
  return [...HEADLINE.filter((n) => best.has(n)), ...maps];
}

function renderCurve() {
  const scope = curve.env ? "env" : "all";
  const selection = curveSelection();
  const train = selection.filter(([, p]) => !p.eval);
  const evals = selection.filter(([, p]) => p.eval);
  const empty = curve.points.length ? `no finished episodes of env ${curve.env} yet` : "no finished episodes yet";
  xyChart($("curve-return"), [
    { points: train.map(([x, p]) => [x, p.return, p]), kind: "dots", colour: TRAIN_COLOUR, cls: "ep-train" },
    { points: train.map(([x, p]) => [x, p.rolling[scope].mean]), kind: "line", colour: TRAIN_COLOUR, cls: "roll-train" },
    { points: evals.map(([x, p]) => [x, p.return, p]), kind: "diamonds", colour: EVAL_COLOUR, cls: "ep-eval" },
    { points: evals.map(([x, p]) => [x, p.rolling[scope].mean]), kind: "line", colour: EVAL_COLOUR, cls: "roll-eval", dash: true },
  ], { empty });
  const names = milestoneNames(selection, scope);
  const colour = (i) => MILESTONE_COLOURS[i % MILESTONE_COLOURS.length];
  xyChart($("curve-milestones"), names.flatMap((name, i) => [
    { points: train.map(([x, p]) => [x, p.rolling[scope].rates[name] || 0]), kind: "line", colour: colour(i), cls: "rate-train" },
    { points: evals.map(([x, p]) => [x, p.rolling[scope].rates[name] || 0, p]), kind: "diamonds", colour: colour(i), cls: "rate-eval" },
  ]), { empty, range: [0, 1] });
  $("curve-milestones-legend").replaceChildren(...names.map((name, i) =>
    el("span", {}, el("i", { class: "sw", style: `background:${colour(i)}` }), `${name.replace(/^map:/, "")} `)));
  const envs = Object.keys(state.envs).sort();
  const known = new Set(curve.points.map((p) => p.env));
  const select = $("curve-env");
  for (const env of [...new Set([...envs, ...known])].sort()) {
    if (![...select.options].some((o) => o.value === env)) select.append(el("option", { value: env }, `env ${env}`));
  }
  const info = [`${train.length} training · ${evals.length} eval episodes · rolling over the last ${curve.window}`];
  if (curve.skipped) info.push(`${curve.skipped} bad ${curve.skipped === 1 ? "entry" : "entries"} skipped (not episodes)`);
  $("curve-info").textContent = info.join(" · ");
  renderCurveEnvs();
}

function renderCurveEnvs() {
  const envs = Object.keys(state.envs).sort();
  $("curve-envs").textContent = envs.map((env) => `env ${env}: episode ${state.envs[env].episode ?? 0}`).join(" · ");
}

function escapeXml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

function curveTick(x) {
  if (curve.x === "wall") return new Date(x * 1000).toLocaleTimeString();
  if (curve.x === "episode") return `#${fmt(Math.round(x))}`;
  return fmt(Math.round(x));
}

// Dots, diamonds and lines over numeric axes. A point's third element (an episode) becomes its tooltip.
function xyChart(svg, series, options = {}) {
  const width = svg.clientWidth || 600;
  const height = svg.clientHeight || 180;
  const pad = { l: 46, r: 10, t: 8, b: 18 };
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const all = series.flatMap((s) => s.points);
  svg.dataset.trainPoints = String(series.filter((s) => s.cls === "ep-train").reduce((n, s) => n + s.points.length, 0));
  svg.dataset.evalPoints = String(series.filter((s) => s.cls === "ep-eval").reduce((n, s) => n + s.points.length, 0));
  if (!all.length) {
    svg.innerHTML = `<text class="empty" x="${width / 2}" y="${height / 2}" text-anchor="middle">${escapeXml(options.empty)}</text>`;
    return;
  }
  const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
  let x0 = Math.min(...xs), x1 = Math.max(...xs);
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  let [y0, y1] = options.range || [Math.min(0, ...ys), Math.max(...ys)];
  if (y0 === y1) y1 = y0 + 1;
  const X = (v) => pad.l + ((v - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const Y = (v) => pad.t + (1 - (v - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const parts = [];
  for (let i = 0; i <= 3; i++) {
    const gy = pad.t + (i / 3) * (height - pad.t - pad.b);
    parts.push(`<line class="grid" x1="${pad.l}" x2="${width - pad.r}" y1="${gy}" y2="${gy}"/>`);
    parts.push(`<text x="${pad.l - 4}" y="${gy + 3}" text-anchor="end">${fmt(y1 - (i / 3) * (y1 - y0), 2)}</text>`);
  }
  parts.push(`<text x="${pad.l}" y="${height - 4}">${curveTick(x0)}</text>`);
  parts.push(`<text x="${width - pad.r}" y="${height - 4}" text-anchor="end">${curveTick(x1)}</text>`);
  for (const s of series) {
    if (s.kind === "line" && s.points.length) {
      const d = s.points.map((p) => `${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join(" ");
      parts.push(`<polyline class="${s.cls}" points="${d}" fill="none" stroke="${s.colour}" stroke-width="1.8"${s.dash ? ' stroke-dasharray="5 3"' : ""}/>`);
    }
    for (const p of s.kind === "line" ? [] : s.points) {
      const cx = X(p[0]).toFixed(1), cy = Y(p[1]).toFixed(1);
      const e = p[2];
      const text = `env ${e.env} episode ${e.episode}${e.eval ? " (eval)" : ""}: return ${fmt(e.return)} · ${fmt(e.env_steps)} env steps${e.reached.length ? " · " + e.reached.join(", ") : ""}`;
      const title = `<title>${escapeXml(text)}</title>`;
      parts.push(s.kind === "dots"
        ? `<circle class="${s.cls}" cx="${cx}" cy="${cy}" r="3" fill="${s.colour}" fill-opacity="0.6">${title}</circle>`
        : `<path class="${s.cls}" d="M${cx},${Number(cy) - 5}l5,5l-5,5l-5,-5z" fill="${s.colour}" stroke="#0e1116">${title}</path>`);
    }
  }
  svg.innerHTML = parts.join("");
}
