import { importIdFromUploadKey, safeFileName, uploadKey } from '../../../lambdas/shared/object-keys';
import { capText } from '../../../lambdas/shared/text';

describe('safeFileName', () => {
  it.each([
    ['users.csv', 'users.csv'],
    ['résumé équipe.csv', 'resume_equipe.csv'],
    ['../../etc/passwd.csv', 'passwd.csv'],
    ['C:\\Users\\ada\\Desktop\\Q3 users.csv', 'Q3_users.csv'],
    ['<script>alert(1)</script>.csv', 'script.csv'],
    ['..csv', 'upload.csv'],
    ['///', 'upload'],
    ['用户.csv', 'upload.csv'],
    ['report (final).CSV', 'report_final.CSV'],
  ])('%s → %s', (input, expected) => {
    expect(safeFileName(input)).toBe(expected);
  });

  it('keeps at most 100 characters of the name, and its extension', () => {
    const name = safeFileName(`${'a'.repeat(300)}.csv`);

    expect(name).toHaveLength(104);
    expect(name.endsWith('.csv')).toBe(true);
  });
});

describe('upload keys', () => {
  it('round-trips the import id and never leaves the import folder', () => {
    const importId = '2007923f-5cd8-4932-8f06-5c94cc587d49';

    const key = uploadKey(importId, '../../reports/other/exceptions.csv');

    expect(key).toBe(`uploads/${importId}/exceptions.csv`);
    expect(importIdFromUploadKey(key)).toBe(importId);
  });

  it('does not take keys of other shapes for uploads', () => {
    expect(importIdFromUploadKey('uploads/abc/x.csv')).toBeUndefined();
    expect(importIdFromUploadKey('reports/2007923f-5cd8-4932-8f06-5c94cc587d49/x.csv')).toBeUndefined();
    expect(importIdFromUploadKey('uploads/2007923f-5cd8-4932-8f06-5c94cc587d49/a/b.csv')).toBeUndefined();
  });
});

describe('capText', () => {
  it('keeps short text, and cuts long text to its start, an ellipsis and its end', () => {
    expect(capText('users.csv', 20)).toBe('users.csv');
    const cut = capText(`${'a'.repeat(5000)}.csv`, 100);
    expect(cut).toHaveLength(100);
    expect(cut.startsWith('aaaa')).toBe(true);
    expect(cut.endsWith(`…${'a'.repeat(12)}.csv`)).toBe(true);
    expect(cut).toContain('…');
  });

  it('never splits a surrogate pair', () => {
    const cut = capText('😀'.repeat(1000), 101);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(cut.length).toBeLessThanOrEqual(101);
  });
});
