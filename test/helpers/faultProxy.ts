import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, for fault injection: `cut()` drops every open
 * connection (both sides see the socket close), `down()` also refuses new ones until `up()`, and
 * `cutOn` drops a connection as soon as the client sends a command matching it, before the server
 * sees it: a network failure at a chosen step, with everything else real.
 */
export interface FaultProxy {
	port: number;
	/** Connections accepted since start, to tell that a client reconnected. */
	readonly connections: number;
	/** Connections open right now, to tell that a client closed its sessions. */
	readonly openConnections: number;
	/** Connections dropped by `cutOn` so far. */
	readonly cuts: number;
	cut(): void;
	down(): void;
	up(): void;
	close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number, { targetHost = '127.0.0.1', cutOn }: { targetHost?: string; cutOn?: RegExp } = {}): Promise<FaultProxy> {
	const open = new Set<Socket>();
	let accepting = true;
	let connections = 0;
	let cuts = 0;
	const server: Server = createServer((client) => {
		if (!accepting) {
			client.destroy();
			return;
		}
		connections++;
		const upstream = connect(targetPort, targetHost);
		for (const socket of [client, upstream]) {
			open.add(socket);
			socket.on('error', () => undefined);
			socket.on('close', () => {
				open.delete(socket);
				client.destroy();
				upstream.destroy();
			});
		}
		let sent = '';
		client.on('data', (chunk: Buffer) => {
			if (cutOn) {
				sent += chunk.toString('latin1');
				if (cutOn.test(sent)) {
					cuts++;
					client.destroy();
					upstream.destroy();
					return;
				}
			}
			upstream.write(chunk);
		});
		upstream.pipe(client);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const cut = () => {
		for (const socket of open) socket.destroy();
	};
	return {
		port: (server.address() as { port: number }).port,
		get connections() {
			return connections;
		},
		get openConnections() {
			return open.size / 2;
		},
		get cuts() {
			return cuts;
		},
		cut,
		down() {
			accepting = false;
			cut();
		},
		up() {
			accepting = true;
		},
		close: () => {
			cut();
			return new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

/** Runs `work` with a fault proxy in front of the port, closing the proxy whatever happens. */
export async function withFaultProxy<T>(targetPort: number, work: (proxy: FaultProxy) => Promise<T>): Promise<T> {
	const proxy = await startFaultProxy(targetPort);
	try {
		return await work(proxy);
	} finally {
		await proxy.close();
	}
}
