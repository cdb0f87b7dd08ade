/**
 * Content-Type by the file id's extension (FastDFS mime.types, as mod_fastdfs answers): the
 * picture types the front stores, anything else application/octet-stream (a download, never
 * rendered as a page: responses also carry X-Content-Type-Options: nosniff).
 */
const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['png', 'image/png'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
]);

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** `ext` without the dot, any case. */
export function contentTypeOf(ext: string): string {
  return CONTENT_TYPES.get(ext.toLowerCase()) ?? DEFAULT_CONTENT_TYPE;
}
