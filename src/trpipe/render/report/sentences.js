(function () {
  // The sentence view: a sentence hovered or focused highlights its counterparts (the same data-s in the
  // source and every translation of its segment) and its span and scores show in the row's info line; a
  // flag's sentence button does the same for its sentence and marks the words the flag is about.
  function row(el) { return el.closest("section.segment"); }
  function clear() {
    var old = document.querySelectorAll(".sent.paired, .sent.current, mark.flag-word.active, .flags li.active");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("paired", "current", "active");
    var infos = document.querySelectorAll(".sent-info:not([hidden])");
    for (var j = 0; j < infos.length; j++) { infos[j].hidden = true; infos[j].textContent = ""; }
    document.body.removeAttribute("data-sentence");
  }
  function show(section, index, current, flag) {
    clear();
    var spans = section.querySelectorAll('.sent[data-s="' + index + '"]');
    if (!spans.length) return;
    var scores = [];
    for (var i = 0; i < spans.length; i++) {
      spans[i].classList.add(spans[i] === current ? "current" : "paired");
      var cell = spans[i].closest(".tgt");
      if (cell && spans[i].hasAttribute("data-score")) {
        scores.push((cell.getAttribute("lang") || "") + " " + Number(spans[i].getAttribute("data-score")).toFixed(2));
      }
    }
    var first = spans[0], n = Number(index) + 1;
    var total = section.querySelectorAll(".src .sent[data-s]").length;
    var text = section.id + " sentence " + n + " of " + total + ": characters " + first.getAttribute("data-start") +
      "\u2013" + first.getAttribute("data-end") + (scores.length ? " \u00b7 model score " + scores.join(", ") : "");
    if (flag !== null) {
      var item = section.querySelector('.flags li[data-flag="' + flag + '"]');
      if (item) item.classList.add("active");
      var marks = section.querySelectorAll("mark.flag-word");
      for (var k = 0; k < marks.length; k++) {
        if ((" " + marks[k].getAttribute("data-flags") + " ").indexOf(" " + flag + " ") >= 0) marks[k].classList.add("active");
      }
      text += " \u00b7 flag " + (Number(flag) + 1) + " (" + (item ? item.getAttribute("data-check") : "") + ")";
    }
    var info = section.querySelector(".sent-info");
    if (info) { info.textContent = text; info.hidden = false; }
    document.body.setAttribute("data-sentence", section.id + "." + n);
  }
  function sentence(el) {
    var span = el.closest && el.closest(".sent[data-s]");
    if (span && row(span)) show(row(span), span.getAttribute("data-s"), span, null);
    return !!span;
  }
  function flagButton(el) {
    var button = el.closest && el.closest("button.flag-sentence");
    if (!button || !row(button)) return false;
    var index = button.getAttribute("data-s");
    if (index === null) { clear(); return true; }
    show(row(button), index, null, button.getAttribute("data-flag"));
    return true;
  }
  document.addEventListener("focusin", function (e) { sentence(e.target) || flagButton(e.target); });
  document.addEventListener("mouseover", function (e) { sentence(e.target) || flagButton(e.target); });
  document.addEventListener("click", function (e) {
    if (flagButton(e.target)) {
      var section = row(e.target), index = e.target.getAttribute("data-s");
      var span = index === null ? null : section.querySelector('.src .sent[data-s="' + index + '"]');
      if (span) span.scrollIntoView({block: "nearest"});
      return;
    }
    var copy = e.target.closest && e.target.closest("button.copy");
    if (!copy) return;
    var text = copy.getAttribute("data-copy"), code = copy.parentNode.querySelector("code");
    function done(word) { copy.textContent = word; copy.setAttribute("data-copied", text); }
    function select() {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      done(ok ? "copied" : "selected: press Ctrl+C");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done("copied"); }, select);
    } else {
      select();
    }
  });
})();
