// The timeline page of one seed (dst timeline). Everything it draws is in
// the embedded JSON (internal/dst/timeline_model.go documents its form);
// the x axis is the step. One canvas draws the lanes; the lane names and
// the failure marker are DOM elements, so that a test (and a reader) can
// find them.
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const $ = (id) => document.getElementById(id);
const LANE = { node: 44, task: 14, disp: 16 };
const STATE_COLORS = { New: "#ddd", WaitLocal: "#f4d35e", Probing: "#f5a65b", OnRemote: "#7fb8e6",
  "OnRemote+reReg": "#4f95d0", OnLocal: "#8bd18b", "OnLocal+reReg": "#5cb85c", TwoPhaseReady: "#c39bd3",
  Removed: "#999", closed: "#555" };
const FATE = ["delivered", "dropped", "cut by a partition", "lost (receiver down)", "in flight at the end"];
// MAXS is the right end of the widest view: a little past the last step,
// so that a failure at the last step is not drawn on the edge.
const MAXS = D.steps + Math.max(10, Math.ceil(D.steps / 40));
const view = { w0: D.window[0], w1: Math.max(D.window[1], D.window[0] + 10), nodes: D.nodes.map(() => true),
  disp: "all", msgs: true, closed: false, tasksOf: new Set() };
let lanes = [];
let dragging = null;

function stateColor(s) {
  if (STATE_COLORS[s]) return STATE_COLORS[s];
  return s.startsWith("unreachable") ? "#e33" : "#bbb";
}

function timeAt(step) {
  const c = Math.min(Math.floor(step / D.bucket), D.times.length - 1);
  return D.times[Math.max(c, 0)];
}

function fmtTime(ns) {
  if (ns < 1e6) return (ns / 1e3).toFixed(0) + "µs";
  if (ns < 1e9) return (ns / 1e6).toFixed(1) + "ms";
  return (ns / 1e9).toFixed(3) + "s";
}

// buildLanes lists the lanes the filters leave: each node, its tasks when
// asked, then its dispatchers.
function buildLanes() {
  lanes = [];
  D.nodes.forEach((name, n) => {
    if (!view.nodes[n]) return;
    lanes.push({ kind: "node", n, label: name });
    if (view.tasksOf.has(n)) {
      D.tasks.filter((t) => t.node === n).forEach((t) => lanes.push({ kind: "task", n, t, label: "#" + t.id + " " + t.name }));
    }
    D.disps.filter((d) => d.node === n && (view.disp === d.id || view.disp === "all" && (view.closed || !closedInView(d))))
      .forEach((d) => lanes.push({ kind: "disp", n, d, label: d.id }));
  });
  let y = 0;
  const labels = $("labels");
  labels.textContent = "";
  for (const l of lanes) {
    l.y = y; l.h = LANE[l.kind]; y += l.h;
    const el = document.createElement("div");
    el.className = "lane " + l.kind;
    el.style.height = l.h + "px";
    el.style.lineHeight = l.h + "px";
    el.textContent = l.kind === "node" ? (view.tasksOf.has(l.n) ? "▾ " : "▸ ") + l.label : l.label;
    if (l.kind === "disp") el.dataset.disp = l.d.id;
    if (l.kind === "node") {
      el.dataset.node = l.label;
      el.title = "show or hide the tasks of " + l.label;
      el.onclick = () => { view.tasksOf.has(l.n) ? view.tasksOf.delete(l.n) : view.tasksOf.add(l.n); draw(); };
    }
    labels.appendChild(el);
  }
  view.height = Math.max(y, 20);
}

// closedInView: the dispatcher's session was closed (its node restarted,
// or it was removed) before the view starts, or opens after it ends.
function closedInView(d) {
  const segs = d.segs, last = segs[segs.length - 1];
  if (segs[0][0] > view.w1) return true;
  return D.states[last[1]] === "closed" && last[0] <= view.w0;
}

function laneOfNode(n) { return lanes.find((l) => l.kind === "node" && l.n === n); }

