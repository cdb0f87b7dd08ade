import { describe, expect, it } from 'vitest';
import { extOfLocalPath } from '../../../libs/fastdfs-client-ts/src/cli/ext-name.js';

/*
 * Expected values are what FastDFS 6.16's own fdfs_get_file_ext_name_ex(path, true) (the
 * function fdfs_upload_file uses) returned for each path, linked against libfdfsclient.
 */
describe('extOfLocalPath: the extension rule of fdfs_upload_file', () => {
  it.each([
    ['a.jpg', 'jpg'],
    ['foo.JPEG', 'JPEG'],
    ['x.abcdef', 'abcdef'],
    ['foo.jpeg7', 'jpeg7'],
    // over 6 bytes after the last dot: no extension at all, not a cut one
    ['x.abcdefg', ''],
    ['file.longextension', ''],
    // a dot file is all extension
    ['.hidden', 'hidden'],
    ['./.hidden', 'hidden'],
    // two-part extensions within 6 bytes, found only strictly after the window's start
    ['a.tar.gz', 'tar.gz'],
    ['archive.tar.gz', 'tar.gz'],
    ['.tar.gz', 'gz'],
    ['.gz.x', 'x'],
    ['/d/.gz.x', 'gz.x'],
    ['/tmp/dir/a.b.c', 'b.c'],
    ['ab.c.d.e.f', 'e.f'],
    ['a..b', '.b'],
    // an empty extension, and one that is only a dot
    ['file.', ''],
    ['a.b.', 'b.'],
    // a dot in a folder name is not an extension
    ['dir.v2/file', ''],
    ['x.y/.tar', 'tar'],
    ['noext', ''],
    // bytes, not characters: 6 bytes of UTF-8 pass the length test, 9 do not
    ['photo.日本', '日本'],
    ['photo.日本日', ''],
    ['a b.c d', 'c d'],
  ])('%j → %j', (path, ext) => {
    expect(extOfLocalPath(path)).toBe(ext);
  });
});
