import { importIdFromUploadKey, safeFileName, uploadKey } from '../../lambdas/shared/object-keys';

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
