// The Content-Security-Policy nonce of this response, for the inline scripts Remix renders. Set on the server by
// entry.server.tsx; in the browser it is "" (browsers hide nonces from the DOM, and hydration leaves them be).
import { createContext, useContext } from "react";

export const NonceContext = createContext("");

export function useNonce() {
  return useContext(NonceContext);
}
