#!/usr/bin/env node
'use strict';
// Thin launcher: the compiled CLI decides the exit code.
require('../dist/src/cli/main.js')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
