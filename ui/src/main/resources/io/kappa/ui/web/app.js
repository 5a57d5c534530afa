// kappa ui: one page, routed by the address's #fragment, drawn from the server's snapshots (server-sent events,
// once a second) and from the JSON API. No framework; uPlot draws the chart.
"use strict";

const state = { snapshot: null, config: null, snapshots: 0, history: {}, chart: null, chartGroup: null, audit: null,
  auditAt: 0, records: null, plan: null, message: null };

const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const num = (n) => (n == null ? "-" : Number(n).toLocaleString("en-US"));
const $ = (id) => document.getElementById(id);

function bytes(n) {
  if (n == null) return "-";
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  if (n < 1024 * 1024 * 1024) return (n / 1048576).toFixed(1) + " MiB";
  return (n / 1073741824).toFixed(2) + " GiB";
}

function duration(ms) {
  if (ms == null) return "-";
  if (ms < 1000) return ms + " ms";
  const s = ms / 1000;
  if (s < 120) return s.toFixed(1) + " s";
  if (s < 7200) return (s / 60).toFixed(1) + " min";
  return (s / 3600).toFixed(1) + " h";
}

function ago(iso) {
  if (!iso) return "never";
  const ms = Date.now() - Date.parse(iso);
  return duration(Math.max(0, ms)) + " ago";
}

async function api(path, options) {
  const r = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  const body = await r.json().catch(() => ({ error: "not JSON (HTTP " + r.status + ")" }));
  if (!r.ok) throw new Error(body.error || "HTTP " + r.status);
  return body;
}

function route() {
  const parts = (location.hash || "#/topics").slice(2).split("/").map(decodeURIComponent);
  return { page: parts[0] || "topics", name: parts[1] };
}

function groupState(g) {
  if (g.drained) return '<span class="badge drained">drained</span>';
  return g.running ? '<span class="badge running">running</span>' : '<span class="badge stopped">stopped</span>';
}

function lagCell(n) {
  return '<span class="' + (n === 0 ? "lag-zero" : "lag-some") + '">' + num(n) + "</span>";
}

function maxLagMs(g) {
  return (g.partitions || []).reduce((m, p) => Math.max(m, p.lagMs || 0), 0);
}

function topicLink(t) {
  return '<a href="#/topic/' + encodeURIComponent(t) + '">' + esc(t) + "</a>";
}

// ---- pages ----

function renderTopics(s) {
  const rows = s.topics.topics.map((t) => "<tr data-topic=\"" + esc(t.name) + "\"><td>" + topicLink(t.name)
    + (t.aliases ? ' <span class="muted">(also ' + esc(t.aliases.join(", ")) + ")</span>" : "")
    + (t.nameMeans ? ' <span class="muted">(the name now means ' + esc(t.nameMeans) + ")</span>" : "")
    + "</td><td class=num>" + t.partitionCount + "</td><td class=\"num records\">" + num(t.records) + "</td><td class=num>"
    + bytes(t.bytes) + "</td><td class=\"num rate\">" + (t.appendRate == null ? "-" : num(Math.round(t.appendRate)) + "/s")
    + "</td><td>" + (t.retentionMs < 0 ? "forever" : duration(t.retentionMs)) + (t.retentionBytes < 0 ? "" : ", " + bytes(t.retentionBytes))
    + "</td><td>" + esc(t.segment) + "</td><td>" + (t.lastAppendTime ? esc(t.lastAppendTime) + ' <span class="muted">(' + ago(t.lastAppendTime) + ")</span>" : "-")
    + "</td></tr>").join("");
  const aliases = Object.entries(s.topics.aliases || {}).map(([a, t]) => "<li>" + esc(a) + " → " + topicLink(t) + "</li>").join("");
  return "<h1>Topics</h1><table id=topics><thead><tr><th>Topic</th><th class=num>Partitions</th><th class=num>Records</th>"
    + "<th class=num>Size</th><th class=num>Appends</th><th>Retention</th><th>Segment</th><th>Last append</th></tr></thead><tbody>"
    + (rows || '<tr><td colspan=8 class=muted>no topics yet</td></tr>') + "</tbody></table>"
    + (aliases ? "<h2>Aliases (kappa promote)</h2><ul>" + aliases + "</ul>" : "");
}

