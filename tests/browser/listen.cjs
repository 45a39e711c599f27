// A loopback HTTP listener whose URL the browser suite plants in app names, labels and
// callbacks: it answers every request with a 1x1 PNG and appends "METHOD URL" to LOG, so
// any request the page (or pkce-audit) makes shows up there. Prints its port, then serves
// until killed.
//
//   node listen.cjs LOG
const http = require("node:http");
const fs = require("node:fs");

const log = process.argv[2];
fs.writeFileSync(log, "");
const png = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const server = http.createServer((req, res) => {
  fs.appendFileSync(log, `${req.method} ${req.url}\n`);
  res.writeHead(200, { "content-type": "image/png", "access-control-allow-origin": "*" });
  res.end(png);
});
server.listen(0, "127.0.0.1", () => {
  console.log(server.address().port);
});
