// Progressive enhancement only: every page works without this file.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Forms that change something important ask first (data-confirm="question").
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// "Sync now": follow the run through the JSON API (same session) once a second.
function followRun(section) {
  const url = section.dataset.liveRun;
  const badge = section.querySelector("[data-live-badge]");
  const counts = section.querySelector("[data-live-counts]");
  const errors = section.querySelector("[data-live-errors]");
  const progress = section.querySelector("progress");
  async function tick() {
    let run;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      run = await response.json();
    } catch (error) {
      badge.textContent = "unknown (" + error.message + ")";
      window.setTimeout(tick, 3000);
      return;
    }
    badge.textContent = run.status;
    badge.className = "badge run-" + run.status;
    counts.textContent = Object.keys(run.counts).sort().map((name) => name + ": " + run.counts[name]).join(" · ");
    errors.replaceChildren(...run.errors.map((text) => {
      const item = document.createElement("li");
      item.textContent = text;
      return item;
    }));
    if (run.status === "running") {
      window.setTimeout(tick, 1000);
    } else {
      if (progress) {
        progress.remove();
      }
      section.dataset.finished = run.status;
      // The table of runs below is rendered by the server. Offer to update it rather than
      // reloading by surprise, which would take the page (and focus) from under the user.
      const done = section.querySelector("[data-live-done]");
      if (done) {
        done.hidden = false;
      }
    }
  }
  tick();
}

document.querySelectorAll("[data-live-run]").forEach(followRun);

// Mapping: "Rooms in a new unit" only matters when "+ Create a new unit" is chosen.
function followNewUnitChoice(select) {
  const count = document.getElementById(select.dataset.newCount);
  if (!count) {
    return;
  }
  const update = () => {
    count.disabled = select.value !== "new";
  };
  select.addEventListener("change", update);
  update();
}

document.querySelectorAll("select[data-new-count]").forEach(followNewUnitChoice);

// Mapping: "Rooms in a new unit" is shown only while some room of the table creates one.
function followNewUnitColumn(table) {
  const update = () => {
    const creating = Array.from(table.querySelectorAll("select[data-new-count]")).some((s) => s.value === "new");
    table.querySelectorAll(".new-count").forEach((cell) => {
      cell.hidden = !creating;
    });
  };
  table.addEventListener("change", update);
  update();
}

document.querySelectorAll("table[data-new-units]").forEach(followNewUnitColumn);

// Mapping: a hotel's rooms and rate plans are offered only the units and rate plans of the
// property chosen for it; choosing another property swaps the choices (the server checks too).
function followPropertyChoice(select) {
  select.addEventListener("change", () => {
    document.querySelectorAll(`select[data-offers-of="${select.dataset.propertyFor}"]`).forEach((target) => {
      const kind = target.dataset.offerKind;
      const source = Array.from(document.querySelectorAll(`template[data-${kind}-options]`))
        .find((template) => template.getAttribute(`data-${kind}-options`) === select.value);
      const previous = target.value;
      const first = target.options[0];
      const last = target.options[target.options.length - 1];
      const offered = source ? Array.from(source.content.cloneNode(true).querySelectorAll("option")) : [];
      target.replaceChildren(first, ...offered, last);
      target.value = [first, ...offered, last].some((option) => option.value === previous) ? previous : "";
      target.dispatchEvent(new Event("change", { bubbles: true }));
    });
  });
}

document.querySelectorAll("select[data-property-for]").forEach(followPropertyChoice);

// Calendars: a "Copy" button (data-copy="<input id>") copies the read-only link next to it.
function copyButton(button) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
  if (!field) {
    return;
  }
  button.addEventListener("click", async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch (error) {
      field.select();
      copied = document.execCommand && document.execCommand("copy");
    }
    if (status) {
      status.textContent = copied ? "Copied." : "Select the link and copy it (Ctrl+C).";
    }
  });
}

document.querySelectorAll("[data-copy]").forEach(copyButton);
