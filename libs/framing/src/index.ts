/** Length-prefixed framing over TCP, shared by the FastDFS client and server and the framed services. */
export { FrameError } from './frame-error.js';
export { FrameReader, type FrameEvent, type FrameFormat, type FrameReaderOptions } from './frame-reader.js';
export { FrameReceiver, type FrameReceiverOptions } from './frame-receiver.js';
export { writeWithBackpressure } from './write.js';
