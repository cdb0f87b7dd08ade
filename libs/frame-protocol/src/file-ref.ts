import { parseFileId, type ParsedFileId } from 'fastdfs-protocol';
import { badArgument } from './result-error.js';

/** `char[64]`: the file id fields of the crop and delete bodies. */
export const FDFS_URL_SIZE = 64;

/**
 * The file id an `fdfs_url` field names: a file id (`g01/M00/00/00/x.jpg`) or a URL whose path
 * ends in one (`http://pic.example.com/download.fcgi/g01/M00/00/00/x.jpg`, `/g01/M00/...`).
 * The id comes from the network, so it is parsed, never trusted: anything that is not a valid
 * FastDFS file id (`..`, a bad group, a bad name) is BAD_ARGUMENT.
 */
export function fileIdOfUrl(url: string): ParsedFileId {
  let path = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  if (scheme !== null) path = path.slice(scheme[0].length);
  const query = path.search(/[?#]/);
  if (query !== -1) path = path.slice(0, query);
  // The id is the last 5 components: group/Mxx/XX/YY/name.
  const parts = path.split('/').filter((part) => part !== '');
  if (parts.length < 5) throw badArgument(`fdfs_url ${JSON.stringify(url)} does not end in a file id`);
  const id = parts.slice(-5).join('/');
  try {
    return parseFileId(id);
  } catch (err) {
    throw badArgument(`fdfs_url ${JSON.stringify(url)}: ${(err as Error).message}`);
  }
}
