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
];
for (const [from, to] of files) {
  const target = path.join(root, "static/vendor", to);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, "node_modules", from), target);
  console.log(`static/vendor/${to}`);
}
