// Rates page: after "Push to Booking.com", follow the queued pushes to their outcome.
// Progressive enhancement only: without this file the page lists the pushes as they were
// when it was drawn, with links to the push history and to a fresh grid.
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

  // A grid cell stays highlighted while any push carrying a value for it is open. A cell
  // whose push failed shows a value Booking.com never received: it is marked "not sent"
  // (drawn again, the grid leaves failed pushes out and shows what was last delivered).
  function showCells(push) {
    if (!push.finished) {
      return;
    }
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
