import type { ImapFlow } from 'imapflow';

import type { MailAccount } from './account';
import { closeImap, connectImap, connectionLost } from './connection';
import { MailError } from './errors';

/** RFC 2177: servers may drop an IDLE after 30 minutes of silence; renewing at 25 stays well inside. */
export const DEFAULT_IDLE_RENEW_MS = 25 * 60_000;
const DEFAULT_FIRST_BACKOFF_MS = 1000;
const DEFAULT_MAX_BACKOFF_MS = 60_000;
/**
 * A folder unreachable this long is reported: a server restart passes unnoticed, an outage is
 * shown (and n8n retries the activation itself) within minutes, not after a silent quarter hour.
 */
const GIVE_UP_MS = 2 * 60_000;
// An IDLE that ends at once, again and again (a server refusing it), must not spin the CPU.
const MIN_IDLE_MS = 50;

// No reconnect fixes these: a rejected login, a bad setting, a folder that is gone.
const FATAL_CODES = new Set(['AUTH_FAILED', 'INVALID_INPUT', 'NOT_FOUND']);

export interface WatchOptions {
	folders: string[];
	/**
	 * One cycle of a folder (the poll trigger's cycle: search from the cursor, emit, move the
	 * cursor). Never runs twice at once for the same folder. Runs on the folder's watching
	 * connection when it is open (its IDLE waits meanwhile), else on one of its own. Resolves true
	 * when more mail waits than one cycle takes, to run again at once.
	 */
	cycle: (folder: string, connection: { client?: ImapFlow }) => Promise<boolean>;
	/** A folder that can no longer be watched or read: called once, after which every connection is closed. */
	onFailure: (error: MailError) => void;
	/** A safety cycle this often per folder, whatever IDLE says (a server's IDLE can go quiet). */
	fallbackPollMs: number;
	/** IDLE is ended and re-issued this often (with a NOOP in between, which also proves the link is alive). */
	idleRenewMs?: number;
	firstBackoffMs?: number;
	maxBackoffMs?: number;
	/**
	 * How long a folder may stay unreachable (no connection, or every cycle failing) before it is
	 * reported through onFailure. Default: two minutes (GIVE_UP_MS).
	 */
	giveUpMs?: number;
}

interface FolderState {
	cycling: boolean;
	/** Settles when the cycle under way ends: the watching connection's IDLE waits for it. */
	cycleEnded?: Promise<void>;
	again: boolean;
	cycleBackoffMs: number;
	cycleFailingSince?: number;
	retry?: NodeJS.Timeout;
	client?: ImapFlow;
}

/**
 * The instant trigger's long-lived connections: one IMAP connection per folder, each IDLE on its
 * folder, woken by new mail. A cycle runs after every wake, after every (re)connect (catch-up from
 * the cursor) and every `fallbackPollMs`, on that same connection: no login per cycle. Cycles of
 * one folder are serialised so that the cursor is read and written by one cycle at a time. Lost
 * connections are reopened with exponential backoff; a folder that stays unreachable is reported,
 * never dropped silently. `close()` lets a running cycle finish, then ends everything.
 */
export class MailboxWatcher {
	/** IDLE renewals done so far (all folders), for tests and logs. */
	renewals = 0;

	/** Connections opened so far (all folders), to tell that the watcher reconnected. */
	connects = 0;

	private closed = false;

	private failed = false;

	private readonly states = new Map<string, FolderState>();

	private readonly timers = new Set<NodeJS.Timeout>();

	private readonly wake = new AbortController();

	private loops: Array<Promise<void>> = [];

	private readonly options: Required<WatchOptions>;

	constructor(
		private readonly account: MailAccount,
		options: WatchOptions,
	) {
		this.options = {
			idleRenewMs: DEFAULT_IDLE_RENEW_MS,
			firstBackoffMs: DEFAULT_FIRST_BACKOFF_MS,
			maxBackoffMs: DEFAULT_MAX_BACKOFF_MS,
			giveUpMs: GIVE_UP_MS,
			...options,
		};
		for (const folder of options.folders)
			this.states.set(folder, { cycling: false, again: false, cycleBackoffMs: this.options.firstBackoffMs });
	}