function findTopic(s, name) {
  return s.topics.topics.find((x) => x.name === name || (x.aliases || []).includes(name));
}

function renderTopic(s, name) {
  const t = findTopic(s, name);
  if (!t) return { top: "<h1>Topic " + esc(name) + '</h1><p class="error">no such topic</p>' };
  const parts = t.partitions.map((p) => "<tr><td class=num>" + p.partition + "</td><td class=num>" + num(p.start) + "</td><td class=num>"
    + num(p.end) + "</td><td class=num>" + num(p.records) + "</td><td class=num>" + p.segments + "</td><td class=num>" + bytes(p.bytes)
    + "</td><td>" + esc(p.firstAppendTime || "-") + "</td><td>" + esc(p.lastAppendTime || "-") + "</td></tr>").join("");
  const options = ['<option value="">all</option>'].concat(t.partitions.map((p) => "<option>" + p.partition + "</option>")).join("");
  return {
    top: "<h1>Topic " + esc(t.name) + "</h1><div class=cards>"
      + card("Records", num(t.records)) + card("Partitions", t.partitionCount) + card("Size", bytes(t.bytes))
      + card("Appends", t.appendRate == null ? "-" : num(Math.round(t.appendRate)) + "/s")
      + card("Retention", t.retentionMs < 0 ? "forever" : duration(t.retentionMs)) + card("Created", esc(t.created)) + "</div>"
      + "<table><thead><tr><th class=num>Partition</th><th class=num>Start</th><th class=num>End</th><th class=num>Records</th>"
      + "<th class=num>Segments</th><th class=num>Size</th><th>First append</th><th>Last append</th></tr></thead><tbody>" + parts + "</tbody></table>",
    controlsKey: "topic/" + t.name + "/" + t.partitionCount,
    controls: "<h2>Records</h2><form class=inline id=read-form>from <input id=read-from value=earliest size=24"
      + " title=\"earliest, latest, an offset, an ISO-8601 time or @epochMillis\"> partition <select id=read-partition>" + options
      + "</select> limit <input id=read-limit type=number min=1 max=1000 value=50 style=\"width:6em\"> <button>Read</button>"
      + ' <span class=muted>as <code>kappa read</code></span></form>',
    results: renderRecords(t.name),
  };
}

function renderRecords(topic) {
  const r = state.records && state.records.topic === topic ? state.records : null;
  const recs = r ? r.records.map((x) => "<tr><td class=num>" + x.partition + "</td><td class=num>" + x.offset + "</td><td>" + esc(x.time)
    + "</td><td>" + esc(x.appendTime) + "</td><td>" + esc(x.key == null ? "" : x.key) + "</td><td class=value>"
    + esc(typeof x.value === "string" ? x.value : JSON.stringify(x.value)) + "</td></tr>").join("") : "";
  return (state.message ? '<p class="error" id=message>' + esc(state.message) + "</p>" : "")
    + (r ? "<table id=records><thead><tr><th class=num>P</th><th class=num>Offset</th><th>Time</th><th>Append time</th><th>Key</th>"
      + "<th>Value</th></tr></thead><tbody>" + (recs || "<tr><td colspan=6 class=muted>no records from there</td></tr>") + "</tbody></table>" : "");
}

function card(k, v) {
  return '<div class=card><div class=k>' + esc(k) + '</div><div class=v>' + v + "</div></div>";
}

function renderGroups(s) {
  const rows = s.groups.map((g) => "<tr data-group=\"" + esc(g.group) + "\"><td><a href=\"#/group/" + encodeURIComponent(g.group) + "\">"
    + esc(g.group) + "</a>" + (g.replay ? ' <span class="badge replay">replay</span>' : "") + "</td><td class=state>" + groupState(g)
    + "</td><td>" + esc(g.processor || "") + "</td><td class=\"num lag\">" + lagCell(g.lag) + "</td><td class=num>" + duration(maxLagMs(g))
    + "</td><td class=\"num rate\">" + num(g.eventsPerSecond) + "</td><td class=num>" + num(g.stateEntries) + " / " + bytes(g.stateBytes)
    + "</td><td class=num>" + num(g.deadLettered) + "</td><td class=num>" + num(g.late) + "</td><td>" + watermark(g)
    + "</td><td>" + ago(g.lastCheckpoint) + "</td><td>" + partitionLags(g) + "</td></tr>").join("");
  return "<h1>Groups</h1>" + renderGroupsTable(rows) + renderKafkaGroups(s.kafka);
}

