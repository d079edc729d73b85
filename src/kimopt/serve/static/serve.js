// kimopt serve: the large-type switch (remembered in this browser) and the "rechnet …" state.
(function () {
  "use strict";
  var KEY = "kimopt-large-type";
  function apply(on) {
    document.documentElement.classList.toggle("large", on);
  }
  try { apply(window.localStorage.getItem(KEY) === "1"); } catch (e) { /* storage may be off */ }
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("large-type");
    if (!box) { return; }
    box.checked = document.documentElement.classList.contains("large");
    box.addEventListener("change", function () {
      apply(box.checked);
      try { window.localStorage.setItem(KEY, box.checked ? "1" : "0"); } catch (e) { /* ignore */ }
    });
  });
  // results are busy while a change is being solved (for screen readers too)
  document.addEventListener("htmx:beforeRequest", function (event) {
    var results = document.getElementById("results");
    if (results && event.detail.elt && event.detail.elt.id === "controls") { results.setAttribute("aria-busy", "true"); }
  });
  // start page: a workbook dropped on the drop zone is sent as if chosen
  document.addEventListener("DOMContentLoaded", function () {
    var zone = document.getElementById("upload");
    var input = document.getElementById("f-workbook");
    if (!zone || !input) { return; }
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        zone.requestSubmit();
      }
    });
  });
  // a refused request (the server still solving older changes, a stale token): say why on the page
  document.addEventListener("htmx:responseError", function (event) {
    var notice = document.getElementById("notice");
    if (notice && event.detail.xhr) { notice.textContent = event.detail.xhr.responseText; }
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var notice = document.getElementById("notice");
    if (notice) { notice.textContent = ""; }
  });
  document.addEventListener("htmx:afterRequest", function () {
    var results = document.getElementById("results");
    if (results) { results.removeAttribute("aria-busy"); }
  });
})();
