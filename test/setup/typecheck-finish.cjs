module.exports = require('./typecheck.cjs').finish;
