// Django's inlines.js writes autocomplete="off" on each inline formset's hidden management inputs
// (TOTAL_FORMS ...) so Firefox does not restore a stale count after a reload. HTML allows no
// "off" on a hidden input (a Nu Html Checker error): the form that holds them gets
// autocomplete="off" instead, which keeps Firefox from restoring any of its fields.
// This script is deferred: its jQuery ready callback runs after inlines.js's, which was
// registered while the page was parsed (jQuery runs ready callbacks in order).
function moveAutocompleteToForm() {
  for (const input of document.querySelectorAll('input[type="hidden"][autocomplete]')) {
    if (input.form) input.form.setAttribute("autocomplete", "off");
    input.removeAttribute("autocomplete");
  }
}
if (window.django && window.django.jQuery) window.django.jQuery(moveAutocompleteToForm);
else window.addEventListener("load", moveAutocompleteToForm);
