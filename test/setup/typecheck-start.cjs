module.exports = require('./typecheck.cjs').start;
