// Rates page: after "Push to Booking.com", follow the queued pushes to their outcome, in the
// list of pushes and in the grid's marks. Progressive enhancement only: without this file the
// page shows the pushes and marks as they were when it was drawn, with links to the push
// history and to a fresh grid.
"use strict";

const POLL_MS = 2000;
const RETRY_MS = 5000;

function followPushes(tracker) {
  const url = tracker.dataset.statesUrl;
  const summary = tracker.querySelector("[data-tracker-summary]");
  const waiting = tracker.querySelector("[data-tracker-waiting]");
  if (waiting) {
    waiting.hidden = false;
  }

  function showPush(push) {
    const item = tracker.querySelector(`[data-push="${push.id}"]`);
    if (!item) {
      return;
    }
    const badge = item.querySelector("[data-push-state]");
    badge.textContent = push.state.replace("_", " ");
    badge.className = "badge push-" + push.state;
    const detail = item.querySelector("[data-push-detail]");
    if (push.last_error) {
      detail.textContent = push.last_error;
      detail.className = "errors";
    } else if (push.confirmation) {
      detail.textContent = push.confirmation; // "RUID ..." or "no RUID", with any warnings
      detail.className = "muted";
    } else if (push.attempts) {
      detail.textContent = `attempt ${push.attempts} of ${push.max_attempts}`;
      detail.className = "muted";
    }
  }

  // The grid shows our calendar; each cell has a mark per connection its values went to.
  // A mark stays "queued" while a push carrying its values is open; a finished push turns it
  // "delivered" (when no other push of it is open) or "failed", linking to the push. A cell
  // stays highlighted while any of its pushes is open, and is marked "not sent" when one
  // failed: it shows a value that connection never received.
  function showMark(mark, push) {
    const open = mark.dataset.pushes.split(" ").filter(Boolean);
    if (!open.includes(push.id)) {
      return;
    }
    const left = open.filter((id) => id !== push.id);
    mark.dataset.pushes = left.join(" ");
    let state = null;
    if (push.state === "failed") {
      state = "failed";
    } else if (left.length === 0 && !mark.classList.contains("mark-failed")) {
      state = "delivered";
    }
    if (state === null) {
      return;
    }
    const text = `${mark.dataset.label}: ${state}`;
    let shown = mark;
    if (state === "failed") {
      shown = document.createElement("a");
      const query = new URLSearchParams({ connection_id: mark.dataset.connection, push: push.id });
      shown.href = `/pushes?${query}#push-${push.id}`;
      for (const name of ["mark", "connection", "label"]) {
        shown.dataset[name] = mark.dataset[name];
      }
      shown.dataset.pushes = mark.dataset.pushes;
      mark.replaceWith(shown);
    }
    shown.className = "mark mark-" + state;
    shown.textContent = state === "failed" ? "!" : "\u2713";
    shown.title = text;
    shown.setAttribute("aria-label", text);
  }

  function showCells(push) {
    if (!push.finished) {
      return;
    }
    document.querySelectorAll("[data-mark][data-pushes]").forEach((mark) => showMark(mark, push));
    document.querySelectorAll("td[data-pushes]").forEach((cell) => {
      const open = cell.dataset.pushes.split(" ").filter(Boolean);
      if (!open.includes(push.id)) {
        return;
      }
      const left = open.filter((id) => id !== push.id);
      cell.dataset.pushes = left.join(" ");
      if (push.state === "failed") {
        cell.classList.add("not-sent");
        cell.title = "Not sent: " + (push.last_error || "the push failed");
        const key = tracker.querySelector("[data-tracker-not-sent]");
        if (key) {
          key.hidden = false;
        }
      }
      if (left.length === 0) {
        cell.classList.remove("queued");
      }
    });
  }

  async function tick() {
    let answer;
    try {
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      answer = await response.json();
    } catch (error) {
      summary.textContent = "Could not check the pushes (" + error.message + "); trying again.";
      window.setTimeout(tick, RETRY_MS);
      return;
    }
    answer.pushes.forEach((push) => {
      showPush(push);
      showCells(push);
    });
    if (summary.textContent !== answer.summary) {
      summary.textContent = answer.summary; // the status region announces changes only
    }
    if (answer.finished) {
      tracker.dataset.finished = "yes";
      if (waiting) {
        waiting.hidden = true;
      }
    } else {
      window.setTimeout(tick, POLL_MS);
    }
  }

  tick();
}

document.querySelectorAll("[data-states-url]:not([data-finished])").forEach(followPushes);
