// The phone menu: the toggler shows and hides its menu (Bootstrap's .collapse + .show classes).
// It was the only part of Bootstrap's JavaScript the portal used: this replaces an 80 kB bundle
// that every page parsed (Lighthouse counted it in the mobile total blocking time).
for (const toggler of document.querySelectorAll("[data-menu-toggle]")) {
  const menu = document.getElementById(toggler.getAttribute("aria-controls"));
  if (!menu) continue;
  toggler.addEventListener("click", () => {
    const open = menu.classList.toggle("show");
    toggler.setAttribute("aria-expanded", String(open));
  });
}
