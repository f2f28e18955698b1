/* Back, reload and resume without storing anything on the server (post/redirect/get in the
   browser). A form that posts answers to a page is turned into: keep the answers in this
   tab's sessionStorage under a random key, then GET the page with only that key in the
   fragment (#r=...). The GET page fetches its content by POSTing the kept answers, so Back
   and reload show the same page again, the address never holds an answer, the fragment is
   never sent to the server, and closing the tab forgets everything. Without JavaScript the
   forms post as before. */
(function () {
  "use strict";
  var PAGES = ["/start", "/results", "/summary", "/clinician"];
  var PREFIX = "allnav-answers-";

  function pathOf(url) { return new URL(url, window.location.href).pathname; }
  function keyOf(hash) { var m = /^#r=([A-Za-z0-9]+)$/.exec(hash || ""); return m ? m[1] : null; }
  function newKey() {
    var bytes = new Uint8Array(9);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function keep(body) {
    var key = newKey();
    try { window.sessionStorage.setItem(PREFIX + key, body); } catch (e) { return null; }
    return key;
  }
  function go(path, body) {
    var key = keep(body);
    if (key === null) { return false; }  // storage refused: let the form post as before
    var url = path + "#r=" + key;
    if (path === window.location.pathname) { window.history.pushState(null, "", url); replay(); }
    else { window.location.assign(url); }
    return true;
  }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.method || "").toLowerCase() !== "post") { return; }
    var submitter = event.submitter || null;
    var action = submitter && submitter.hasAttribute("formaction") ? submitter.formAction : form.action;
    var path = pathOf(action);
    if (PAGES.indexOf(path) < 0 || form.enctype === "multipart/form-data") { return; }
    var data = new FormData(form, submitter || undefined);
    var body = new URLSearchParams(data).toString();
    if (go(path, body)) { event.preventDefault(); }
  }

  function resume(input) {
    var file = input.files && input.files[0];
    var status = document.getElementById("resume-status");
    if (!file) { return; }
    file.text().then(function (text) {
      var saved = JSON.parse(text);
      if (!saved || saved.format !== "allnav-answers" || !Array.isArray(saved.answers)) { throw new Error("format"); }
      var params = new URLSearchParams();
      saved.answers.forEach(function (pair) {
        if (Array.isArray(pair) && pair.length === 2) { params.append(String(pair[0]), String(pair[1])); }
      });
      go("/results", params.toString());
    }).catch(function () {
      if (status) { status.textContent = "That file could not be read. Choose a file saved by ALL Navigator (all-navigator-answers.json)."; }
    });
  }

  function openTarget() {
    var hash = window.location.hash;
    if (!/^#opt-[a-z0-9-]+$/.test(hash)) { return; }
    var el = document.getElementById(hash.slice(1));
    if (el && el.tagName === "DETAILS") { el.open = true; }
  }

  function enhance(root) {
    var inputs = root.querySelectorAll("input[data-resume]");
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].addEventListener("change", function (event) { resume(event.currentTarget); });
    }
    var buttons = root.querySelectorAll("[data-resume-submit]");
    for (var j = 0; j < buttons.length; j++) { buttons[j].hidden = true; }  // the file choice acts at once
    openTarget();
  }

  function replay() {
    var key = keyOf(window.location.hash);
    var waiting = document.querySelector("[data-replay]");
    if (key === null) { if (waiting) { waiting.hidden = false; } return; }
    var body = null;
    try { body = window.sessionStorage.getItem(PREFIX + key); } catch (e) { body = null; }
    if (body === null) {
      var lost = document.getElementById("answers-lost");
      if (lost) { lost.hidden = false; }
      return;
    }
    window.fetch(window.location.pathname, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html" }
    }).then(function (response) { return response.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      document.title = doc.title;
      document.body.className = doc.body.className;
      document.body.replaceChildren.apply(document.body, Array.prototype.map.call(
        doc.body.childNodes, function (n) { return document.importNode(n, true); }));
      document.dispatchEvent(new CustomEvent("allnav:page"));
      enhance(document);
      window.scrollTo(0, 0);
    });
  }

  document.addEventListener("submit", onSubmit);
  window.addEventListener("hashchange", function () { if (keyOf(window.location.hash)) { replay(); } else { openTarget(); } });
  window.addEventListener("popstate", function () { if (keyOf(window.location.hash)) { replay(); } });
  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    if (keyOf(window.location.hash)) { replay(); }
  });
}());