function renderKafkaGroups(k) {
  if (!k) return "";
  const rows = (k.groups || []).map((g) => "<tr data-kafka-group=\"" + esc(g.group) + "\"><td>" + esc(g.group) + "</td><td>"
    + (g.running ? '<span class="badge running">running</span> ' + g.members + " member" + (g.members === 1 ? "" : "s")
      : '<span class="badge stopped">not running</span>') + "</td><td class=\"num lag\">" + lagCell(g.lag) + "</td><td>"
    + g.partitions.map((p) => '<span class="muted">' + esc(p.topic) + "/" + p.partition + ":</span> " + num(p.lag)).join("<br>")
    + "</td><td>" + esc((g.stateTopics || []).join(", ")) + "</td></tr>").join("");
  return "<h2>On Kafka " + esc(k.bootstrap) + "</h2>" + (k.error ? '<p class="error">' + esc(k.error) + "</p>" : "")
    + "<table id=kafka-groups><thead><tr><th>Group</th><th>State</th><th class=num>Lag</th><th>Lag per partition</th>"
    + "<th>State topics</th></tr></thead><tbody>" + (rows || "<tr><td colspan=5 class=muted>no kappa groups on this cluster</td></tr>")
    + "</tbody></table>";
}

function renderGroupsTable(rows) {
  return "<table id=groups><thead><tr><th>Group</th><th>State</th><th>Processor</th><th class=num>Lag</th>"
    + "<th class=num>Lag (time)</th><th class=num>Events/s</th><th class=num>State</th><th class=num>Dead letters</th><th class=num>Late</th>"
    + "<th>Watermark</th><th>Last checkpoint</th><th>Lag per partition</th></tr></thead><tbody>"
    + (rows || "<tr><td colspan=12 class=muted>no groups yet (kappa run ...)</td></tr>") + "</tbody></table>";
}

function watermark(g) {
  const w = (g.partitions || []).map((p) => p.watermark).filter((x) => x);
  if (!w.length) return "-";
  return esc(w.sort()[0]);
}

function partitionLags(g) {
  return (g.partitions || []).map((p) => '<span class="muted">' + esc(p.topic) + "/" + p.partition + ":</span> " + num(p.lag)
    + (p.lagMs ? " (" + duration(p.lagMs) + ")" : "")).join("<br>");
}

