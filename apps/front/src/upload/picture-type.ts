/** The picture formats upload.cgi knows, by the name a `type` field and a file id extension use. */
export const PICTURE_TYPES = ['jpg', 'png', 'gif', 'webp'] as const;
export type PictureType = (typeof PICTURE_TYPES)[number];

/** The names a declared `type` may use for each format (lower case). */
const TYPE_NAMES: Record<string, PictureType> = {
  jpg: 'jpg',
  jpeg: 'jpg',
  'image/jpeg': 'jpg',
  png: 'png',
  'image/png': 'png',
  gif: 'gif',
  'image/gif': 'gif',
  webp: 'webp',
  'image/webp': 'webp',
};

/** The format a declared `type` names (`jpg`, `JPEG`, `.png`, `image/webp`), or undefined. */
export function pictureTypeOf(declared: string): PictureType | undefined {
  return TYPE_NAMES[declared.trim().toLowerCase().replace(/^\./, '')];
}

/** Content-Type of each format, for the download path too. */
export const PICTURE_MIME: Record<PictureType, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
};
