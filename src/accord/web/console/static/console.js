// The console's only script: live views over server-sent events, the CSRF header on htmx
// requests, and keyboard shortcuts. Served from the package; the pages allow no other script.
"use strict";
(function () {
  const body = document.body;
  const prefix = body.dataset.prefix || "";

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = body.dataset.csrf || "";
  });

  // One stream per live element. The server ends each stream after a while; it is reopened
  // with what the element shows now, so no change between two streams is missed.
  function watch(element) {
    const url = prefix + "/events?watch=" + encodeURIComponent(element.dataset.live) +
      "&since=" + encodeURIComponent(element.dataset.since || "");
    const source = new EventSource(url);
    source.addEventListener("change", function (event) {
      element.dataset.since = event.data;
      if (window.htmx) { window.htmx.trigger(element, "accord:change"); }
    });
    source.onerror = function () {
      source.close();
      setTimeout(function () { watch(element); }, 1000);
    };
  }
  document.querySelectorAll("[data-live]").forEach(watch);

  function typing(target) {
    return target && (target.isContentEditable ||
      ["INPUT", "TEXTAREA", "SELECT"].indexOf(target.tagName) >= 0);
  }

  let selected = -1;
  function queueRows() { return Array.from(document.querySelectorAll("#queue-rows tr.queue-row")); }
  function select(index) {
    const rows = queueRows();
    if (!rows.length) { return; }
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    rows[selected].scrollIntoView({block: "nearest"});
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    const click = function (id) {
      const element = document.getElementById(id);
      if (element) { event.preventDefault(); element.click(); }
    };
    const focus = function (element) {
      if (element) { event.preventDefault(); element.focus(); }
    };
    switch (event.key) {
      case "j": select(selected + 1); break;
      case "k": select(selected - 1); break;
      case "Enter": {
        const rows = queueRows();
        if (selected >= 0 && rows[selected]) {
          const link = rows[selected].querySelector("a");
          if (link) { event.preventDefault(); link.click(); }
        }
        break;
      }
      case "a": click("approve"); break;
      case "e": focus(document.querySelector("#decide input, #decide select, #decide textarea")); break;
      case "x": focus(document.getElementById("note")); break;
      case "n": click("next-item"); break;
      default: break;
    }
  });
})();
