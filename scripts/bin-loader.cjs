#!/usr/bin/env node
'use strict';
// Runs NAME.bundle.js beside this file (esbuild's bundle of the compiled CLI
// or its worker threads, see scripts/bundle-cli.mjs) as this very module, with the
// V8 code cache the build wrote for it: parsing and compiling the 1.5 MB
// bundle costs ~50 ms per process otherwise, and Node 20 has no
// module.enableCompileCache. A missing or stale cache (another Node) only
// means compiling from source.
const { readFileSync } = require('node:fs');
const { wrap } = require('node:module');
const { Script, constants } = require('node:vm');

const bundle = __filename.replace(/\.js$/, '.bundle.js');
let cachedData;
try {
  cachedData = readFileSync(`${bundle}.cache`);
} catch {
  cachedData = undefined;
}
const script = new Script(wrap(readFileSync(bundle, 'utf8')), {
  filename: bundle,
  cachedData,
  importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
script.runInThisContext().call(module.exports, module.exports, require, module, bundle, __dirname);
