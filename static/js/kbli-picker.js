// KBLI picker: a search box above <select data-kbli-picker> that filters the options by code,
// title and the local product names in data-keywords (rendang, galamai, bordir...).
// Progressive enhancement: without JavaScript the plain select still works.
(function () {
  "use strict";
  function normalise(text) {
    return (text || "").toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function enhance(select) {
    var label = select.getAttribute("data-search-label") || "Cari KBLI atau produk (mis. rendang, galamai)";
    var wrapper = document.createElement("div");
    wrapper.className = "mb-2";
    var id = select.id + "-search";
    var labelEl = document.createElement("label");
    labelEl.className = "form-label small";
    labelEl.htmlFor = id;
    labelEl.textContent = label;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "form-control";
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    wrapper.append(labelEl, input, status);
    select.parentNode.insertBefore(wrapper, select);
    var options = Array.prototype.slice.call(select.options);
    input.addEventListener("input", function () {
      var words = normalise(input.value).split(/\s+/).filter(Boolean);
      var shown = 0, first = null;
      options.forEach(function (option) {
        if (!option.value) { return; }
        var haystack = normalise(option.text + " " + (option.getAttribute("data-keywords") || ""));
        var match = words.every(function (w) { return haystack.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match && !option.selected;
        if (match) { shown += 1; first = first || option; }
      });
      if (shown === 1 && first) { select.value = first.value; }
      status.textContent = shown + " kode cocok";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-kbli-picker]").forEach(enhance);
  });
})();
