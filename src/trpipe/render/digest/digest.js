(function () {
  var body = document.body;
  function fragment() {
    try { return decodeURIComponent(location.hash.slice(1)); } catch (e) { return location.hash.slice(1); }
  }
  function mark() {
    var id = fragment();
    var old = document.querySelectorAll(".highlight");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("highlight");
    body.setAttribute("data-target", id);
    var el = id ? document.getElementById(id) : null;
    if (el) el.classList.add("highlight");
  }
  var nav = document.querySelector(".lang-switch");
  function show(lang) {
    var panels = document.querySelectorAll(".summary-lang");
    for (var i = 0; i < panels.length; i++) {
      panels[i].hidden = lang !== "" && panels[i].getAttribute("data-lang") !== lang;
    }
    var buttons = nav.querySelectorAll("button");
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute("aria-pressed", String(buttons[j].getAttribute("data-lang") === lang));
    }
    body.setAttribute("data-shown-lang", lang);
  }
  if (nav) {
    nav.hidden = false;
    nav.addEventListener("click", function (e) {
      var button = e.target.closest("button");
      if (button) show(button.getAttribute("data-lang"));
    });
    show("");
  }
  window.addEventListener("hashchange", mark);
  mark();
})();
