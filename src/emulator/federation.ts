import { randomBytes } from 'node:crypto';
import type { World } from './world';

export interface FederationAnswer {
  status: number;
  body: string;
  contentType?: string;
  redirect?: string;
}

const SIGNIN_TOKEN_MS = 15 * 60 * 1000;

/**
 * The console federation endpoint (signin.aws.amazon.com/federation): getSigninToken turns role
 * credentials into a sign-in token, login redirects a browser with it. AWS answers refusals with a
 * bare 400, so the body here only explains the reason to whoever reads a test failure.
 */
export function handleFederation(world: World, url: URL, body: string): FederationAnswer {
  const params = new URLSearchParams(url.search);
  for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  const refuse = (reason: string): FederationAnswer => {
    world.record({ service: 'signin', action: params.get('Action') ?? '(none)', status: 400, code: 'BadRequest' });
    return { status: 400, body: `${reason}\n`, contentType: 'text/plain' };
  };
  const action = params.get('Action');
  if (action === 'getSigninToken') {
    let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown };
    try {
      session = JSON.parse(params.get('Session') ?? '') as typeof session;
    } catch {
      return refuse('Session must be JSON {"sessionId","sessionKey","sessionToken"}');
    }
    const id = typeof session.sessionId === 'string' ? session.sessionId : '';
    if (world.findLongTermKey(id)) return refuse('long-term access keys cannot sign in to the console; use role credentials from AssumeRole');
    const issued = world.sessions.get(id);
    if (!issued || issued.secretAccessKey !== session.sessionKey || issued.sessionToken !== session.sessionToken)
      return refuse('the session credentials are not valid');
    if (issued.type !== 'role') return refuse('GetSessionToken credentials cannot sign in to the console; use role credentials from AssumeRole');
    if (world.now() >= issued.expiresAt) return refuse('the session credentials have expired');
    const durationText = params.get('SessionDuration');
    let consoleSeconds = 43200;
    if (durationText !== null) {
      if (issued.chained) return refuse('SessionDuration is not allowed for credentials from role chaining');
      const d = Number(durationText);
      if (!Number.isInteger(d) || d < 900 || d > 43200) return refuse('SessionDuration must be 900..43200 seconds');
      consoleSeconds = d;
    }
    const token = randomBytes(48).toString('base64url');
    world.signinTokens.set(token, { session: issued, expiresAt: world.now() + SIGNIN_TOKEN_MS });
    world.record({ service: 'signin', action, accessKeyId: id, status: 200, code: 'OK', principal: `console session ${consoleSeconds}s` });
    return { status: 200, body: `${JSON.stringify({ SigninToken: token })}\n` };
  }
  if (action === 'login') {
    const token = params.get('SigninToken') ?? '';
    const entry = world.signinTokens.get(token);
    const destination = params.get('Destination');
    if (!entry || world.now() >= entry.expiresAt) return refuse('the sign-in token is unknown or expired');
    if (!destination || !/^https?:\/\//.test(destination)) return refuse('Destination must be an http(s) URL');
    world.record({ service: 'signin', action, accessKeyId: entry.session.accessKeyId, status: 302, code: 'OK' });
    return { status: 302, body: '', redirect: destination };
  }
  return refuse('Action must be getSigninToken or login');
}
