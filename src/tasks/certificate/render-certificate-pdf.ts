import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';

/** What goes on a certificate. */
export interface CertificateContent {
  studentName: string;
  courseTitle: string;
  completedAt: Date;
  certificateNumber: string;
  /** Who issues it ("LMS Academy"). */
  issuerName: string;
}

/** Latin letters without a decomposition that the standard fonts still lack. */
const FALLBACK_LETTERS: Readonly<Record<string, string>> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ħ: 'H', ħ: 'h', ı: 'i', Ŧ: 'T', ŧ: 't', Ŀ: 'L', ŀ: 'l' };

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `1 March 2026`, in UTC (the same on every worker, whatever its time zone). */
export function formatCertificateDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/**
 * Text the standard fonts can draw: they only have WinAnsi glyphs, so other letters lose their
 * accents (NFKD, combining marks dropped: "Dvořák" → "Dvorák", "Łódź" → "Lódz") and what is
 * still not drawable (CJK, Cyrillic) becomes "?". Embedding a Unicode font needs @pdf-lib/fontkit (not a dependency).
 */
export function toDrawableText(text: string, font: PDFFont): string {
  const drawable = (ch: string): boolean => {
    try {
      font.encodeText(ch);
      return true;
    } catch {
      return false;
    }
  };
  let out = '';
  for (const ch of text.replace(/[\r\n\t]+/g, ' ')) {
    if (drawable(ch)) { out += ch; continue; }
    const base = FALLBACK_LETTERS[ch] ?? ch.normalize('NFKD').replace(/\p{M}/gu, '');
    out += base.length > 0 && [...base].every(drawable) ? base : '?';
  }
  return out;
}

/** Draws one centred line, shrinking the size until it fits `maxWidth`. */
function centred(page: PDFPage, text: string, font: PDFFont, size: number, y: number, maxWidth: number, color = rgb(0.1, 0.1, 0.15)): void {
  let s = size;
  while (s > 8 && font.widthOfTextAtSize(text, s) > maxWidth) s -= 1;
  const width = font.widthOfTextAtSize(text, s);
  page.drawText(text, { x: (page.getWidth() - width) / 2, y, size: s, font, color });
}

/**
 * Renders the certificate: one A4 landscape page with the student's name, the course, the
 * completion date and the certificate number as real text (standard fonts, so a PDF reader or
 * pypdf extracts it). Deterministic: the same content gives the same bytes (the document dates are
 * the completion date, not the render time), so concurrent or repeated runs write identical files.
 */
export async function renderCertificatePdf(content: CertificateContent): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const italic = await doc.embedFont(StandardFonts.HelveticaOblique);
  const page = doc.addPage([841.89, 595.28]);
  const { width, height } = page.getSize();
  const accent = rgb(0.17, 0.42, 0.69);
  page.drawRectangle({ x: 24, y: 24, width: width - 48, height: height - 48, borderColor: accent, borderWidth: 4 });
  page.drawRectangle({ x: 34, y: 34, width: width - 68, height: height - 68, borderColor: accent, borderWidth: 1 });
  const maxWidth = width - 140;
  const name = toDrawableText(content.studentName, bold);
  const course = toDrawableText(content.courseTitle, bold);
  const issuer = toDrawableText(content.issuerName, regular);
  centred(page, 'Certificate of Completion', bold, 38, height - 130, maxWidth, accent);
  centred(page, 'This is to certify that', italic, 16, height - 190, maxWidth);
  centred(page, name, bold, 32, height - 245, maxWidth);
  centred(page, 'has successfully completed the course', italic, 16, height - 295, maxWidth);
  centred(page, course, bold, 24, height - 345, maxWidth);
  centred(page, `Completed on ${formatCertificateDate(content.completedAt)}`, regular, 14, height - 400, maxWidth);
  centred(page, `Issued by ${issuer}`, regular, 14, height - 425, maxWidth);
  centred(page, `Certificate No. ${content.certificateNumber}`, regular, 12, 70, maxWidth, rgb(0.35, 0.35, 0.4));
  doc.setTitle(`Certificate ${content.certificateNumber}`);
  doc.setSubject(`${name} completed ${course}`);
  doc.setAuthor(issuer);
  doc.setKeywords(['certificate', content.certificateNumber]);
  doc.setCreator('celeriac');
  doc.setProducer('celeriac (pdf-lib)');
  doc.setCreationDate(content.completedAt);
  doc.setModificationDate(content.completedAt);
  return doc.save({ useObjectStreams: false });
}
