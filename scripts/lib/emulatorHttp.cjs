// Preloaded into the Firebase CLI while it runs the emulators (NODE_OPTIONS
// --require, set by scripts/lib/emulators.mjs). The Functions emulator hands
// each event to a worker process over HTTP, with Node's global agent, which
// keeps connections alive (Node >= 19) and drops an idle one after 5 s; the
// worker's server closes idle connections after 5 s too. When both sides time
// out together, a request is written into a socket the worker just closed:
// "Request to function failed: Error: write EPIPE", the emulator answers 500
// and the Pub/Sub emulator's message is acknowledged anyway, so the event is
// lost. A fresh connection per request closes that race. Only the local
// tooling is affected; deployed functions never load this file.
const http = require('node:http');

http.globalAgent = new http.Agent({ keepAlive: false });