function draw() {
  buildLanes();
  const cv = $("cv"), plot = $("plot");
  const W = plot.clientWidth, H = view.height + 18;
  const dpr = window.devicePixelRatio || 1;
  cv.width = W * dpr; cv.height = H * dpr; cv.style.width = W + "px"; cv.style.height = H + "px";
  const g = cv.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 18 * dpr);
  g.clearRect(0, -18, W, H);
  const span = view.w1 - view.w0;
  const x = (s) => ((s - view.w0) / span) * W;
  view.x = x; view.W = W;
  drawAxis(g, x, W);
  for (const l of lanes) drawLane(g, l, x, W);
  if (view.msgs) drawMsgs(g, x, W);
  drawMarks(g, x, W);
  placeFailure(x, W, H);
  $("range").textContent = "steps " + Math.round(view.w0) + "–" + Math.round(view.w1) + " of " + D.steps +
    " (" + fmtTime(timeAt(view.w0)) + "–" + fmtTime(timeAt(view.w1)) + ")";
}

function drawAxis(g, x, W) {
  g.fillStyle = "#555"; g.font = "10px sans-serif"; g.strokeStyle = "#eee";
  const span = view.w1 - view.w0, step = Math.pow(10, Math.floor(Math.log10(span / 6)));
  const tick = span / step > 30 ? step * 5 : span / step > 12 ? step * 2 : step;
  for (let s = Math.ceil(view.w0 / tick) * tick; s <= view.w1; s += tick) {
    const px = x(s);
    g.beginPath(); g.moveTo(px, -4); g.lineTo(px, view.height); g.stroke();
    g.fillText(s + " · " + fmtTime(timeAt(s)), px + 2, -7);
  }
}

function drawLane(g, l, x, W) {
  g.fillStyle = l.kind === "node" ? "#f6f8fb" : "#fff";
  g.fillRect(0, l.y, W, l.h);
  g.strokeStyle = "#eee"; g.beginPath(); g.moveTo(0, l.y + l.h - 0.5); g.lineTo(W, l.y + l.h - 0.5); g.stroke();
  if (l.kind === "node") drawNode(g, l, x, W);
  else if (l.kind === "task") drawTask(g, l, x);
  else drawDisp(g, l, x, W);
}

function drawNode(g, l, x, W) {
  const act = D.activity[l.n], c0 = Math.max(0, Math.floor(view.w0 / D.bucket)), c1 = Math.min(act.length - 1, Math.ceil(view.w1 / D.bucket));
  let peak = 1;
  for (let c = c0; c <= c1; c++) peak = Math.max(peak, act[c]);
  for (let c = c0; c <= c1; c++) {
    if (!act[c]) continue;
    g.fillStyle = "rgba(60,110,180," + (0.08 + 0.5 * act[c] / peak).toFixed(3) + ")";
    const a = x(c * D.bucket), b = x((c + 1) * D.bucket);
    g.fillRect(a, l.y + l.h - 8, Math.max(1, b - a), 6);
  }
  for (const b of D.bands) {
    if (b[2] !== l.n || b[1] < view.w0 || b[0] > view.w1) continue;
    const a = Math.max(0, x(b[0])), e = Math.min(W, x(b[1]));
    g.fillStyle = b[4] === "cut" ? "rgba(240,140,30,0.28)" : "rgba(150,80,200,0.28)";
    g.fillRect(a, l.y + 2, Math.max(1, e - a), l.h - 12);
    if (e - a > 60) { g.fillStyle = "#733"; g.font = "10px sans-serif"; g.fillText(b[5], a + 3, l.y + 12); }
  }
}

function drawTask(g, l, x) {
  const t = l.t;
  g.fillStyle = "#e8e8e8";
  g.fillRect(x(t.from), l.y + 3, Math.max(1, x(t.to) - x(t.from)), l.h - 6);
  g.fillStyle = "#3b6fb4";
  for (let i = 0; i < t.runs.length; i += 2) {
    const c = t.runs[i];
    if ((c + 1) * D.bucket < view.w0 || c * D.bucket > view.w1) continue;
    const a = x(c * D.bucket);
    g.fillRect(a, l.y + 3, Math.max(1, x((c + 1) * D.bucket) - a), l.h - 6);
  }
}