	/**
	 * Opens every folder's connection. Resolves once each folder is open and IDLE; rejects (with
	 * everything closed) when one cannot be opened at all, so that activation fails visibly.
	 */
	async start(): Promise<void> {
		const opened = this.options.folders.map((folder) => {
			let resolve!: () => void;
			let reject!: (error: unknown) => void;
			const first = new Promise<void>((ok, fail) => {
				resolve = ok;
				reject = fail;
			});
			this.loops.push(this.watchFolder(folder, resolve, reject));
			return first;
		});
		try {
			await Promise.all(opened);
		} catch (error) {
			await this.close();
			throw error;
		}
		for (const folder of this.options.folders) {
			const timer = setInterval(() => this.requestCycle(folder), this.options.fallbackPollMs);
			this.timers.add(timer);
		}
	}

	/** Runs a cycle of the folder now, or right after the one under way. */
	requestCycle(folder: string): void {
		const state = this.states.get(folder);
		if (!state || this.closed) return;
		if (state.cycling) {
			state.again = true;
			return;
		}
		state.cycling = true;
		void this.runCycles(folder, state);
	}

	/** The connections open right now (IDLE ones; cycles open and close their own). */
	get openConnections(): number {
		return [...this.states.values()].filter((state) => state.client?.usable).length;
	}

	/** Lets a cycle under way finish (on its connection), then ends every IDLE and logs every connection out. */
	async close(): Promise<void> {
		this.closed = true;
		this.wake.abort();
		for (const timer of this.timers) clearInterval(timer);
		this.timers.clear();
		for (const state of this.states.values()) clearTimeout(state.retry);
		await Promise.all([...this.states.values()].map((state) => state.cycleEnded));
		for (const state of this.states.values()) if (state.client) void closeImap(state.client);
		await Promise.all(this.loops);
	}

	private async runCycles(folder: string, state: FolderState): Promise<void> {
		let ended!: () => void;
		state.cycleEnded = new Promise((resolve) => (ended = resolve));
		try {
			do {
				state.again = false;
				try {
					if (await this.options.cycle(folder, { client: state.client?.usable ? state.client : undefined }))
						state.again = true;
					state.cycleFailingSince = undefined;
					state.cycleBackoffMs = this.options.firstBackoffMs;
				} catch (error) {
					this.cycleFailed(folder, state, error);
					return;
				}
			} while (state.again && !this.closed);
		} finally {
			state.cycling = false;
			ended();
		}
	}

	/** A failed cycle is run again after a backoff; one that keeps failing past giveUpMs is reported. */
	private cycleFailed(folder: string, state: FolderState, error: unknown): void {
		if (this.closed) return;
		const failure = asMailError(error, this.account);
		state.cycleFailingSince ??= Date.now();
		if (FATAL_CODES.has(failure.code) || Date.now() - state.cycleFailingSince >= this.options.giveUpMs) {
			this.fail(folder, failure, state.cycleFailingSince);
			return;
		}
		clearTimeout(state.retry);
		state.retry = setTimeout(() => this.requestCycle(folder), state.cycleBackoffMs);
		state.cycleBackoffMs = Math.min(state.cycleBackoffMs * 2, this.options.maxBackoffMs);
	}

	private fail(folder: string, failure: MailError, failingSince: number): void {
		if (this.failed || this.closed) return;
		this.failed = true;
		void this.close();
		const seconds = Math.round((Date.now() - failingSince) / 1000);
		const retried = FATAL_CODES.has(failure.code) ? '' : `, still after ${seconds} s of retrying`;
		this.options.onFailure(
			new MailError(failure.code, `Folder "${folder}"${retried}: ${failure.message}`, {
				service: 'IMAP',
				cause: failure,
			}),
		);
	}

