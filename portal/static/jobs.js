/* Background-work pages: sample progress polling and the sample request form.
 * Served from the portal itself (CSP script-src 'self'); no inline script. */
(function () {
  "use strict";

  /* Progress of a draw: poll the JSON endpoint every second, reload when finished. */
  function watchProgress(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("[data-progress-bar]");
    var label = document.querySelector("[data-sample-status]");
    var failures = 0;

    function show(pct) {
      bar.style.width = pct + "%";
      bar.setAttribute("aria-valuenow", String(pct));
      bar.textContent = pct + "%";
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          show(data.progress || 0);
          if (label && data.status_label) { label.textContent = data.status_label; }
          if (data.finished) { window.location.reload(); return; }
          window.setTimeout(poll, 1000);
        })
        .catch(function () {
          failures += 1;
          if (failures < 30) { window.setTimeout(poll, 2000); }
        });
    }

    show(parseInt(bar.getAttribute("aria-valuenow") || "0", 10));
    window.setTimeout(poll, 1000);
  }

  /* Request form: offer only the strata and filters of the chosen population kind. */
  function wireRequestForm(form) {
    var kind = form.querySelector("[data-population-kind]");
    if (!kind) { return; }

    function apply() {
      var value = kind.value;
      form.querySelectorAll("option[data-kind]").forEach(function (option) {
        var match = option.getAttribute("data-kind") === value;
        option.hidden = !match;
        option.disabled = !match;
        if (!match && option.selected) { option.selected = false; }
      });
      form.querySelectorAll("[data-kinds]").forEach(function (group) {
        var kinds = group.getAttribute("data-kinds").split(" ");
        group.hidden = kinds.indexOf(value) < 0;
      });
    }

    kind.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-progress-url]").forEach(watchProgress);
    document.querySelectorAll("[data-sample-request]").forEach(wireRequestForm);
  });
})();
