import { contentTypeFor, resolveStaticPath } from '../../../../local/servers/static-console';

describe('static console paths', () => {
  it('maps URL paths inside the build folder', () => {
    expect(resolveStaticPath('/app/dist', '/assets/index-abc.js')).toBe('/app/dist/assets/index-abc.js');
    expect(resolveStaticPath('/app/dist', '/my%20file.txt')).toBe('/app/dist/my file.txt');
  });

  it('refuses paths that climb out of it', () => {
    expect(resolveStaticPath('/app/dist', '/../secrets.json')).toBeUndefined();
    expect(resolveStaticPath('/app/dist', '/%2e%2e/%2e%2e/etc/passwd')).toBeUndefined();
    expect(resolveStaticPath('/app/dist', '/a%00.js')).toBeUndefined();
    expect(resolveStaticPath('/app/dist', '/%E0%A4%A')).toBeUndefined();
  });

  it('names content types by extension', () => {
    expect(contentTypeFor('/x/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('/x/app.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('/x/blob')).toBe('application/octet-stream');
  });
});
