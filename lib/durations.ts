/** Go's time.Duration syntax, which Flux and ESO validate their intervals against. */
export const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

export function assertDuration(field: string, value: string): void {
  if (!GO_DURATION.test(value)) throw new Error(`${field} ${JSON.stringify(value)} must be a Go duration such as 30s, 5m or 1h`);
}