function renderGroup(s, name) {
  const g = s.groups.find((x) => x.group === name);
  if (!g) return { top: "<h1>Group " + esc(name) + '</h1><p class="error">no such group</p>' };
  const parts = g.partitions.map((p) => "<tr><td>" + esc(p.stage) + "</td><td>" + topicLink(p.topic) + "</td><td class=num>" + p.partition
    + "</td><td class=num>" + num(p.committed) + "</td><td class=num>" + num(p.end) + "</td><td class=\"num lag\">" + lagCell(p.lag)
    + "</td><td class=num>" + duration(p.lagMs) + "</td><td>" + esc(p.watermark || "-") + "</td><td class=num>"
    + (p.stopAt == null ? "-" : num(p.stopAt)) + "</td></tr>").join("");
  const tasks = g.tasks.map((t) => "<tr><td>" + esc(t.stage) + "</td><td class=num>" + t.task + "</td><td class=num>" + num(t.records)
    + "</td><td class=num>" + num(t.deadLettered) + "</td><td class=num>" + num(t.late) + "</td></tr>").join("");
  const audit = state.audit && state.audit.group === name ? state.audit.entries : [];
  const auditRows = audit.slice().reverse().map((e) => "<tr><td>" + esc(e.time) + "</td><td>" + esc(e.action) + "</td><td>"
    + esc(e.to || (e.shift ? "shift " + e.shift : "") || "") + "</td><td class=value>" + esc(auditDetail(e)) + "</td></tr>").join("");
  const actions = state.config && state.config.allowActions;
  const plan = state.plan && state.plan.group === name ? state.plan : null;
  return {
    top: "<h1>Group " + esc(g.group) + " " + groupState(g) + (g.replay ? ' <span class="badge replay">replay</span>' : "") + "</h1>"
      + '<p class="muted">' + esc(g.processor || "") + (g.pid ? " · pid " + g.pid : "") + (g.drained ? " · drained at " + esc(g.drained) : "") + "</p>"
      + "<div class=cards>" + card("Lag", "<span id=group-lag>" + lagCell(g.lag) + "</span>") + card("Lag (time)", duration(maxLagMs(g)))
      + card("Events/s", num(g.eventsPerSecond)) + card("Processed", num(g.records)) + card("State", num(g.stateEntries) + " · " + bytes(g.stateBytes))
      + card("Dead letters", num(g.deadLettered)) + card("Late", num(g.late)) + card("Last checkpoint", ago(g.lastCheckpoint))
      + (g.replay ? card("Remaining", num(g.remaining)) + card("ETA", g.etaSeconds == null ? "-" : duration(Math.round(g.etaSeconds * 1000))) : "")
      + "</div><h2>Lag and rate, last minutes</h2>",
    chart: true,
    bottom: "<h2>Input partitions</h2><table id=partitions><thead><tr><th>Stage</th><th>Topic</th><th class=num>Partition</th><th class=num>Committed</th>"
      + "<th class=num>End</th><th class=num>Lag</th><th class=num>Lag (time)</th><th>Watermark</th><th class=num>Stop at</th></tr></thead><tbody>"
      + parts + "</tbody></table><h2>Tasks</h2><table><thead><tr><th>Stage</th><th class=num>Task</th><th class=num>Records</th>"
      + "<th class=num>Dead letters</th><th class=num>Late</th></tr></thead><tbody>" + tasks + "</tbody></table>"
      + "<h2>Audit log</h2><table id=audit><thead><tr><th>Time</th><th>Action</th><th>To</th><th>Details</th></tr></thead><tbody>"
      + (auditRows || "<tr><td colspan=4 class=muted>no rewinds, undos or promotes yet</td></tr>") + "</tbody></table>",
    controlsKey: "group/" + name + "/" + g.running + "/" + actions,
    controls: "<h2>Rewind plan (dry run)</h2>" + (actions
      ? "<form class=inline id=plan-form>to <input id=plan-to size=26 placeholder=\"earliest, latest, OFFSET, TIME\" value=earliest>"
        + " <button>Plan</button> <span class=muted>changes nothing; written to the audit log</span>"
        + (g.running ? " <button type=button class=danger id=stop-group>Stop group</button>" : "") + "</form>"
      : '<p class="muted">Start <code>kappa ui --allow-actions</code> to plan rewinds and stop groups from here.</p>'),
    results: (state.message ? '<p class="error" id=message>' + esc(state.message) + "</p>" : "") + (plan ? renderPlan(plan) : ""),
  };
}

function auditDetail(e) {
  const rest = Object.assign({}, e);
  ["time", "action", "to", "shift"].forEach((k) => delete rest[k]);
  if (rest.moves) rest.moves = rest.moves.map((m) => m.topic + "/" + m.partition + " " + m.from + "→" + m.to).join(", ");
  return Object.entries(rest).map(([k, v]) => k + "=" + v).join("  ");
}

function renderPlan(p) {
  const moves = p.moves.map((m) => "<tr><td>" + esc(m.stage) + "</td><td>" + esc(m.topic) + "</td><td class=num>" + m.partition
    + "</td><td class=num>" + num(m.current) + "</td><td class=num>" + num(m.target) + (m.clamped ? " (clamped)" : "") + "</td></tr>").join("");
  return "<table id=plan><thead><tr><th>Stage</th><th>Topic</th><th class=num>Partition</th><th class=num>Current</th><th class=num>New</th>"
    + "</tr></thead><tbody>" + moves + "</tbody></table><p>State: " + esc(p.state) + "<br>To rebuild the state: " + num(p.rebuildEvents)
    + " events · to reprocess: " + num(p.events) + " events, " + bytes(p.bytes)
    + (p.expectedSeconds != null ? " · about " + duration(Math.round((p.expectedSeconds + p.rebuildSeconds) * 1000)) + " at " + num(p.ratePerSecond) + " events/s" : "")
    + "</p>" + (p.warnings || []).map((w) => '<p class="muted">warning: ' + esc(w) + "</p>").join("");
}

