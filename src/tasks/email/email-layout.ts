import { escapeHtml } from './escape-html';

/** Who the emails come from, as the templates show it. */
export interface EmailBranding {
  /** Product name in subjects and signatures ("LMS"). */
  appName: string;
  /** Base URL of the web app, for links (`https://lms.example`). */
  baseUrl: string;
  /** Shown in the footer when set. */
  supportEmail?: string;
}

/** A rendered email: subject plus both bodies. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** One paragraph or call to action of an email body; text is escaped by the layout, never by the caller. */
export type EmailBlock = { kind: 'paragraph'; text: string } | { kind: 'button'; label: string; url: string } | { kind: 'fact'; label: string; value: string };

/**
 * Renders blocks into the HTML and text bodies with a shared frame (greeting, footer). Every
 * string is escaped here, so templates cannot forget to: user data never reaches the HTML raw.
 */
export function renderEmailLayout(branding: EmailBranding, subject: string, greetingName: string | null, blocks: readonly EmailBlock[]): RenderedEmail {
  const greeting = greetingName ? `Hello ${greetingName},` : 'Hello,';
  const htmlBlocks = blocks.map((b) => {
    if (b.kind === 'paragraph') return `<p>${escapeHtml(b.text)}</p>`;
    if (b.kind === 'fact') return `<p><strong>${escapeHtml(b.label)}:</strong> ${escapeHtml(b.value)}</p>`;
    return `<p><a href="${escapeHtml(b.url)}" style="display:inline-block;padding:10px 18px;background:#2b6cb0;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(b.label)}</a></p>`;
  });
  const footer = branding.supportEmail ? `Questions? Write to ${branding.supportEmail}.` : null;
  const html = [
    '<!DOCTYPE html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;color:#1a202c;line-height:1.5">',
    `<p>${escapeHtml(greeting)}</p>`,
    ...htmlBlocks,
    `<p>The ${escapeHtml(branding.appName)} team</p>`,
    ...(footer ? [`<p style="color:#718096;font-size:12px">${escapeHtml(footer)}</p>`] : []),
    '</body></html>',
  ].join('\n');
  const textBlocks = blocks.map((b) => {
    if (b.kind === 'paragraph') return b.text;
    if (b.kind === 'fact') return `${b.label}: ${b.value}`;
    return `${b.label}: ${b.url}`;
  });
  const text = [greeting, ...textBlocks, `The ${branding.appName} team`, ...(footer ? [footer] : [])].join('\n\n');
  return { subject, html, text };
}

/** `baseUrl` + path + query, with the query values encoded. */
export function buildAppUrl(baseUrl: string, path: string, query: Record<string, string> = {}): string {
  const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return url.toString();
}
