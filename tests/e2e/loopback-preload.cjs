// Preloaded with NODE_OPTIONS=--require so that servers which listen on every interface
// (server-everything's `app.listen(PORT)`) bind 127.0.0.1 only: tests must stay on loopback.
'use strict';
const net = require('node:net');

const LOOPBACK = '127.0.0.1';
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (first === undefined || typeof first === 'function') {
    // listen([callback]): a random port on every interface.
    args.unshift(0, LOOPBACK);
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] === 'string') args[1] = LOOPBACK;
    else args.splice(1, 0, LOOPBACK);
  } else if (first !== null && typeof first === 'object' && first.path === undefined && first.fd === undefined) {
    // listen({ port, host, ... }); a net.Server handle object has neither port nor host: leave it.
    if ('port' in first || 'host' in first) args[0] = { ...first, host: LOOPBACK };
  }
  return originalListen.apply(this, args);
};