function drawDisp(g, l, x, W) {
  const segs = l.d.segs;
  g.font = "10px sans-serif";
  for (let i = 0; i < segs.length; i++) {
    const s0 = segs[i][0], s1 = i + 1 < segs.length ? segs[i + 1][0] : D.steps;
    if (s1 < view.w0 || s0 > view.w1) continue;
    const a = Math.max(0, x(s0)), e = Math.min(W, x(s1)), st = D.states[segs[i][1]];
    g.fillStyle = stateColor(st);
    g.globalAlpha = segs[i][4] ? 0.45 : 1; // inside a transition
    g.fillRect(a, l.y + 2, Math.max(1, e - a), l.h - 4);
    g.globalAlpha = 1;
    if (e - a > 70) { g.fillStyle = "#222"; g.fillText(st + (segs[i][2] ? " e" + segs[i][2] : "") + (segs[i][3] ? " @" + segs[i][3] : ""), a + 3, l.y + l.h - 5); }
  }
}

function drawMsgs(g, x, W) {
  let drawn = 0;
  for (const m of D.msgs) {
    if (m[1] < view.w0 || m[0] > view.w1) continue;
    const from = laneOfNode(m[2]), to = laneOfNode(m[3]);
    if (!from || !to) continue;
    const x0 = x(m[0]), x1 = x(m[1]), y0 = from.y + from.h / 2, y1 = to.y + to.h / 2;
    g.setLineDash(m[6] ? [3, 2] : []);
    if (m[4] === 0 || m[4] === 4) {
      g.strokeStyle = m[6] ? "rgba(150,60,200,0.7)" : "rgba(40,70,120,0.35)";
      g.beginPath(); g.moveTo(x0, y0); g.lineTo(x1, y1); g.stroke();
      if (m[4] === 0 && x1 - x0 > 6) { g.fillStyle = g.strokeStyle; g.fillRect(x1 - 1.5, y1 - 1.5, 3, 3); }
    } else {
      g.strokeStyle = m[4] === 2 ? "#e8831e" : m[4] === 1 ? "#d22" : "#777";
      const xe = Math.max(x1, x0 + 8), ye = y0 + (y1 - y0) * 0.3;
      g.beginPath(); g.moveTo(x0, y0); g.lineTo(xe, ye); g.stroke();
      g.setLineDash([]);
      g.beginPath(); g.moveTo(xe - 3, ye - 3); g.lineTo(xe + 3, ye + 3); g.moveTo(xe - 3, ye + 3); g.lineTo(xe + 3, ye - 3); g.stroke();
    }
    drawn++;
  }
  g.setLineDash([]);
  view.msgsDrawn = drawn;
}

function drawMarks(g, x, W) {
  for (const m of D.marks) {
    const s = m[0];
    if (s < view.w0 || s > view.w1) continue;
    const px = x(s), kind = m[3];
    if (kind === "heal" || kind === "goal") {
      g.strokeStyle = kind === "heal" ? "#2a2" : "#999"; g.setLineDash([4, 3]);
      g.beginPath(); g.moveTo(px, 0); g.lineTo(px, view.height); g.stroke(); g.setLineDash([]);
      continue;
    }
    const l = laneOfNode(m[2]);
    if (!l) continue;
    const cy = l.y + 14;
    if (kind === "crash") { g.fillStyle = "#000"; tri(g, px, cy, 7, 1); }
    else if (kind === "restart") { g.fillStyle = "#1a1"; tri(g, px, cy, 7, -1); }
    else if (kind === "buggify") { g.fillStyle = "#c9a400"; diamond(g, px, l.y + 6, 4); }
    else if (kind === "fail") { g.fillStyle = "#d00"; diamond(g, px, cy, 7); }
  }
}

