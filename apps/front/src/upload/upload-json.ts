import type { ServerResponse } from 'node:http';
import type { ResultCodeValue } from '@pic-storage/frame-protocol';
import type { UploadError } from './upload-errors.js';

/*
 * upload.cgi's answers, byte-compatible with the C CGI's: its JSON library (json-c) wrote the
 * fields in this order and escaped every '/' as '\/'. JSON.parse reads both forms alike, but a
 * game page that matched the text may not, so the escape is kept.
 *
 *   {"result":"success","albumid":3,"photoid":17,"file_name":"a.jpg","hostid":0,
 *    "lloc":"group1\/M00\/00\/00\/CgEBxV...668.jpg","len":771347}
 *   {"result":"error","code":1007,"message":"..."}
 */

export interface UploadSuccess {
  albumid: number;
  photoid: number;
  /** The uploaded file's name, as the browser sent it. */
  fileName: string;
  hostid: number;
  /** The FastDFS file id. */
  lloc: string;
  /** Stored bytes. */
  len: number;
}

export function successJson(success: UploadSuccess): string {
  return legacyJson({
    result: 'success',
    albumid: success.albumid,
    photoid: success.photoid,
    file_name: success.fileName,
    hostid: success.hostid,
    lloc: success.lloc,
    len: success.len,
  });
}

export function errorJson(code: ResultCodeValue, message: string): string {
  return legacyJson({ result: 'error', code, message });
}

/**
 * JSON.stringify, then '/' → '\/'. A '/' in its output is always a character of a string (never
 * part of an escape, a number or punctuation), so the replacement is a valid escape everywhere.
 */
export function legacyJson(value: object): string {
  return JSON.stringify(value).replaceAll('/', '\\/');
}

/**
 * The headers in the order Express's res.send wrote them when upload.cgi ran on Express (the wire
 * bytes kept): Content-Type, Cache-Control, Content-Length, after any CORS header.
 */
export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  // An answer names a new file or a refusal: neither may be served again from a cache.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** The JSON error answer of `err`: its failure's status and code, its message. */
export function sendUploadError(res: ServerResponse, err: UploadError): void {
  sendJson(res, err.status, errorJson(err.code, err.message));
}
