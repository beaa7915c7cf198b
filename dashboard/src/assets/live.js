// mobevolve dashboard: follows the run's event stream (server-sent events) and keeps the
// page current. On a run page it swaps in the fresh live section (trajectory, group
// scores, round table); on a round page it reloads when that round gets a new record; the
// status line names the latest event.
(function () {
  "use strict";
  const body = document.body;
  const run = body.dataset.run;
  if (!run) return;
  const round = body.dataset.round ? Number(body.dataset.round) : null;
  const status = document.getElementById("live-status");
  const live = document.getElementById("live");
  const kinds = ["run_created", "round_started", "phase_started", "phase_finished",
    "phase_failed", "phase_interrupted", "decision", "round_finished", "final_evaluation", "status_changed",
    "setting_changed"];
  let timer = null;
  body.dataset.live = "starting";

  function describe(e) {
    switch (e.event) {
      case "round_started": return "round " + e.round + " started";
      case "phase_started": return "round " + e.round + ": " + e.phase + " started" +
        (e.attempt > 1 ? " (attempt " + e.attempt + ")" : "");
      case "phase_finished": return "round " + e.round + ": " + e.phase + " finished in " +
        e.secs.toFixed(1) + " s";
      case "phase_failed": return "round " + e.round + ": " + e.phase + " failed: " + e.error;
      case "phase_interrupted": return "round " + e.round + ": " + e.phase +
        " interrupted (redone on resume)";
      case "setting_changed": return e.setting + " changed from " + e.old + " to " + e.new;
      case "decision": return "round " + e.round + ": " + e.outcome.replace(/_/g, " ") +
        " — " + e.reason;
      case "round_finished": return "round " + e.round + " finished";
      case "final_evaluation": return "final evaluation on " + e.split + ": Score " +
        e.score.toFixed(4);
      case "status_changed": return "run " + e.status + (e.reason ? ": " + e.reason : "");
      default: return e.event;
    }
  }

  function refresh() {
    timer = null;
    fetch("/runs/" + run + "/live", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && live) live.innerHTML = html; })
      .catch(function () {});
  }

  function later(fn, ms) {
    if (timer === null) timer = setTimeout(fn, ms);
  }

  const source = new EventSource("/api/runs/" + run + "/events?after=" +
    encodeURIComponent(body.dataset.after || "0"));
  kinds.forEach(function (kind) {
    source.addEventListener(kind, function (message) {
      let e;
      try { e = JSON.parse(message.data); } catch (_) { return; }
      if (status) {
        status.textContent = "Live: " + describe(e) + " (" +
          new Date(e.at).toLocaleTimeString() + ")";
      }
      if (round !== null) {
        if (e.round === round) later(function () { location.reload(); }, 800);
      } else if (body.dataset.reload) {
        if (e.event === body.dataset.reload) later(function () { location.reload(); }, 800);
      } else if (live && kind !== "phase_started") {
        later(refresh, 300);
      }
    });
  });
  source.onopen = function () {
    body.dataset.live = "connected";
  };
  source.onerror = function () {
    body.dataset.live = "reconnecting";
    if (status) status.textContent = "Live updates paused: reconnecting…";
  };
})();
