/**
 * Layering rules of DESIGN.md: a module may import its own layer or lower ones, never a
 * higher one, and there are no cycles. `npm run lint` runs this over src/.
 */
const LAYERS = [
  ["log", "escape", "util"],
  ["concurrent", "httputil"],
  ["ioloop"],
  ["gen", "locks", "queues"],
  ["iostream", "netutil"],
  ["tcpclient"],
  ["http1connection"],
  ["httpclient/(request|response|errors|base)"],
  ["simple_httpclient"],
  ["httpclient/(index|blocking|cli|_blocking_[a-z]+)", "testing"],
];

const forbidden = [
  {
    name: "no-circular",
    severity: "error",
    from: {},
    // A cycle closed only by `import type` does not exist at run time (httpclient/errors.ts
    // names HTTPResponse as a type; response.ts makes HTTPClientError values).
    to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
  },
  {
    name: "no-unresolvable",
    severity: "error",
    from: {},
    to: { couldNotResolve: true },
  },
];
LAYERS.forEach((mods, layer) => {
  const higher = LAYERS.slice(layer + 1).flat();
  if (higher.length === 0) return;
  forbidden.push({
    name: `layer-${layer}-points-up`,
    comment: `${mods.join(", ")} (layer ${layer}) must not import a higher layer`,
    severity: "error",
    from: { path: `^src/(${mods.join("|")})(/|\\.ts$)` },
    to: { path: `^src/(${higher.join("|")})(/|\\.ts$)` },
  });
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: "node_modules" },
    tsConfig: { fileName: "tsconfig.build.json" },
    tsPreCompilationDeps: true,
  },
};