function tri(g, x, y, r, dir) {
  g.beginPath(); g.moveTo(x - r, y - dir * r); g.lineTo(x + r, y - dir * r); g.lineTo(x, y + dir * r); g.closePath(); g.fill();
}

function diamond(g, x, y, r) {
  g.beginPath(); g.moveTo(x, y - r); g.lineTo(x + r, y); g.lineTo(x, y + r); g.lineTo(x - r, y); g.closePath(); g.fill();
}

// placeFailure puts the red marker over the canvas at the failure's step.
function placeFailure(x, W, H) {
  const el = $("failure-marker"), f = D.failure;
  if (!f || f.step < view.w0 || f.step > view.w1) { el.hidden = true; return; }
  el.hidden = false;
  el.style.left = x(f.step) + "px";
  el.style.height = H + "px";
  const label = el.querySelector("span");
  label.textContent = "✖ step " + f.step + ": " + f.kind + ": " + f.message.split("\n")[0].slice(0, 140);
  label.style.left = x(f.step) > W * 0.6 ? "auto" : "5px";
  label.style.right = x(f.step) > W * 0.6 ? "5px" : "auto";
}

function zoom(factor, at) {
  const span = view.w1 - view.w0, c = at === undefined ? view.w0 + span / 2 : at;
  const nspan = Math.min(Math.max(span * factor, 10), MAXS);
  let a = c - (c - view.w0) * (nspan / span);
  a = Math.max(0, Math.min(a, MAXS - nspan));
  view.w0 = a; view.w1 = a + nspan;
  draw();
}

function hover(ev) {
  const r = $("cv").getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top - 18;
  const step = view.w0 + (px / view.W) * (view.w1 - view.w0);
  const l = lanes.find((l) => py >= l.y && py < l.y + l.h);
  let text = "step " + Math.round(step) + " · " + fmtTime(timeAt(step));
  if (l) text += " · " + (l.kind === "node" ? "node " : l.kind === "task" ? "task " : "dispatcher ") + l.label;
  const near = (s) => Math.abs(view.x(s) - px) <= 5;
  if (l && l.kind === "disp") {
    const segs = l.d.segs;
    for (let i = segs.length - 1; i >= 0; i--) {
      if (segs[i][0] <= step) { text += "\n" + D.states[segs[i][1]] + (segs[i][2] ? ", epoch " + segs[i][2] : "") + (segs[i][3] ? ", current " + segs[i][3] : "") + (segs[i][4] ? ", inside a transition" : "") + " (from step " + segs[i][0] + ")"; break; }
    }
  }
  if (l && l.kind === "node") {
    for (const m of D.marks) if (m[2] === l.n && near(m[0])) text += "\nstep " + m[0] + " " + m[1] + ": " + m[4];
    for (const b of D.bands) if (b[2] === l.n && step >= b[0] && step <= b[1]) text += "\n" + b[5] + " (steps " + b[0] + "–" + b[1] + ")";
    let shown = 0;
    for (const m of D.msgs) {
      if (shown < 6 && (m[2] === l.n && near(m[0]) || m[3] === l.n && near(m[1]))) {
        text += "\n" + D.types[m[5]] + " " + D.nodes[m[2]] + "→" + D.nodes[m[3]] + (m[6] ? " (duplicate)" : "") + ": sent step " + m[0] + ", " + FATE[m[4]] + " step " + m[1];
        shown++;
      }
    }
  }
  $("info").textContent = text;
}

