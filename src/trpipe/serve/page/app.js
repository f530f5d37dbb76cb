// trpipe's web page: sends the article to /v1/jobs, follows the job's events, shows the report.
// Everything the server or the user wrote is shown with textContent: nothing is parsed as HTML here, and the
// report lives in a sandboxed frame.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { job: null, events: null };

function keyParams(extra) {
  const params = new URLSearchParams(extra || {});
  const key = $("api_key").value.trim();
  if (key) params.set("api_key", key);
  return params;
}

function option(select, value, label) {
  const item = document.createElement("option");
  item.value = value;
  item.textContent = label;
  select.appendChild(item);
}

async function setup() {
  const [languages, settings] = await Promise.all([
    fetch("/languages").then((r) => r.json()),
    fetch("/frontend/settings").then((r) => r.json()),
  ]);
  const targets = new Set();
  for (const lang of languages) {
    option($("from"), lang.code, `${lang.name} (${lang.code})`);
    lang.targets.forEach((t) => targets.add(t));
  }
  const names = Object.fromEntries(languages.map((l) => [l.code, l.name]));
  for (const code of [...targets].sort()) option($("to"), code, `${names[code] || code} (${code})`);
  const preferred = settings.language && settings.language.target && settings.language.target.code;
  if (preferred && targets.has(preferred)) $("to").value = preferred;
  if (settings.apiKeys) $("key-row").hidden = false;
  document.body.dataset.ready = "1";
}

function say(text, error) {
  $("message").textContent = text;
  $("message").className = error ? "error" : "";
}

function stage(name) {
  const list = $("stages");
  for (const item of list.children) item.className = "done";
  const item = document.createElement("li");
  item.className = "current";
  item.textContent = name;
  list.appendChild(item);
}

function progress(data) {
  const value = Math.max(0, Math.min(1, Number(data.progress) || 0));
  $("bar").value = value;
  $("percent").textContent = `${Math.round(value * 100)} %`;
  say(`${data.state}: ${data.done} of ${data.total} document(s) done${data.failed ? `, ${data.failed} failed` : ""}`);
}

async function submit(event) {
  event.preventDefault();
  const file = $("file").files[0];
  const text = $("text").value;
  if (!file && !text.trim()) { say("Paste some text or choose a file.", true); $("status").hidden = false; return; }
  const body = new FormData();
  if (file) body.append("file", file, file.name);
  else body.append(document.querySelector("input[name=kind]:checked").value, text);
  body.append("to", $("to").value);
  if ($("from").value) body.append("from", $("from").value);
  body.append("summary", $("summary").checked ? "true" : "false");
  const key = $("api_key").value.trim();
  if (key) body.append("api_key", key);
  $("status").hidden = false;
  $("result").hidden = true;
  $("stages").replaceChildren();
  $("go").disabled = true;
  say("sending…");
  try {
    const answer = await fetch("/v1/jobs", { method: "POST", body });
    const data = await answer.json();
    if (!answer.ok) throw new Error(data.error || `HTTP ${answer.status}`);
    follow(data.id);
  } catch (error) {
    say(String(error.message || error), true);
    $("go").disabled = false;
  }
}

function follow(id) {
  state.job = id;
  document.body.dataset.job = id;
  if (state.events) state.events.close();
  const events = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events?${keyParams()}`);
  state.events = events;
  events.addEventListener("stage", (e) => stage(JSON.parse(e.data).name));
  events.addEventListener("progress", (e) => progress(JSON.parse(e.data)));
  events.addEventListener("end", (e) => { events.close(); finish(id, JSON.parse(e.data)); });
  events.onerror = () => { if (events.readyState === EventSource.CLOSED) say("lost the connection to the server", true); };
}

async function finish(id, data) {
  $("go").disabled = false;
  for (const item of $("stages").children) item.className = "done";
  const job = await fetch(`/v1/jobs/${encodeURIComponent(id)}?${keyParams()}`).then((r) => r.json());
  const doc = (job.documents || [])[0];
  if (data.state !== "done" || !doc || doc.state !== "done") {
    say(`failed: ${(doc && doc.error) || job.error || data.state}`, true);
    document.body.dataset.state = "failed";
    return;
  }
  $("bar").value = 1;
  $("percent").textContent = "100 %";
  const base = `/v1/jobs/${encodeURIComponent(id)}/documents/${doc.index}`;
  $("dl-json").href = `${base}?${keyParams({ format: "json", download: "1" })}`;
  $("dl-xliff").href = `${base}?${keyParams({ format: "xliff", download: "1" })}`;
  $("dl-tmx").href = `${base}?${keyParams({ format: "tmx", download: "1" })}`;
  const report = `${base}?${keyParams({ format: "html" })}`;
  $("open-report").href = report;
  $("report").addEventListener("load", () => { document.body.dataset.state = "shown"; }, { once: true });
  $("report").src = report;
  $("result").hidden = false;
  say("done");
}

document.addEventListener("DOMContentLoaded", () => {
  $("job").addEventListener("submit", submit);
  setup().catch((error) => say(`cannot reach the server: ${error.message || error}`, true));
});
