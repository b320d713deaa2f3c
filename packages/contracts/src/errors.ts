/** Partner Center's documented error body. `code` is a JSON number on the wire. */
export interface PartnerCenterErrorBody {
  code: number;
  description: string;
  data: unknown[];
  source: string;
}

/** The API gateway's body for throttling and unknown routes. */
export interface GatewayErrorBody {
  statusCode: number;
  message: string;
}

export const ERROR_SOURCE = 'PartnerFD';
