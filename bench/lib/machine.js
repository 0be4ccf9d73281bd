'use strict';
const os = require('node:os');

/** Machine description printed with every table: ratios only mean something on one machine. */
function machine() {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0] ? cpus[0].model.trim() : 'unknown cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}-${process.arch}`;
}

module.exports = { machine };
