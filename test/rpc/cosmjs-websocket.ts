// cosmjs 0.39's ReconnectingSocket schedules a reconnect when it sees its own disconnect() (the
// Disconnected status update sets reconnectTimeout), so a disconnected WebsocketClient reconnects
// forever and keeps the test process alive. Disconnect, then cancel that pending reconnect.
import type { WebsocketClient } from "@cosmjs/tendermint-rpc";

export function disconnectWebsocket(client: WebsocketClient): void {
  client.disconnect();
  const socket = (client as unknown as { socket: { reconnectTimeout: ReturnType<typeof setTimeout> | null } })
    .socket;
  if (socket.reconnectTimeout !== null) clearTimeout(socket.reconnectTimeout);
  socket.reconnectTimeout = null;
}
