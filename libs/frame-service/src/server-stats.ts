/** What a FrameServer is doing and has done since it started (`FrameServer#stats`). */
export interface FrameServerStats {
  /** Connections open now. */
  connections: number;
  /** Requests being served now: handler started, reply not yet written. */
  inFlight: number;
  /** Requests answered since start, whatever their ret. */
  served: number;
  /** Connections closed for a frame length out of bounds (len < 18 or > maxFrameLength). */
  framingErrors: number;
  /** Connections closed on arrival: over maxConnections, refused by allowAddress, or during stop. */
  refused: number;
  /** Connections closed by the idle timeout. */
  idleClosed: number;
}

export const emptyServerStats = (): FrameServerStats => ({
  connections: 0,
  inFlight: 0,
  served: 0,
  framingErrors: 0,
  refused: 0,
  idleClosed: 0,
});
