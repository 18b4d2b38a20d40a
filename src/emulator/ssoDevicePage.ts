import { decideAuthorizations } from './ssoState';
import type { World } from './world';

/**
 * The page verificationUri points at (device.sso.REGION.amazonaws.com in AWS): it shows the code
 * and lets whoever opens it sign in as a fixture user and allow or deny, the same decision the
 * /__emulator/sso/approve hook makes for tests. No password: the emulator trusts its one machine.
 */
export function handleDevicePage(world: World, method: string, url: URL, body: string): { status: number; html: string } {
  const now = world.now();
  if (method === 'POST') {
    const form = new URLSearchParams(body);
    const user = form.get('user') ?? undefined;
    const userCode = form.get('user_code') ?? '';
    const decision = decideAuthorizations(world.sso, world.fixture.sso, now, { ...(user ? { user } : {}), userCode, deny: form.get('decision') === 'deny' });
    const text =
      decision.status === 200
        ? `Request ${userCode} ${form.get('decision') === 'deny' ? 'denied' : 'approved'}. You can close this window.`
        : String(decision.body.error);
    return { status: decision.status, html: page('Authorization', `<p>${escapeHtml(text)}</p>`) };
  }
  if (method !== 'GET') return { status: 405, html: page('Authorization', '<p>Use GET or POST.</p>') };
  const userCode = (url.searchParams.get('user_code') ?? '').toUpperCase();
  const authorization = [...world.sso.authorizations.values()].find((a) => a.userCode === userCode);
  if (!authorization || authorization.status !== 'pending' || now >= authorization.expiresAt) {
    const why = userCode ? `No pending request has the code ${userCode}; it may have expired or been answered.` : 'Enter the code your application shows.';
    return {
      status: userCode ? 404 : 200,
      html: page('Authorization', `<p>${escapeHtml(why)}</p><form method="get"><input name="user_code" placeholder="XXXX-XXXX"> <button>Next</button></form>`),
    };
  }
  const clientName = world.sso.clients.get(authorization.clientId)?.name ?? '';
  const users = Object.values(world.fixture.sso?.users ?? {})
    .map((u) => `<option value="${escapeHtml(u.name)}">${escapeHtml(u.name)}${u.email ? ` (${escapeHtml(u.email)})` : ''}</option>`)
    .join('');
  return {
    status: 200,
    html: page(
      'Authorize request',
      `<p><strong>${escapeHtml(clientName)}</strong> asks to access your AWS accounts with the code <code>${escapeHtml(userCode)}</code>.</p>
<form method="post" action="/device"><input type="hidden" name="user_code" value="${escapeHtml(userCode)}">
<label>Sign in as <select name="user">${users}</select></label>
<button name="decision" value="allow">Allow access</button> <button name="decision" value="deny">Deny</button></form>`,
    ),
  };
}

function page(title: string, content: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)} · awsdir emulator</title></head><body><h1>${escapeHtml(title)}</h1>\n${content}\n</body></html>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