	/** One folder's connection, reopened after every drop until the watcher closes. */
	private async watchFolder(folder: string, opened: () => void, openFailed: (error: unknown) => void): Promise<void> {
		const state = this.states.get(folder) as FolderState;
		let backoff = this.options.firstBackoffMs;
		let failingSince: number | undefined;
		let everOpened = false;
		while (!this.closed) {
			let client: ImapFlow | undefined;
			try {
				client = await connectImap(this.account);
				this.connects++;
				if (this.closed) break;
				// EXISTS arrives during IDLE, and with the answers to other commands (the renewal NOOP).
				client.on('exists', () => this.requestCycle(folder));
				await openWatched(client, folder);
				// Only now may cycles run on it: none must select a folder under the one being opened.
				state.client = client;
				everOpened = true;
				opened();
				backoff = this.options.firstBackoffMs;
				failingSince = undefined;
				// Mail that arrived while the connection was down: catch up from the cursor.
				this.requestCycle(folder);
				await this.idle(client, folder, state);
				if (!this.closed)
					throw new MailError('CONNECTION_FAILED', 'The connection was closed by the server or the network.', {
						service: 'IMAP',
					});
			} catch (error) {
				if (this.closed) break;
				const failure = asMailError(error, this.account);
				if (!everOpened) {
					openFailed(
						new MailError(failure.code, `Folder "${folder}": ${failure.message}`, { service: 'IMAP', cause: failure }),
					);
					return;
				}
				failingSince ??= Date.now();
				if (FATAL_CODES.has(failure.code) || Date.now() - failingSince >= this.options.giveUpMs) {
					this.fail(folder, failure, failingSince);
					return;
				}
				await this.sleep(backoff);
				backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
			} finally {
				if (state.client === client) state.client = undefined;
				if (client) await closeImap(client);
			}
		}
	}

	/**
	 * IDLE until the connection ends or the watcher closes, renewed every idleRenewMs. A cycle's
	 * first command ends the IDLE (imapflow sends DONE); it is issued again once the cycle is over,
	 * on the watched folder again if the cycle left another one selected.
	 */
	private async idle(client: ImapFlow, folder: string, state: FolderState): Promise<void> {
		while (!this.closed && client.usable) {
			if (state.cycling) {
				await state.cycleEnded;
				if (client.usable && !this.closed && (!client.mailbox || client.mailbox.path !== folder))
					await openWatched(client, folder);
				continue;
			}
			// The NOOP breaks the IDLE (imapflow sends DONE first), after which it is issued again.
			let renewed = false;
			const renew = setTimeout(() => {
				renewed = true;
				this.renewals++;
				void client.noop().catch(() => undefined);
			}, this.options.idleRenewMs);
			const started = Date.now();
			try {
				await client.idle();
			} catch {
				// The loop condition tells a lost connection from an IDLE ended for a command.
			} finally {
				clearTimeout(renew);
			}
			if (!renewed && !state.cycling && Date.now() - started < MIN_IDLE_MS) await this.sleep(1000);
		}
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			if (this.wake.signal.aborted) return resolve();
			const done = () => {
				clearTimeout(timer);
				this.wake.signal.removeEventListener('abort', done);
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.wake.signal.addEventListener('abort', done, { once: true });
		});
	}
}

async function openWatched(client: ImapFlow, folder: string): Promise<void> {
	try {
		// Read-only: watching must not change \Recent or anything else on the server.
		await client.mailboxOpen(folder, { readOnly: true });
	} catch (error) {
		if (!client.usable) throw error;
		const text = `${(error as { responseText?: string }).responseText ?? ''} ${(error as Error).message}`;
		throw new MailError(
			'NOT_FOUND',
			`the folder cannot be opened (${text.trim()}): check the Folders parameter (names ` +
				`are case-sensitive, e.g. INBOX, Archive/2024).`,
			{ service: 'IMAP', cause: error },
		);
	}
}

function asMailError(error: unknown, account: MailAccount): MailError {
	return error instanceof MailError ? error : connectionLost(error, account);
}
