// The client's address as the HTTP server determined it (the socket's, or what a trusted proxy reports: TRUST_PROXY).
// scripts/server.ts writes it into `x-client-ip`, overwriting anything the client sent there.
export function clientIp(request: Request): string {
  return request.headers.get("x-client-ip") ?? "unknown";
}
