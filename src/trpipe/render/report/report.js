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
  // Word alignment: hovering or focusing an aligned word highlights the words of its links on both sides.
  function links(el) {
    return el && el.getAttribute ? (el.getAttribute("data-a") || "").split(" ").filter(Boolean) : [];
  }
  function aligned(e, on) {
    var ids = links(e.target);
    if (!ids.length) return;
    var row = e.target.closest("section.segment");
    var words = row ? row.querySelectorAll(".w[data-a]") : [];
    for (var i = 0; i < words.length; i++) {
      var shared = links(words[i]).some(function (id) { return ids.indexOf(id) >= 0; });
      if (shared) words[i].classList.toggle("aligned", on);
    }
  }
  document.addEventListener("mouseover", function (e) { aligned(e, true); });
  document.addEventListener("mouseout", function (e) { aligned(e, false); });
  document.addEventListener("focusin", function (e) { aligned(e, true); });
  document.addEventListener("focusout", function (e) { aligned(e, false); });
  // Words are out of the Tab order: Left and Right move between the words of the focused sentence.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    var sent = e.target.closest && e.target.closest(".sent");
    var words = sent ? Array.prototype.slice.call(sent.querySelectorAll(".w[data-a]")) : [];
    if (!words.length) return;
    var at = words.indexOf(e.target);
    var next = e.key === "ArrowRight" ? (at < 0 ? 0 : at + 1) : (at < 0 ? words.length - 1 : at - 1);
    if (next < 0 || next >= words.length) return;
    e.preventDefault();
    words[next].focus();
  });
  mark();
})();