function renderReplays(s) {
  const rows = s.groups.filter((g) => g.replay).map((g) => {
    const total = g.records + g.remaining;
    const pct = total > 0 ? Math.floor((100 * g.records) / total) : 100;
    return "<tr data-group=\"" + esc(g.group) + "\"><td><a href=\"#/group/" + encodeURIComponent(g.group) + "\">" + esc(g.group)
      + "</a></td><td>" + groupState(g) + "</td><td>" + esc(g.processor || "") + "</td><td class=num>" + num(g.records)
      + "</td><td class=\"num remaining\">" + num(g.remaining) + "</td><td><div class=bar><span style=\"width:" + pct + "%\"></span></div></td>"
      + "<td class=num>" + num(g.eventsPerSecond) + "</td><td class=\"num eta\">"
      + (g.remaining === 0 ? "done" : g.etaSeconds == null ? "-" : duration(Math.round(g.etaSeconds * 1000))) + "</td></tr>";
  }).join("");
  return "<h1>Replays</h1><table id=replays><thead><tr><th>Group</th><th>State</th><th>Processor</th><th class=num>Processed</th>"
    + "<th class=num>Remaining</th><th>Progress</th><th class=num>Events/s</th><th class=num>ETA</th></tr></thead><tbody>"
    + (rows || "<tr><td colspan=8 class=muted>no replays (kappa replay ...)</td></tr>") + "</tbody></table>";
}

// ---- drawing ----

const SLOTS = ["top", "chart-slot", "controls", "results", "bottom"];

/** Sets a slot's HTML only when it changed, so that what the user is typing or choosing is left alone. */
function setHtml(id, html) {
  const el = $(id);
  if (el && el.dataset.html !== html) {
    el.innerHTML = html;
    el.dataset.html = html;
  }
}

function render() {
  const r = route();
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", r.page.startsWith(a.dataset.nav.slice(0, -1))));
  const s = state.snapshot;
  const key = r.page + "/" + (r.name || "");
  if ($("main").dataset.route !== key) {
    $("main").innerHTML = SLOTS.map((id) => "<div id=" + id + "></div>").join("");
    $("main").dataset.route = key;
    if (state.chart) { state.chart.destroy(); state.chart = null; state.chartGroup = null; }
  }
  if (!s) { setHtml("top", '<p class="muted">waiting for the first look at the data directory…</p>'); return; }
  $("live").title = s.error || "";
  if (!s.topics) { setHtml("top", '<p class="error">' + esc(s.error || "no data") + "</p>"); return; }
  let v;
  switch (r.page) {
    case "topic": v = renderTopic(s, r.name); break;
    case "groups": v = { top: renderGroups(s) }; break;
    case "group": v = renderGroup(s, r.name); break;
    case "replays": v = { top: renderReplays(s) }; break;
    default: v = { top: renderTopics(s) };
  }
  setHtml("top", v.top || "");
  setHtml("bottom", v.bottom || "");
  setHtml("results", v.results || "");
  const controls = $("controls");
  if (controls.dataset.key !== (v.controlsKey || "")) {
    const kept = {};
    ["read-from", "read-limit", "read-partition", "plan-to"].forEach((id) => { if ($(id)) kept[id] = $(id).value; });
    controls.innerHTML = v.controls || "";
    controls.dataset.key = v.controlsKey || "";
    Object.entries(kept).forEach(([id, val]) => { if ($(id)) $(id).value = val; });
    wire(r);
  }
  if (v.chart) {
    if (!$("chart")) $("chart-slot").innerHTML = "<div class=chart id=chart></div>";
    drawChart(r.name);
  }
}

