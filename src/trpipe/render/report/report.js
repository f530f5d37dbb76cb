(function () {
  function fragment() {
    try { return decodeURIComponent(location.hash.slice(1)); } catch (e) { return location.hash.slice(1); }
  }
  function mark() {
    var id = fragment();
    var old = document.querySelectorAll(".highlight");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("highlight");
    document.body.setAttribute("data-target", id);
    var el = id ? document.getElementById(id) : null;
    if (el && el.classList.contains("segment")) el.classList.add("highlight");
  }
  function jump(step) {
    var flagged = document.querySelectorAll("section.segment.flagged");
    var current = document.getElementById(fragment());
    var at = Array.prototype.indexOf.call(flagged, current);
    if (at < 0) {
      at = step > 0 ? -1 : flagged.length;
      for (var i = 0; i < flagged.length; i++) {
        var top = flagged[i].getBoundingClientRect().top;
        if (step > 0 && top <= 40) at = i;
        if (step < 0 && top >= 40 && at === flagged.length) at = i;
      }
    }
    var next = flagged[at + step];
    if (next) location.hash = "#" + encodeURIComponent(next.id);
  }
  window.addEventListener("hashchange", mark);
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || /input|textarea|select/i.test(e.target.tagName)) return;
    if (e.key === "n") jump(1);
    if (e.key === "p") jump(-1);
  });
  mark();
})();
