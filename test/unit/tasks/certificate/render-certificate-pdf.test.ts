import { PDFDocument, StandardFonts } from 'pdf-lib';
import { formatCertificateDate, renderCertificatePdf, toDrawableText } from '../../../../src/tasks/certificate/render-certificate-pdf';

const content = { studentName: 'Ada Lovelace', courseTitle: 'Analytical Engines 101', completedAt: new Date('2026-03-01T10:00:00Z'),
  certificateNumber: 'CERT-2026-ABCD-EFGH-JKMN', issuerName: 'LMS Academy' };

describe('renderCertificatePdf', () => {
  it('produces a one-page landscape PDF with the number in its metadata', async () => {
    const bytes = await renderCertificatePdf(content);
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    const doc = await PDFDocument.load(bytes);
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getPage(0).getWidth()).toBeGreaterThan(doc.getPage(0).getHeight());
    expect(doc.getTitle()).toBe('Certificate CERT-2026-ABCD-EFGH-JKMN');
    expect(doc.getSubject()).toBe('Ada Lovelace completed Analytical Engines 101');
    expect(doc.getCreationDate()?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });

  it('is deterministic: the same content gives the same bytes, other content other bytes', async () => {
    const a = Buffer.from(await renderCertificatePdf(content));
    const b = Buffer.from(await renderCertificatePdf(content));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(Buffer.from(await renderCertificatePdf({ ...content, studentName: 'Ada King' })))).toBe(false);
  });

  it('copes with long names and letters the standard fonts lack', async () => {
    const bytes = await renderCertificatePdf({ ...content, studentName: `Zoë Dvořák Łukasz 李 ${'Very Long Name '.repeat(8)}` });
    expect((await PDFDocument.load(bytes)).getSubject()).toMatch(/^Zoë Dvorák Lukasz \? Very Long/);
  });
});

describe('toDrawableText / formatCertificateDate', () => {
  it('keeps WinAnsi text, strips accents it cannot draw, replaces the rest with ?', async () => {
    const font = await (await PDFDocument.create()).embedFont(StandardFonts.Helvetica);
    expect(toDrawableText('Zoë Müller-SSørensen', font)).toBe('Zoë Müller-SSørensen');
    expect(toDrawableText('Dvořák Łódź', font)).toBe('Dvorák Lódz');
    expect(toDrawableText('李\nПетя', font)).toBe('? ????');
  });

  it('formats the date in UTC, in English', () => {
    expect(formatCertificateDate(new Date('2026-12-31T23:30:00Z'))).toBe('31 December 2026');
    expect(formatCertificateDate(new Date('2026-01-01T00:30:00+02:00'))).toBe('31 December 2025');
  });
});
