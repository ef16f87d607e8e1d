// After a capture is saved, clear the form for the next one. A script file rather than an
// hx-on attribute: hx-on code runs through eval, which the Content-Security-Policy
// (script-src 'self') forbids.
(function () {
  "use strict";
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form[data-capture-reset]")) return;
    if (!event.detail.successful || !event.detail.target || event.detail.target.id !== "captured") return;
    form.reset();
    var errors = document.getElementById("capture-errors");
    if (errors) errors.innerHTML = "";
    var text = form.querySelector("[name=text]");
    if (text) text.focus();
  });
})();
