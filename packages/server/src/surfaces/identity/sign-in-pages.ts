/**
 * The sign-in pages: plain server-rendered HTML forms, usable without script (the form_post page's
 * one line of script only saves a click; its button does the same). Every value is escaped.
 */
import { createHash } from 'node:crypto';
import type { OAuthError } from './oauth-errors.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}main{max-width:440px;margin:8vh auto;background:#fff;padding:44px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:24px;font-weight:600;margin:0 0 16px}label{display:block;margin:12px 0 4px}input[type=text],input[type=password],input[type=email]{width:100%;box-sizing:border-box;padding:6px;font-size:15px}
.buttons{margin-top:24px;display:flex;gap:8px;justify-content:flex-end}button{padding:6px 20px;font-size:15px}.primary{background:#0067b8;color:#fff;border:0}
.error{color:#e81123}.who{color:#555}small{color:#666}ul{padding-left:20px}`;

/** The form_post page's script: submits the form at once. Allowed by hash in the page's CSP. */
const AUTO_SUBMIT = 'document.forms[0].submit();';
const AUTO_SUBMIT_HASH = createHash('sha256').update(AUTO_SUBMIT).digest('base64');

export interface Page {
  status: number;
  html: string;
  /** The Content-Security-Policy the page needs. */
  csp: string;
}

const NO_SCRIPT = "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'";

function page(title: string, body: string, status = 200): Page {
  return {
    status,
    csp: NO_SCRIPT,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`,
  };
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
const errorLine = (error: string | undefined) => (error ? `<p class="error" role="alert" id="error">${escapeHtml(error)}</p>` : '');

export function passwordPage(action: string, model: { flow: string; client: string; username: string; error?: string }): Page {
  return page('Sign in to your account', `<h1>Sign in</h1><p class="who">to continue to <b>${escapeHtml(model.client)}</b></p>${errorLine(model.error)}
<form method="post" action="${escapeHtml(action)}">${hidden('flow', model.flow)}${hidden('step', 'password')}
<label for="login">Email, phone or Skype</label><input type="email" id="login" name="login" autocomplete="username" required value="${escapeHtml(model.username)}">
<label for="passwd">Password</label><input type="password" id="passwd" name="passwd" autocomplete="current-password" required>
<div class="buttons"><button type="submit" class="primary" id="next">Sign in</button></div></form>`);
}

export function mfaPage(action: string, model: { flow: string; client: string; username: string }): Page {
  return page('Approve sign in request', `<h1>Approve sign in request</h1><p class="who">${escapeHtml(model.username)}</p>
<p>A sign-in request was sent to the Microsoft Authenticator app registered for this account. This server stands in for it: approve or deny here.</p>
<form method="post" action="${escapeHtml(action)}">${hidden('flow', model.flow)}${hidden('step', 'mfa')}
<div class="buttons"><button type="submit" name="action" value="deny" id="deny">Deny</button><button type="submit" class="primary" name="action" value="approve" id="approve">Approve</button></div></form>`);
}

export function consentPage(action: string, model: { flow: string; client: string; username: string; permissions: string[] }): Page {
  const items = model.permissions.map((p) => `<li>${escapeHtml(p)}</li>`).join('');
  return page('Permissions requested', `<h1>Permissions requested</h1><p class="who">${escapeHtml(model.username)}</p>
<p><b>${escapeHtml(model.client)}</b> would like to:</p><ul id="permissions">${items}</ul>
<p><small>Accepting lets this app use these permissions for you, and keep access (a refresh token) until you withdraw your consent.</small></p>
<form method="post" action="${escapeHtml(action)}">${hidden('flow', model.flow)}${hidden('step', 'consent')}
<div class="buttons"><button type="submit" name="action" value="cancel" id="cancel">Cancel</button><button type="submit" class="primary" name="action" value="accept" id="accept">Accept</button></div></form>`);
}

export function deviceCodePage(action: string, error?: string): Page {
  return page('Enter code', `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>${errorLine(error)}
<form method="post" action="${escapeHtml(action)}"><label for="otc">Code</label><input type="text" id="otc" name="otc" autocomplete="off" required>
<div class="buttons"><button type="submit" class="primary" id="next">Next</button></div></form>`, error ? 400 : 200);
}

export function deviceDonePage(client: string): Page {
  return page('Signed in', `<h1 id="done">You have signed in</h1><p>You have signed in to <b>${escapeHtml(client)}</b> on your device. You may now close this window.</p>`);
}

export function signedOutPage(): Page {
  return page('Signed out', '<h1 id="signed-out">You signed out of your account</h1><p>It\'s a good idea to close all browser windows.</p>');
}

export function errorPage(error: OAuthError, correlationId: string): Page {
  return page('Sign in error', `<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" id="error"><b>AADSTS${error.aadsts}</b>: ${escapeHtml(error.description)}</p>
<p><small>error: ${escapeHtml(error.error)} · Correlation ID: ${escapeHtml(correlationId)}</small></p>`, 400);
}

/** response_mode=form_post: the fields posted to the redirect URI. */
export function formPostPage(redirectUri: string, params: Record<string, string>): Page {
  const fields = Object.entries(params).map(([name, value]) => hidden(name, value)).join('');
  const built = page('Working...', `<form method="post" action="${escapeHtml(redirectUri)}">${fields}<noscript><p>Script is off: continue to the app.</p><button type="submit" class="primary" id="continue">Continue</button></noscript></form><script>${AUTO_SUBMIT}</script>`);
  return { ...built, csp: `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${AUTO_SUBMIT_HASH}'; form-action *; frame-ancestors 'none'` };
}
