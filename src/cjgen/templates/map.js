// Progressive enhancement only: the page is complete without it.
(function () {
  var all = function () { return document.querySelectorAll("details.evidence"); };
  var bar = document.getElementById("toolbar");
  if (bar && all().length) {
    bar.hidden = false;
    bar.addEventListener("click", function (event) {
      var open = event.target.getAttribute("data-open");
      if (open === null) { return; }
      all().forEach(function (d) { d.open = open === "1"; });
    });
  }
  // Printed maps show every quote; the reader's own open/closed state comes back afterwards.
  var before = [];
  window.addEventListener("beforeprint", function () {
    before = [];
    document.querySelectorAll("details").forEach(function (d) { before.push([d, d.open]); d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    before.forEach(function (pair) { pair[0].open = pair[1]; });
  });
})();
