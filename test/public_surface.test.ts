/**
 * The public surface: the names each module exports, snapshotted in
 * test/fixtures/public_surface.json, so that an unplanned export or removal fails. After a
 * planned change, regenerate the snapshot with `UPDATE_SURFACE=1 npm test` and commit it.
 * Also checked against the built package (dist/), through the `exports` map.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const snapshotPath = path.join(__dirname, "fixtures", "public_surface.json");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, unknown>;
};
const modules = Object.keys(pkg.exports)
  .filter((key) => key !== "./package.json")
  .map((key) => (key === "." ? "" : key.slice(2)));

function surfaceOf(mod: string): string[] {
  const loaded = require(path.join(root, "src", mod === "" ? "index" : `${mod}/index`));
  return Object.keys(loaded).sort();
}

describe("PublicSurfaceTest", () => {
  const actual: Record<string, string[]> = {};
  for (const mod of modules) actual[mod === "" ? "." : mod] = surfaceOf(mod);

  if (process.env.UPDATE_SURFACE) {
    fs.writeFileSync(snapshotPath, JSON.stringify(actual, null, 2) + "\n");
  }
  const expected = JSON.parse(fs.readFileSync(snapshotPath, "utf8")) as Record<string, string[]>;

  it("has one exports-map entry per module folder of src/", () => {
    const folders = fs
      .readdirSync(path.join(root, "src"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(modules.filter((m) => m !== "").sort()).to.deep.equal(folders);
  });

  for (const mod of Object.keys(actual)) {
    it(`exports exactly the snapshotted names from ${mod === "." ? "the root" : mod}`, () => {
      expect(actual[mod]).to.deep.equal(expected[mod]);
    });
  }

  it("re-exports every module's names from the root", () => {
    const all = new Set<string>();
    for (const mod of modules) if (mod !== "") for (const name of actual[mod]) all.add(name);
    expect(actual["."]).to.deep.equal([...all].sort());
  });

  it("resolves each module through the package exports map to the build", () => {
    // `npm test` builds first (its pretest script), so dist/ is current here.
    for (const mod of modules) {
      const specifier = mod === "" ? pkg.name : `${pkg.name}/${mod}`;
      const resolved = require.resolve(specifier, { paths: [root] });
      expect(resolved).to.contain(`${path.sep}dist${path.sep}`);
      expect(Object.keys(require(resolved)).sort()).to.deep.equal(expected[mod === "" ? "." : mod]);
    }
  });
});
