#!/usr/bin/env node
// The `tornado-ts` command (python -m tornado.httpclient): runs the built CLI in dist/.
"use strict";

const { main } = require("../dist/httpclient/cli.js");

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    console.error(error);
    process.exitCode = 1;
  },
);
