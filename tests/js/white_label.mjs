// The white-label rules of embed.js against the table of cases that model/white_label.rs is
// tested against too (src/model/white_label_cases.json): the host page's loader and the
// widget accept exactly the same values. Run by scripts/test.sh: `node tests/js/white_label.mjs`.
import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";

const read = (p) => readFileSync(new URL(p, import.meta.url), "utf8");
const cases = JSON.parse(read("../../src/model/white_label_cases.json"));

// Just enough of a browser for the loader to define its elements.
const defined = {};
const page = {
  customElements: {
    get: (name) => defined[name],
    define: (name, element) => { defined[name] = element; },
  },
  document: { currentScript: { src: "https://consult.example/embed.js" }, documentElement: { lang: "en" } },
  location: { href: "https://host.example/", origin: "https://host.example" },
  navigator: { language: "en" },
  HTMLElement: class {},
  CustomEvent: class {},
  URL,
  Map,
  console,
  setTimeout,
  clearTimeout,
  addEventListener: () => {},
};
page.window = page;
runInNewContext(read("../../public/embed.js"), page);

let failed = 0;
for (const name of ["consult-booking", "consult-call"]) {
  const element = defined[name];
  if (!element || typeof element.accepts !== "function") {
    console.error(`${name}: not defined, or without accepts()`);
    process.exit(1);
  }
  for (const [attribute, value, expected] of cases) {
    if (element.accepts(attribute, value) !== expected) {
      failed += 1;
      console.error(`${name}: ${attribute}=${JSON.stringify(value)} should be ${expected ? "accepted" : "refused"}`);
    }
  }
}
if (failed > 0) process.exit(1);
console.log(`white label: ${cases.length} cases agree with model/white_label.rs`);
