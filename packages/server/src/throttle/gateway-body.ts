/**
 * The 429 body Partner Center's gateway sends (partner-center-facts.md, "Throttling"). It is the
 * gateway's shape, not Partner Center's error shape, and "seconds" stays plural even for 1, as observed.
 */
export interface GatewayThrottleBody {
  statusCode: 429;
  message: string;
}

export function gatewayThrottleBody(retryAfterSeconds: number): GatewayThrottleBody {
  return { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.` };
}