function setup() {
  document.title = D.workload + " seed " + D.seed + " — timeline";
  $("summary").textContent = D.workload + " seed " + D.seed + (D.pins.length ? " [" + D.pins.join(" ") + "]" : "") + ": " + D.outcome +
    ", " + D.steps + " steps, hash " + D.hash + (D.msgsOmitted ? " · " + D.msgsOmitted + " earlier messages not drawn" : "");
  $("command").textContent = D.command;
  if (D.failure) $("failure-text").textContent = "✖ " + D.failure.kind + " at step " + D.failure.step + " (" + D.failure.time + ", " + D.nodes[D.failure.node] + "): " + D.failure.message;
  const nf = $("node-filters");
  D.nodes.forEach((name, n) => {
    const lab = document.createElement("label"), cb = document.createElement("input");
    cb.type = "checkbox"; cb.checked = true; cb.dataset.node = name;
    cb.onchange = () => { view.nodes[n] = cb.checked; draw(); };
    lab.append(cb, " " + name); nf.appendChild(lab);
  });
  const sel = $("disp-filter");
  sel.add(new Option("all", "all")); sel.add(new Option("none", "none"));
  for (const d of D.disps) sel.add(new Option(d.id + " (" + D.nodes[d.node] + ")", d.id));
  sel.onchange = () => { view.disp = sel.value; draw(); };
  $("show-msgs").onchange = (e) => { view.msgs = e.target.checked; draw(); };
  $("show-closed").onchange = (e) => { view.closed = e.target.checked; draw(); };
  $("zoom-in").onclick = () => zoom(0.5);
  $("zoom-out").onclick = () => zoom(2);
  $("zoom-all").onclick = () => { view.w0 = 0; view.w1 = MAXS; draw(); };
  $("zoom-fail").onclick = () => { view.w0 = D.window[0]; view.w1 = Math.max(D.window[1], D.window[0] + 10); draw(); };
  const cv = $("cv");
  cv.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = cv.getBoundingClientRect();
    zoom(ev.deltaY > 0 ? 1.25 : 0.8, view.w0 + ((ev.clientX - r.left) / view.W) * (view.w1 - view.w0));
  }, { passive: false });
  cv.addEventListener("mousedown", (ev) => { dragging = { x: ev.clientX, w0: view.w0, w1: view.w1 }; });
  window.addEventListener("mouseup", () => { dragging = null; });
  cv.addEventListener("mousemove", (ev) => {
    if (dragging) {
      const d = ((ev.clientX - dragging.x) / view.W) * (dragging.w1 - dragging.w0);
      const span = dragging.w1 - dragging.w0;
      view.w0 = Math.max(0, Math.min(dragging.w0 - d, MAXS - span)); view.w1 = view.w0 + span;
      draw();
    } else hover(ev);
  });
  cv.addEventListener("dblclick", (ev) => { const r = cv.getBoundingClientRect(); zoom(0.5, view.w0 + ((ev.clientX - r.left) / view.W) * (view.w1 - view.w0)); });
  window.addEventListener("resize", draw);
  legend();
  tail();
  $("tail-filter").oninput = tail;
  draw();
  // When the first drawing is done, for a test that measures load time.
  window.timelineReady = performance.now();
}

function legend() {
  const items = [["#3c6eb4", "node activity (task runs)"], ["rgba(40,70,120,0.6)", "message: send → delivery"],
    ["#963cc8", "duplicate"], ["#d22", "dropped"], ["#e8831e", "cut by a partition"], ["#777", "lost: receiver down"],
    ["rgba(240,140,30,0.5)", "partition"], ["rgba(150,80,200,0.5)", "clog"], ["#000", "crash ▼"], ["#1a1", "restart ▲"],
    ["#c9a400", "Buggify ◆"], ["#2a2", "heal (dashed)"], ["#d00", "failure"]];
  for (const s of D.states) items.push([stateColor(s), s]);
  for (const [c, t] of items) {
    const e = document.createElement("span"), i = document.createElement("i");
    i.style.background = c; e.append(i, t); $("legend").appendChild(e);
  }
}

function tail() {
  const q = $("tail-filter").value, pre = $("tail");
  pre.textContent = "";
  for (const line of D.tail) {
    if (q && !line.includes(q)) continue;
    const div = document.createElement("div");
    if (line.includes(" FAIL ")) div.className = "fail";
    div.textContent = line;
    pre.appendChild(div);
  }
  pre.scrollTop = pre.scrollHeight;
}

setup();
