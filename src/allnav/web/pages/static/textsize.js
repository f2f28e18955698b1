/* Text size control (A, A+, A++): the only script on the site.
   The choice is kept in localStorage and applied as a class on <html> before the page
   is drawn; without JavaScript the page simply stays at the default size. */
(function () {
  "use strict";
  var KEY = "allnav-text-size";
  var root = document.documentElement;
  function apply(size) {
    root.classList.remove("text-2", "text-3");
    if (size === "2" || size === "3") { root.classList.add("text-" + size); }
  }
  var saved = null;
  try { saved = window.localStorage.getItem(KEY); } catch (e) { saved = null; }
  apply(saved);
  function bind() {
    var group = document.getElementById("text-size");
    if (!group) { return; }
    var buttons = group.querySelectorAll("button[data-size]");
    function mark(size) {
      for (var i = 0; i < buttons.length; i++) {
        var on = buttons[i].getAttribute("data-size") === (size || "1");
        buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      }
    }
    mark(saved);
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) {
        var size = event.currentTarget.getAttribute("data-size");
        try { window.localStorage.setItem(KEY, size); } catch (e) { /* private mode: this page only */ }
        apply(size);
        mark(size);
      });
    }
    group.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", bind);
  // answers.js swaps in a page's body after Back or reload: bind its buttons too.
  document.addEventListener("allnav:page", bind);
}());
