// Preloaded with `node -r` into a run of the built CLI: os.hostname() answers $AWSDIR_TEST_HOSTNAME.
// A test machine's own host name cannot portably be made a dotted one (box.corp.example), which
// is what tells the short host name of `{host}` from the full one.
'use strict';
const os = require('node:os');

const name = process.env.AWSDIR_TEST_HOSTNAME;
if (name) os.hostname = () => name;
