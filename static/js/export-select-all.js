// Admin export: import-export's "Select all" checkbox calls onSelectToggleChange from an inline
// onchange attribute, which the portal's Content-Security-Policy (script-src 'self') blocks.
// Bind the same function from a file instead.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", (event) => {
      if (typeof window.onSelectToggleChange === "function") window.onSelectToggleChange(event);
    });
  });
});