function drawChart(name) {
  const h = state.history[name] || [];
  const data = [h.map((x) => x.time / 1000), h.map((x) => x.lag), h.map((x) => x.eventsPerSecond)];
  const el = $("chart");
  if (state.chart && state.chartGroup === name) {
    state.chart.setData(data);
    return;
  }
  if (state.chart) state.chart.destroy();
  state.chartGroup = name;
  state.chart = new uPlot({
    width: Math.max(400, Math.min(1300, el.clientWidth - 16)), height: 240,
    scales: { x: { time: true }, lag: { auto: true, range: (u, min, max) => [0, Math.max(10, max)] },
      rate: { auto: true, range: (u, min, max) => [0, Math.max(10, max)] } },
    series: [{}, { label: "lag (records)", scale: "lag", stroke: "#d9822b", width: 2, fill: "rgba(217,130,43,.08)" },
      { label: "events/s", scale: "rate", stroke: "#2463d1", width: 2 }],
    axes: [{}, { scale: "lag", label: "lag" }, { scale: "rate", side: 1, label: "events/s", grid: { show: false } }],
  }, data, el);
}

function wire(r) {
  const read = $("read-form");
  if (read) read.onsubmit = (e) => { e.preventDefault(); readRecords(r.name); };
  const plan = $("plan-form");
  if (plan) plan.onsubmit = (e) => { e.preventDefault(); planRewind(r.name); };
  const stop = $("stop-group");
  if (stop) stop.onclick = () => stopGroup(r.name);
}

async function readRecords(topic) {
  const q = new URLSearchParams({ from: $("read-from").value, limit: $("read-limit").value });
  if ($("read-partition").value !== "") q.set("partition", $("read-partition").value);
  try { state.records = await api("/api/topics/" + encodeURIComponent(topic) + "/records?" + q); state.message = null; }
  catch (e) { state.records = null; state.message = e.message; }
  render();
}

async function planRewind(group) {
  const to = $("plan-to").value;
  if (!confirm("Plan a rewind of " + group + " to " + to + "? (a dry run: nothing changes; it is written to the audit log)")) return;
  try {
    state.plan = await api("/api/groups/" + encodeURIComponent(group) + "/rewind-plan?to=" + encodeURIComponent(to),
      { method: "POST", headers: { "X-Kappa-Confirm": group } });
    state.message = null;
  } catch (e) { state.plan = null; state.message = e.message; }
  await loadAudit(group);
  render();
}

async function stopGroup(group) {
  if (!confirm("Stop group " + group + "? Its process writes a last checkpoint and exits.")) return;
  try { await api("/api/groups/" + encodeURIComponent(group) + "/stop", { method: "POST", headers: { "X-Kappa-Confirm": group } }); state.message = null; }
  catch (e) { state.message = e.message; }
  await loadAudit(group);
  render();
}

async function loadAudit(group) {
  try { state.audit = await api("/api/groups/" + encodeURIComponent(group) + "/audit"); state.auditAt = Date.now(); } catch (e) { state.audit = null; }
}

async function enter() {
  const r = route();
  state.message = null;
  if (r.page === "group") {
    try {
      const h = await api("/api/groups/" + encodeURIComponent(r.name) + "/history");
      state.history[r.name] = h.samples;
    } catch (e) { /* a group not there yet fills in from the stream */ }
    await loadAudit(r.name);
  }
  render();
}

function onSnapshot(s) {
  state.snapshot = s;
  state.snapshots++;
  const t = Date.parse(s.time);
  for (const g of s.groups || []) {
    const h = state.history[g.group] || (state.history[g.group] = []);
    if (!h.length || h[h.length - 1].time < t) h.push({ time: t, lag: g.lag, eventsPerSecond: g.eventsPerSecond });
    const keep = (state.config ? state.config.historyMs : 600000);
    while (h.length && h[0].time < t - keep) h.shift();
  }
  const r = route();
  if (r.page === "group" && Date.now() - state.auditAt > 5000) { loadAudit(r.name).then(render); }
  $("live").textContent = "live · " + new Date(t).toLocaleTimeString();
  $("live").classList.toggle("off", !!s.error);
  render();
}

function connect() {
  const es = new EventSource("/api/events");
  es.addEventListener("snapshot", (e) => onSnapshot(JSON.parse(e.data)));
  es.onerror = () => { $("live").classList.add("off"); $("live").textContent = "reconnecting…"; };
}

window.addEventListener("hashchange", enter);
(async () => {
  try { state.config = await api("/api/config"); } catch (e) { state.config = null; }
  connect();
  enter();
})();
