// The SLI implementation form: show only the fields the chosen kind and source use.
// Without JavaScript every field shows and the server still checks what is needed.
(function () {
  "use strict";
  var form = document.querySelector("[data-implementation]");
  if (!form) return;
  var USED = {
    ratio: { prometheus: ["good_query", "total_query", "data_source_ref"],
             newrelic: ["good_query", "total_query", "data_source_ref"], push: [] },
    threshold: { prometheus: ["threshold_query", "op", "value", "data_source_ref"],
                 newrelic: ["threshold_query", "op", "value", "data_source_ref"],
                 push: ["op", "value"] }
  };
  var OPTIONAL = ["good_query", "total_query", "threshold_query", "op", "value", "data_source_ref"];
  function update() {
    var kind = form.querySelector("[name=kind]").value;
    var source = form.querySelector("[name=source]").value;
    var used = (USED[kind] || {})[source] || OPTIONAL;
    OPTIONAL.forEach(function (name) {
      var box = form.querySelector('[data-field="' + name + '"]');
      if (box) box.hidden = used.indexOf(name) < 0;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "kind" || event.target.name === "source") update();
  });
  update();
})();
