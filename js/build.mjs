// Bundle every widget front end (js/*.js) with what it imports into mlmon_widgets/static/.
// One self-contained ES module per widget: nothing is fetched at render time.
import { build, context } from "esbuild";
import { readdirSync } from "node:fs";

const entryPoints = readdirSync("js")
  .filter((name) => name.endsWith(".js"))
  .map((name) => `js/${name}`);

const options = {
  entryPoints,
  bundle: true,
  format: "esm",
  minify: true,
  target: ["es2020"],
  outdir: "mlmon_widgets/static",
  legalComments: "none",
  logLevel: "info",
};

if (process.argv.includes("--watch")) {
  await (await context(options)).watch();
} else {
  await build(options);
}
