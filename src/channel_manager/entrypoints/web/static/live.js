// Progressive enhancement only: the Sync page works without this file (reload to update).
// The table of runs follows the runs' status: its rows are fetched again from the server
// (the same template renders them) every few seconds, faster while a run is going, and not
// while the tab is hidden.
"use strict";

(function () {
  const table = document.querySelector("table[data-live-runs]");
  if (!table) {
    return;
  }
  const rows = table.querySelector("tbody[data-live-rows]");
  const note = table.querySelector("[data-live-runs-note]");
  const announcer = document.querySelector("[data-live-runs-status]");
  const url = table.dataset.liveRuns;
  const slow = Number(table.dataset.refreshMs) || 5000;
  const fast = Number(table.dataset.refreshRunningMs) || 2000;
  const afterError = 30000;
  let timer = 0;
  let lastHtml = rows.innerHTML.trim();

  function statuses() {
    const seen = new Map();
    rows.querySelectorAll("tr[data-run-id]").forEach((row) => {
      seen.set(row.dataset.runId, row.dataset.runStatus);
    });
    return seen;
  }

  function anyRunning() {
    return rows.querySelector('tr[data-run-status="running"]') !== null;
  }

  // Say (politely) when a run that was going has finished, not every refresh.
  function announce(before, after) {
    const finished = [];
    after.forEach((status, id) => {
      if (before.get(id) === "running" && status !== "running") {
        finished.push(status);
      }
    });
    if (announcer && finished.length) {
      announcer.textContent = "Sync finished: " + finished.join(", ") + ".";
    }
  }

  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, delay);
  }

  async function refresh() {
    if (document.hidden) {
      return; // visibilitychange starts again
    }
    let html;
    try {
      // A session that ended redirects to the sign-in page: no rows to take from that.
      const response = await fetch(url, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
        redirect: "error",
      });
      if (!response.ok || response.headers.get("X-Fragment") !== "sync-runs") {
        throw new Error("HTTP " + response.status);
      }
      html = (await response.text()).trim();
    } catch (error) {
      table.dataset.liveError = error.message;
      schedule(afterError);
      return;
    }
    delete table.dataset.liveError;
    if (html !== lastHtml) {
      const before = statuses();
      rows.innerHTML = html; // escaped by the server's template, as the page itself
      lastHtml = html;
      announce(before, statuses());
    }
    table.dataset.refreshed = String(Date.now());
    schedule(anyRunning() ? fast : slow);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      schedule(0);
    }
  });
  if (note) {
    note.hidden = false;
  }
  schedule(anyRunning() ? fast : slow);
})();
