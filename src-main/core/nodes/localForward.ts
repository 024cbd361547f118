import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * A listening socket on 127.0.0.1 (a free port) whose every connection is piped through a channel the
 * caller opens, here an SSH forwardOut to rpc-server on the node. The listener outlives SSH reconnects:
 * each new connection asks for a channel on whatever connection is current.
 */
export class LocalForward {
  private readonly server: net.Server;
  private readonly open: () => Promise<Duplex>;
  private readonly sockets = new Set<net.Socket>();
  private readonly closeListeners: (() => void)[] = [];
  private closed = false;
  port = 0;

  constructor(open: () => Promise<Duplex>) {
    this.open = open;
    this.server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.close();
    for (const s of this.sockets) s.destroy();
    for (const l of this.closeListeners) l();
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    this.open().then(
      (channel) => {
        if (socket.destroyed) {
          channel.destroy();
          return;
        }
        channel.on('error', () => socket.destroy());
        // Either side ending ends the other: rpc-server and llama-server both treat EOF as "peer gone".
        channel.on('close', () => socket.destroy());
        socket.on('close', () => channel.destroy());
        socket.pipe(channel);
        channel.pipe(socket);
        socket.resume();
      },
      // Nothing reached on the node (refused, SSH down): the local client sees the connection close.
      () => socket.destroy(),
    );
  }
}
