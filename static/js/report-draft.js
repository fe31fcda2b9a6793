// The monthly report form keeps a draft on this phone (localStorage) while it is filled in, so
// that a connection lost while sending loses nothing; the form says so. Progressive enhancement:
// without this script (or storage) the form works as before. Loaded as a file: the CSP allows no
// inline script. Texts come translated from the form's data-msg-* attributes.
(function () {
  "use strict";
  var form = document.querySelector("form[data-report-draft]");
  if (!form) return;
  var key = form.getAttribute("data-report-draft");
  var status = form.querySelector("[data-draft-status]");
  var found = form.querySelector("[data-draft-found]");
  var store;
  try {
    store = window.localStorage;
    store.setItem(key + ":probe", "1");
    store.removeItem(key + ":probe");
  } catch (e) {
    return; // private browsing or storage off: no draft, the form still works
  }

  function msg(name, value) {
    var text = form.getAttribute("data-msg-" + name) || "";
    return value === undefined ? text : text.replace("{waktu}", value);
  }
  function clock(time) {
    var d = new Date(time);
    return ("0" + d.getHours()).slice(-2) + "." + ("0" + d.getMinutes()).slice(-2);
  }
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "submit" && el.type !== "hidden";
    });
  }
  function values() {
    var out = {};
    fields().forEach(function (el) {
      if (el.type === "checkbox") out[el.name + "=" + el.value] = el.checked;
      else if (el.type === "radio") { if (el.checked) out[el.name] = el.value; }
      else out[el.name] = el.value;
    });
    return out;
  }
  function apply(saved) {
    fields().forEach(function (el) {
      if (el.type === "checkbox") { if ((el.name + "=" + el.value) in saved) el.checked = saved[el.name + "=" + el.value]; }
      else if (el.type === "radio") el.checked = saved[el.name] === el.value;
      else if (el.name in saved) el.value = saved[el.name];
    });
  }
  function read() {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function save() {
    var now = Date.now();
    try {
      store.setItem(key, JSON.stringify({ savedAt: now, values: values() }));
      if (status) status.textContent = msg("saved", clock(now));
    } catch (e) { /* storage full: nothing kept, nothing broken */ }
  }

  var draft = read();
  var sentBefore = form.getAttribute("data-draft-sent-before");
  if (draft && sentBefore && draft.savedAt <= Date.parse(sentBefore)) {
    store.removeItem(key); // this draft was sent: the report on the server is newer
    draft = null;
  }
  if (draft && found && JSON.stringify(draft.values) !== JSON.stringify(values())) {
    found.textContent = msg("found", clock(draft.savedAt)) + " ";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "btn btn-sm btn-primary me-2";
    restore.textContent = msg("restore");
    restore.addEventListener("click", function () { apply(draft.values); found.classList.add("d-none"); save(); });
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-secondary";
    discard.textContent = msg("discard");
    discard.addEventListener("click", function () { store.removeItem(key); found.classList.add("d-none"); });
    found.appendChild(restore);
    found.appendChild(discard);
    found.classList.remove("d-none");
  }

  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", save);
  window.addEventListener("offline", function () { save(); if (status) status.textContent = msg("offline"); });
})();
