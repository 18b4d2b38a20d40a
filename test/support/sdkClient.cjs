// A program that uses the AWS SDK for JavaScript v3 as people write it: an STSClient with no
// credentials given, so the SDK's default chain finds them (here: the container provider, from
// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN). Each call prints one
// JSON line: the caller's ARN and the access key id the SDK used, or the error it gave.
//   node sdkClient.cjs once        one call
//   node sdkClient.cjs many N      N clients at once, each with its own credential provider
//   node sdkClient.cjs loop        one long-lived client; a call for every line read on stdin
'use strict';
// A stand-in for the person's own program: the SDK's Node.js 20 warning is its own, not awsdir's.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');

async function call(client) {
  try {
    const out = await client.send(new GetCallerIdentityCommand({}));
    const credentials = await client.config.credentials();
    return { arn: out.Arn, accessKeyId: credentials.accessKeyId };
  } catch (error) {
    return { error: `${error.name}: ${error.message}` };
  }
}

const newClient = () => new STSClient({ maxAttempts: 1 });
const print = (result) => process.stdout.write(`${JSON.stringify(result)}\n`);

async function main() {
  const [mode, count] = process.argv.slice(2);
  if (mode === 'once') return print(await call(newClient()));
  if (mode === 'many') {
    const clients = Array.from({ length: Number(count) }, newClient);
    for (const result of await Promise.all(clients.map(call))) print(result);
    return undefined;
  }
  if (mode === 'loop') {
    const client = newClient();
    let buffered = '';
    let queue = Promise.resolve();
    process.stdin.on('data', (chunk) => {
      buffered += chunk.toString();
      let i;
      while ((i = buffered.indexOf('\n')) >= 0) {
        buffered = buffered.slice(i + 1);
        queue = queue.then(async () => print(await call(client)));
      }
    });
    process.stdin.on('end', () => void queue.then(() => process.exit(0)));
    print({ ready: true });
    return undefined;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
