import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a real server, for fault injection: `cut()` drops every open
 * connection (both sides see the socket close), `down()` also refuses new ones until `up()`, and
 * `cutOn` drops a connection as soon as the client sends a command matching it, before the server
 * sees it: a network failure at a chosen step, with everything else real.
 *
 * `arm(fault)` sets a one-shot fault for the next connection that reaches its step: cut on a
 * command, drop after N more bytes of the server's answer to a command (a transfer cut in the
 * middle), or stall (both directions go silent, the sockets stay open). Once it has fired the
 * proxy is healthy again, as a network usually is after a hiccup.
 *
 * `quietIdle` swallows the server's new-mail notices (untagged EXISTS and RECENT) on connections
 * that are in IDLE: a server whose IDLE has gone quiet while the connection looks healthy.
 */
export interface Fault {
	/** Drop the connection when the client sends a command matching this, before the server sees it. */
	cutOn?: RegExp;
	/** After the client sent a command matching `after`, let `afterBytes` bytes of the answer through, then drop. */
	dropAfter?: { after: RegExp; bytes: number };
	/** When the client sends a command matching this, forward nothing more either way (a hung server). */
	stallOn?: RegExp;
}

export interface FaultProxy {
	port: number;
	/** Connections accepted since start, to tell that a client reconnected. */
	readonly connections: number;
	/** Connections open right now, to tell that a client closed its sessions. */
	readonly openConnections: number;
	/** Connections dropped by `cutOn` (constructor or armed) so far. */
	readonly cuts: number;
	/** Armed faults that fired so far (cuts, drops after bytes and stalls). */
	readonly fired: number;
	/** The armed fault that has not fired yet, if any. */
	readonly armed: Fault | undefined;
	/** Everything clients sent (latin1, first MB), to check what crossed the wire. */
	readonly clientText: string;
	/** While true, new-mail notices to connections in IDLE are dropped. */
	quietIdle: boolean;
	/** New-mail notices dropped by quietIdle so far. */
	readonly swallowed: number;
	/** Connections in IDLE right now (the client sent IDLE and no DONE since). */
	readonly idling: number;
	cut(): void;
	down(): void;
	up(): void;
	arm(fault: Fault): void;
	disarm(): void;
	close(): Promise<void>;
}

// The client's recent text is matched against the fault patterns; commands are short.
const MATCH_WINDOW = 4096;

export interface FaultProxyOptions {
	targetHost?: string;
	/** Drop every connection when the client sends a command matching this. */
	cutOn?: RegExp;
	/** Rewrites what the server says (latin1), as a man in the middle would: e.g. hide STARTTLS. */
	rewriteAnswer?: (text: string) => string;
}

const CLIENT_TEXT_LIMIT = 1024 * 1024;

export async function startFaultProxy(
	targetPort: number,
	{ targetHost = '127.0.0.1', cutOn, rewriteAnswer }: FaultProxyOptions = {},
): Promise<FaultProxy> {
	const open = new Set<Socket>();
	let accepting = true;
	let connections = 0;
	let cuts = 0;
	let fired = 0;
	let armed: Fault | undefined;
	let clientText = '';
	let quietIdle = false;
	let swallowed = 0;
	const idlers = new Set<Socket>();

	const server: Server = createServer((client) => {
		if (!accepting) {
			client.destroy();
			return;
		}
		connections++;
		const upstream = connect(targetPort, targetHost);
		const drop = () => {
			client.destroy();
			upstream.destroy();
		};
		for (const socket of [client, upstream]) {
			open.add(socket);
			socket.on('error', () => undefined);
			socket.on('close', () => {
				open.delete(socket);
				idlers.delete(client);
				drop();
			});
		}
		let sent = '';
		let stalled = false;
		let idling = false;
		// Bytes of the server's answer still allowed through before an armed drop fires.
		let answerBudget: number | undefined;
		const fire = () => {
			armed = undefined;
			fired++;
		};

		client.on('data', (chunk: Buffer) => {
			if (stalled) return;
			if (clientText.length < CLIENT_TEXT_LIMIT) clientText += chunk.toString('latin1');
			sent = (sent + chunk.toString('latin1')).slice(-MATCH_WINDOW);
			if (/ IDLE\r\n$/i.test(sent)) idling = true;
			else if (/(^|\n)DONE\r\n$/i.test(sent)) idling = false;
			if (idling) idlers.add(client);
			else idlers.delete(client);
			if (cutOn?.test(sent)) {
				cuts++;
				drop();
				return;
			}
			const fault = armed;
			if (fault?.cutOn?.test(sent)) {
				fire();
				cuts++;
				drop();
				return;
			}
			if (fault?.stallOn?.test(sent)) {
				fire();
				stalled = true;
				return;
			}
			if (fault?.dropAfter && answerBudget === undefined && fault.dropAfter.after.test(sent)) {
				fire();
				answerBudget = fault.dropAfter.bytes;
			}
			upstream.write(chunk);
		});
		upstream.on('data', (answer: Buffer) => {
			if (stalled) return;
			let chunk = rewriteAnswer ? Buffer.from(rewriteAnswer(answer.toString('latin1')), 'latin1') : answer;
			if (quietIdle && idling) {
				const text = chunk.toString('latin1');
				const kept = text.replace(/^\* \d+ (EXISTS|RECENT)\r\n/gim, () => {
					swallowed++;
					return '';
				});
				if (kept.length === 0) return;
				chunk = Buffer.from(kept, 'latin1');
			}
			if (answerBudget === undefined) {
				client.write(chunk);
				return;
			}
			const allowed = chunk.subarray(0, answerBudget);
			answerBudget -= allowed.length;
			if (allowed.length) client.write(allowed);
			if (answerBudget <= 0) client.end(drop);
		});
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
		get fired() {
			return fired;
		},
		get armed() {
			return armed;
		},
		get clientText() {
			return clientText;
		},
		get quietIdle() {
			return quietIdle;
		},
		set quietIdle(value: boolean) {
			quietIdle = value;
		},
		get swallowed() {
			return swallowed;
		},
		get idling() {
			return idlers.size;
		},
		cut,
		down() {
			accepting = false;
			cut();
		},
		up() {
			accepting = true;
		},
		arm(fault: Fault) {
			armed = fault;
		},
		disarm() {
			armed = undefined;
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

/**
 * A `rewriteAnswer` that takes capabilities out of every CAPABILITY list the server sends (the
 * greeting, the answer to LOGIN, the CAPABILITY command), as a server without them would answer.
 */
export function hideCapabilities(...names: string[]): (text: string) => string {
	const token = new RegExp(` (?:${names.join('|')})(?=[ \\]\\r\\n])`, 'g');
	return (text) => text.replace(/CAPABILITY [^\r\n]*/g, (list) => list.replace(token, ''));
}
