'use strict';
// Preloaded into every benchmarked process (node --require): on exit, appends the process's peak
// resident set size in KiB to $OCEANID_BENCH_RSS_FILE. Node reports maxRSS for its own process, so
// this measures the benchmarked command itself, without a wrapper around it.
const fs = require('node:fs');

const target = process.env.OCEANID_BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => fs.appendFileSync(target, `${process.resourceUsage().maxRSS}\n`));
}
