// Live parts of a page: an element with data-live="<url>" is fetched again every
// data-live-every seconds (15 by default) and replaced when the server's HTML changed.
// No full reload, no third-party script; the server renders the same fragment it first sent.
(function () {
  "use strict";
  function refresh(element) {
    var url = element.getAttribute("data-live");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "live" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        if (element.getAttribute("data-live-html") !== html) {
          if (element.hasAttribute("data-live-html")) { element.innerHTML = html; }
          element.setAttribute("data-live-html", html);
        }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  function start() {
    document.querySelectorAll("[data-live]").forEach(function (element) {
      var seconds = parseFloat(element.getAttribute("data-live-every") || "15");
      refresh(element);
      window.setInterval(function () { refresh(element); }, Math.max(1, seconds) * 1000);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// A preview the server computes (the promised arrival time of an intake): when a field with
// data-preview-target="<output id>" changes, the output asks its data-preview URL again.
(function () {
  "use strict";
  function update(output) {
    var form = output.closest("form");
    var params = new URLSearchParams();
    var zone = form.querySelector("[name='customer.zone']");
    var reported = form.querySelector("[name='reported_at']");
    params.set("zone", zone ? zone.value : "");
    params.set("reported_at", reported ? reported.value : "");
    fetch(output.getAttribute("data-preview") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) { if (text !== null) { output.textContent = text; } })
      .catch(function () {});
  }
  document.addEventListener("change", function (event) {
    var id = event.target.getAttribute && event.target.getAttribute("data-preview-target");
    var output = id ? document.getElementById(id) : null;
    if (output) { update(output); }
  });
})();
