// Copy the front-end files the portal serves from node_modules into static/vendor/.
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
const files = [
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"],
  ["bootstrap/LICENSE", "bootstrap/LICENSE"],
  // The UMD build defines window.Chart for static/js/dashboard.js; its map goes along because the
  // file ends with a sourceMappingURL that the manifest storage follows at collectstatic.
  ["chart.js/dist/chart.umd.min.js", "chartjs/chart.umd.min.js"],
  ["chart.js/dist/chart.umd.min.js.map", "chartjs/chart.umd.min.js.map"],
  ["chart.js/LICENSE.md", "chartjs/LICENSE.md"],
];
for (const [from, to] of files) {
  const target = path.join(root, "static/vendor", to);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, "node_modules", from), target);
  console.log(`static/vendor/${to}`);
}
