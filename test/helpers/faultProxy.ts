import { createConnection, createServer, type Server, type Socket } from 'node:net';

import { servers } from './servers';

export interface FaultProxy {
	port: number;
	/** Connections cut so far. */
	cuts: number;
	close(): Promise<void>;
}

/**
 * A TCP proxy in front of Dovecot's plain IMAP port that cuts the connection (both sides) as soon
 * as the client sends a command matching `cutOn`, before the server sees it: a network failure at a
 * chosen step of a cycle, with everything else real.
 */
export async function faultProxy(cutOn: RegExp): Promise<FaultProxy> {
	const info = servers();
	const sockets = new Set<Socket>();
	const proxy: FaultProxy = { port: 0, cuts: 0, close: async () => undefined };
	const server: Server = createServer((client) => {
		const upstream = createConnection(info.ports.imap, info.host);
		sockets.add(client).add(upstream);
		let sent = '';
		client.on('data', (chunk) => {
			sent += chunk.toString('latin1');
			if (cutOn.test(sent)) {
				proxy.cuts++;
				client.destroy();
				upstream.destroy();
				return;
			}
			upstream.write(chunk);
		});
		upstream.on('data', (chunk) => client.write(chunk));
		const end = () => {
			client.destroy();
			upstream.destroy();
		};
		client.on('error', end).on('close', end);
		upstream.on('error', end).on('close', end);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	proxy.port = (server.address() as { port: number }).port;
	proxy.close = () =>
		new Promise<void>((resolve) => {
			for (const socket of sockets) socket.destroy();
			server.close(() => resolve());
		});
	return proxy;
}
