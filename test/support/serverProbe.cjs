// Asks a credential server the way a client would, and the ways an attacker on the same machine
// might: right token, none, a wrong one, a wrong path, another method, another Host header (a
// DNS-rebinding page). The URI and the token come from the container-credential variables. Prints
// one JSON object: each case's HTTP status and body.
'use strict';
const http = require('node:http');

const uri = new URL(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
const token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;

function ask({ path = uri.pathname, method = 'GET', headers = {} }) {
  return new Promise((resolve) => {
    const req = http.request({ host: uri.hostname, port: uri.port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (error) => resolve({ status: 0, body: error.code }));
    req.end();
  });
}

(async () => {
  const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  const cases = {
    right: await ask({ headers: { Authorization: token } }),
    none: await ask({}),
    wrongToken: await ask({ headers: { Authorization: wrong } }),
    bearer: await ask({ headers: { Authorization: `Bearer ${token}` } }),
    wrongPath: await ask({ path: '/latest/meta-data/iam/security-credentials/', headers: { Authorization: token } }),
    post: await ask({ method: 'POST', headers: { Authorization: token } }),
    rebound: await ask({ headers: { Authorization: token, Host: `attacker.example:${uri.port}` } }),
  };
  process.stdout.write(`${JSON.stringify(cases)}\n`);
})();
