// trace_html.hpp - a counterexample as one self-contained HTML page
// (synod-check --trace-html FILE): a sequence diagram with a lifeline per
// node, each step's message (delivered, dropped, duplicated) or node event
// (timeout, persist, crash, restart, proposal...) drawn on it, what the
// step changed beside it, and the violated property at the top and on the
// last step. The page embeds the replayable JSON trace (the --trace format)
// and draws it with its own script; it loads nothing from anywhere.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace synod::check::cli {

// The page for `trace` (a synod-trace JSON object).
inline std::string trace_html(const nlohmann::json& trace) {
  std::string data = trace.dump();
  // The JSON sits in a <script> element: "</" would end it early.
  for (std::size_t at = data.find("</"); at != std::string::npos; at = data.find("</", at + 3))
    data.replace(at, 2, "<\\/");
  static constexpr const char* kHead = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>synod-check counterexample</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d232a;background:#fafbfc}
header{padding:14px 20px;background:#fff;border-bottom:1px solid #dde2e8}
h1{font-size:18px;margin:0 0 6px}
.banner{display:inline-block;padding:4px 10px;border-radius:4px;background:#fde8e8;color:#9b1c1c;font-weight:600}
.banner.ok{background:#e6f4ea;color:#1e6b34}
.bounds{margin-top:8px;color:#57606a;font-size:12px}
.bounds span{display:inline-block;margin:2px 6px 2px 0;padding:1px 6px;border:1px solid #d0d7de;border-radius:10px}
table{border-collapse:collapse;margin:0 20px 40px}
thead th{position:sticky;top:0;background:#fafbfc;z-index:1;font-weight:600;padding:6px 4px;text-align:left}
td{vertical-align:top;padding:0 6px;border-bottom:1px solid #eef1f4}
td.n{color:#8c959f;text-align:right;padding-top:12px;width:28px}
td.act{padding-top:12px;width:260px;font-family:ui-monospace,monospace;font-size:12px}
td.lanes{padding:0}
td.chg{padding-top:8px;font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;max-width:520px}
tr.violation td{background:#fff1f1}
tr.violation td.act::after{content:" \2190  violates " attr(data-property);color:#9b1c1c;font-family:system-ui;font-weight:600}
svg text{font:11px ui-monospace,monospace}
details{margin-top:4px}
summary{cursor:pointer;color:#57606a;font-family:system-ui}
.lanehead{font:600 12px system-ui;text-anchor:middle}
</style></head><body>
<header><h1>synod-check counterexample</h1><div id="banner"></div><div class="bounds" id="bounds"></div></header>
<table id="steps"><thead><tr><th>#</th><th>step</th><th id="lanehead"></th><th>what changed</th></tr></thead><tbody></tbody></table>
<script type="application/json" id="trace">)html";
  static constexpr const char* kTail = R"html(</script>
<script>
"use strict";
const T = JSON.parse(document.getElementById("trace").textContent);
const W = 130, H = 46, PAD = 30;
// A state's nodes as objects with an id: models that describe a node as a
// line of text (Paxos) give node i + 1 at index i, down when it says so.
const nodesOf = (s) => ((s && s.nodes) || []).map((n, i) =>
  typeof n === "object" && n !== null ? n : {id: i + 1, up: !String(n).startsWith("down"), state: String(n)});
const ids = nodesOf(T.initial_state).map((n) => n.id);
const lane = (id) => PAD + ids.indexOf(id) * W;
const width = PAD * 2 + (ids.length - 1) * W;
const NS = "http://www.w3.org/2000/svg";
function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function html(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
const violated = T.expect && T.expect.result === "violation" ? T.expect.property : null;
const banner = html("span", violated ? "banner" : "banner ok",
  violated ? "violation of " + violated + " after " + T.steps.length + " steps" : (T.source || "trace"));
banner.id = "verdict";
document.getElementById("banner").appendChild(banner);
const bounds = document.getElementById("bounds");
bounds.appendChild(html("span", "", "protocol " + (T.protocol || "?")));
for (const k in (T.bounds || {})) bounds.appendChild(html("span", "", k + " " + T.bounds[k]));

// The lane header: one label per node.
const head = el("svg", {width: width, height: 22});
for (const id of ids) head.appendChild(el("text", {x: lane(id), y: 15, class: "lanehead"}, "node " + id));
document.getElementById("lanehead").appendChild(head);

function msgLabel(m) {
  let s = m.type;
  if (m.term !== undefined) s += " t" + m.term;
  if (m.ballot !== undefined) s += " b" + m.ballot.join(".");
  if (m.entries && m.entries.length) s += " +" + m.entries.length;
  if (m.success) s += " ok";
  return s;
}
function actionText(a) {
  if (a.message) {
    const m = a.message;
    return a.type + " " + m.type + " " + m.from + "\u2192" + m.to +
      (m.term !== undefined ? " term " + m.term : m.ballot !== undefined ? " ballot " + m.ballot.join(".") : "");
  }
  let s = a.type;
  if (a.node !== undefined) s += " at node " + a.node;
  for (const k in a) if (k !== "type" && k !== "node") s += " " + k + "=" + JSON.stringify(a[k]);
  return s;
}
// Lifelines for the nodes of `state` as the cell's background (so they run
// the row's whole height; dashed red while a node is down).
function lifelines(state) {
  return nodesOf(state).map((n) => {
    const x = lane(n.id) - 0.75;
    return n.up === false
      ? `repeating-linear-gradient(#c62828 0 3px, transparent 3px 7px) ${x}px 0/1.5px 100% no-repeat`
      : `linear-gradient(#9aa5b1, #9aa5b1) ${x}px 0/1.5px 100% no-repeat`;
  }).join(",");
}
// The step's drawing: a message between lifelines, or an event on one.
function laneCell(state, action, last) {
  const svg = el("svg", {width: width, height: H, class: "lane"});
  if (!action) return svg;
  const y = H / 2 + 4;
  if (action.message) {
    const m = action.message;
    const x1 = lane(m.from), x2 = lane(m.to);
    const drop = action.type === "drop";
    const color = drop ? "#c62828" : action.type === "duplicate" ? "#8250df" : "#0969da";
    const dir = x2 >= x1 ? 1 : -1;
    svg.appendChild(el("line", {x1: x1, y1: y, x2: x2 - dir * 6, y2: y, stroke: color, "stroke-width": 2,
      "stroke-dasharray": drop ? "5 4" : "none", class: "msg " + action.type}));
    svg.appendChild(el("path", {d: `M${x2} ${y} l${-dir * 8} -5 v10 z`, fill: color}));
    if (action.type === "duplicate")
      svg.appendChild(el("line", {x1: x1, y1: y + 4, x2: x2 - dir * 6, y2: y + 4, stroke: color, "stroke-width": 1}));
    if (drop) svg.appendChild(el("text", {x: (x1 + x2) / 2 - 4, y: y + 4, fill: color, "font-size": 14}, "\u2715"));
    svg.appendChild(el("text", {x: Math.min(x1, x2) + 8, y: y - 7, fill: color}, msgLabel(m)));
  } else if (action.node !== undefined && ids.includes(action.node)) {
    const x = lane(action.node);
    const crash = action.type === "crash", restart = action.type === "restart";
    const fill = crash ? "#fde8e8" : restart ? "#e6f4ea" : "#fff8c5";
    const stroke = crash ? "#c62828" : restart ? "#1e6b34" : "#9a6700";
    const label = action.type;
    const w = 8 + label.length * 7;
    svg.appendChild(el("rect", {x: x - w / 2, y: y - 13, width: w, height: 18, rx: 4, fill: fill, stroke: stroke,
      class: "event " + action.type}));
    svg.appendChild(el("text", {x: x, y: y, "text-anchor": "middle", fill: stroke}, label));
  }
  if (last && violated) svg.appendChild(el("rect", {x: 1, y: 1, width: width - 2, height: H - 2, fill: "none",
    stroke: "#c62828", "stroke-width": 2, rx: 4}));
  return svg;
}
// What changed from `a` to `b`: per node, the fields that differ; then the
// network's size and the ghost.
function short(v) { return typeof v === "object" ? JSON.stringify(v) : String(v); }
function changes(a, b) {
  const out = [];
  const an = nodesOf(a), bn = nodesOf(b);
  for (let i = 0; i < bn.length; ++i) {
    if (an[i] && an[i].state !== undefined && bn[i].state !== undefined) {
      if (an[i].state !== bn[i].state) out.push("node " + bn[i].id + ": " + bn[i].state);
      continue;
    }
    const parts = [];
    for (const k in bn[i]) {
      if (k === "id") continue;
      const x = an[i] ? an[i][k] : undefined, y = bn[i][k];
      if (y === undefined || short(x) === short(y)) continue;
      parts.push(x === undefined ? k + " " + short(y) : k + " " + short(x) + " \u2192 " + short(y));
    }
    if (parts.length) out.push("node " + bn[i].id + ": " + parts.join(", "));
  }
  const na = (a && a.network) ? a.network.length : 0, nb = (b && b.network) ? b.network.length : 0;
  if (na !== nb) out.push("in flight: " + na + " \u2192 " + nb);
  for (const k in b || {}) {
    if (k === "nodes" || k === "network" || k === "ghost" || k === "budgets") continue;
    const x = a ? a[k] : undefined;
    if (short(x) !== short(b[k])) out.push(k + ": " + (x === undefined ? "" : short(x) + " \u2192 ") + short(b[k]));
  }
  for (const k in (b && b.ghost) || {}) {
    const x = a && a.ghost ? a.ghost[k] : undefined;
    if (short(x) !== short(b.ghost[k])) out.push("ghost " + k + ": " + short(x) + " \u2192 " + short(b.ghost[k]));
  }
  return out.join("\n");
}
function row(n, action, before, after, last) {
  const tr = html("tr", last && violated ? "violation step" : "step");
  tr.dataset.step = n;
  if (last && violated) tr.dataset.property = violated;
  tr.appendChild(html("td", "n", String(n)));
  const act = html("td", "act", action ? actionText(action) : "initial state");
  if (last && violated) act.dataset.property = violated;
  tr.appendChild(act);
  const lanes = html("td", "lanes");
  lanes.style.background = lifelines(after);
  lanes.appendChild(laneCell(after, action, last));
  tr.appendChild(lanes);
  const chg = html("td", "chg", before ? changes(before, after) : "");
  const det = html("details");
  det.appendChild(html("summary", "", "state"));
  det.appendChild(html("pre", "", JSON.stringify(after, null, 1)));
  chg.appendChild(det);
  tr.appendChild(chg);
  return tr;
}
const body = document.querySelector("#steps tbody");
body.appendChild(row(0, null, null, T.initial_state, T.steps.length === 0));
let prev = T.initial_state;
T.steps.forEach((s, i) => {
  body.appendChild(row(i + 1, s.action, prev, s.state, i === T.steps.length - 1));
  prev = s.state;
});
document.body.dataset.rendered = String(T.steps.length);
</script></body></html>
)html";
  return std::string(kHead) + data + kTail;
}

}  // namespace synod::check::cli
