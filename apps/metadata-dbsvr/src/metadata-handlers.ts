import {
  Cmd,
  badArgument,
  decodeMetadataListRequest,
  decodeMetadataRegisterRequest,
  decodeMetadataRemoveRequest,
  encodeMetadataListResponse,
  encodeMetadataRegisterResponse,
  encodeMetadataRemoveResponse,
  fileIdOfUrl,
} from '@pic-storage/frame-protocol';
import type { FrameHandler } from '@pic-storage/frame-service';
import type { PictureStore } from './picture-store.js';

/** A stored format's name: what upload.cgi sniffed (jpg, png, gif, webp), never a MIME type or a path. */
const PICTURE_TYPE = /^[a-z0-9]{1,8}$/;

/**
 * The handlers of cmds 4001-4003 over one store. A bad body is BAD_BODY and a bad field
 * BAD_ARGUMENT (thrown by the codecs and here), before the store is touched.
 */
export function metadataHandlers(
  store: PictureStore,
  now: () => number = () => Math.floor(Date.now() / 1000),
): Map<number, FrameHandler> {
  const register: FrameHandler = ({ body }) => {
    const record = decodeMetadataRegisterRequest(body);
    const file = fileIdOfUrl(record.fdfsUrl);
    if (!PICTURE_TYPE.test(record.type)) {
      throw badArgument(
        `metadata register: type ${JSON.stringify(record.type)} is not 1-8 lower-case letters or digits`,
      );
    }
    const photoid = store.register({
      ...record,
      fdfsUrl: `${file.group}/${file.filename}`,
      time: record.time === 0 ? now() : record.time,
    });
    return { body: encodeMetadataRegisterResponse(photoid) };
  };

  const remove: FrameHandler = ({ body }) => {
    const pic = decodeMetadataRemoveRequest(body);
    const file = fileIdOfUrl(pic.url);
    return { body: encodeMetadataRemoveResponse(store.remove(pic.hostid, `${file.group}/${file.filename}`)) };
  };

  const list: FrameHandler = ({ body }) => ({
    body: encodeMetadataListResponse(store.list(decodeMetadataListRequest(body))),
  });

  return new Map([
    [Cmd.METADATA_REGISTER, register],
    [Cmd.METADATA_REMOVE, remove],
    [Cmd.METADATA_LIST, list],
  ]);
}
