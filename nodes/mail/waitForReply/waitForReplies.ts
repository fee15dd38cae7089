import type { ImapFlow, SearchObject } from 'imapflow';

import type { MailAccount } from '../account';
import { boundedAccount, closeImap, closeOnExpiry, connectImap, withinBudget, type TimeBudget } from '../connection';
import { MailError } from '../errors';
import { parseReply, ReplyMatcher, type ReplyCriteria, type ReplyFields } from './replyFields';

export interface WaitOptions extends ReplyCriteria {
	/** Folders to watch; each gets its own connection so IDLE can watch every one of them. */
	folders?: string[];
	/** Wait for one reply from every recipient instead of the first reply. */
	waitForAllRecipients?: boolean;
	timeoutMs: number;
	/** Fallback polling interval; with IDLE it is only a safety re-search. */
	pollMs?: number;
	/** Stops the wait (n8n's execution cancel signal): ends as a timeout, connections closed. */
	signal?: AbortSignal;
	/**
	 * The most one step may take: connecting, logging in and opening the folder, or one search. A
	 * server that stops answering then has its connection closed and opened again (the first
	 * connection fails the wait with TIMEOUT). Without it only the socket timeout applies.
	 */
	budget?: TimeBudget;
}

export interface WaitResult {
	timed_out: boolean;
	/** First reply per sender, in the order they were found. */
	replies: ReplyFields[];
}

// Once a folder has been watched, network and TLS failures are outages (a reset mid-handshake looks
// like a TLS failure): they are retried until the timeout. These no reconnect can fix.
const FATAL_CODES = new Set(['AUTH_FAILED', 'INVALID_INPUT', 'NOT_FOUND']);
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 30_000;

function delay(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		timer.unref();
		signal.addEventListener('abort', done, { once: true });
		function done() {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		}
	});
}

/** Messages threaded under the question, narrowed to the recipients' addresses when known. */
function replySearch(messageId: string, recipients: string[]): SearchObject {
	const threaded: SearchObject[] = [{ header: { 'in-reply-to': messageId } }, { header: { references: messageId } }];
	if (recipients.length === 0) return { or: threaded };
	const from = recipients.map((address) => ({ from: address }));
	return { or: threaded.map((thread) => (from.length === 1 ? { ...thread, ...from[0] } : { ...thread, or: from })) };
}

/** Collects replies from every watched folder and knows when the wait is over. */
class ReplyCollector {
	readonly replies = new Map<string, ReplyFields>();

	readonly finished = new AbortController();

	constructor(
		readonly matcher: ReplyMatcher,
		private readonly expected: string[],
		private readonly waitForAll: boolean,
	) {}

	add(sender: string, fields: ReplyFields) {
		if (!this.replies.has(sender)) this.replies.set(sender, fields);
		const complete = this.waitForAll
			? this.expected.every((address) => this.replies.has(address))
			: this.replies.size > 0;
		if (complete) this.finished.abort();
	}
}

/**
 * Watches one folder until the collector is finished: a fresh SEARCH after every (re)connect, then
 * IDLE (woken by new mail, re-searched every pollMs as a safety net) or plain polling.
 */
async function watchFolder(
	account: MailAccount,
	folder: string,
	collector: ReplyCollector,
	pollMs: number,
	budget: TimeBudget | undefined,
): Promise<void> {
	const stop = collector.finished.signal;
	const session = budget ? boundedAccount(account, budget.timeoutMs) : account;
	// One step on the server, ended by the budget when there is one (the step closes its session then).
	const step = <T>(work: (expired?: AbortSignal) => Promise<T>): Promise<T> =>
		budget ? withinBudget(account, budget, work) : work();
	const checked = new Set<number>();
	let checkedValidity: string | undefined;
	let backoff = FIRST_BACKOFF_MS;
	let connectedOnce = false;

	while (!stop.aborted) {
		let client: ImapFlow | undefined;
		const news = new NewsSignal(stop);
		try {
			const { watching, mailbox } = await step(async (expired) => {
				const opened = await connectImap(session);
				client = opened;
				if (expired) closeOnExpiry(opened, expired);
				// EXISTS can come with any response (SEARCH, FETCH), not only during IDLE: listen all along.
				opened.on('exists', news.raise);
				opened.on('close', news.raise);
				const selected = await opened.mailboxOpen(folder).catch((error) => {
					throw new MailError(
						'NOT_FOUND',
						`Folder "${folder}" could not be opened (${(error as Error).message}): check the ` +
							`Folders option (comma-separated, case-sensitive names).`,
						{ service: 'IMAP', cause: error },
					);
				});
				return { watching: opened, mailbox: selected };
			});
			connectedOnce = true;
			backoff = FIRST_BACKOFF_MS;
			const validity = String(mailbox.uidValidity);
			if (validity !== checkedValidity) {
				checked.clear();
				checkedValidity = validity;
			}
			const hasIdle = watching.capabilities.has('IDLE');
			while (!stop.aborted) {
				news.reset();
				await step((expired) => {
					if (expired) closeOnExpiry(watching, expired);
					return searchFolder(watching, folder, collector, checked);
				});
				if (stop.aborted) break;
				// idle() resolves only once the next command (the re-search) or a close breaks it.
				if (hasIdle && !news.pending) void watching.idle().catch(() => undefined);
				await news.wait(pollMs);
				if (!watching.usable)
					throw new MailError('CONNECTION_FAILED', `The IMAP connection watching "${folder}" was closed.`, {
						service: 'IMAP',
					});
			}
		} catch (error) {
			if (stop.aborted) return;
			const code = (error as MailError).code;
			if (!connectedOnce || FATAL_CODES.has(code)) throw error;
			await delay(backoff, stop);
			backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
		} finally {
			news.dispose();
			if (client) await closeImap(client);
		}
	}
}

/** "Something changed, search again": raised by new mail, a closed link or the end of the wait. */
class NewsSignal {
	pending = false;

	private wake = new AbortController();

	constructor(private readonly stop: AbortSignal) {
		stop.addEventListener('abort', this.raise, { once: true });
	}

	readonly raise = () => {
		this.pending = true;
		this.wake.abort();
	};

	reset() {
		this.pending = false;
		if (this.wake.signal.aborted) this.wake = new AbortController();
	}

	/** Resolves on news or after `ms`, whichever comes first. */
	async wait(ms: number) {
		if (!this.pending) await delay(ms, this.wake.signal);
	}

	dispose() {
		this.stop.removeEventListener('abort', this.raise);
	}
}

async function searchFolder(client: ImapFlow, folder: string, collector: ReplyCollector, checked: Set<number>) {
	const { matcher } = collector;
	const found = await client.search(replySearch(matcher.messageId, matcher.recipients), { uid: true });
	const fresh = (found || []).filter((uid) => !checked.has(uid)).sort((a, b) => a - b);
	if (fresh.length === 0) return;
	for await (const message of client.fetch(
		fresh.join(','),
		{ uid: true, source: true, internalDate: true },
		{ uid: true },
	)) {
		checked.add(message.uid);
		if (!message.source) continue;
		const internalDate = message.internalDate ? new Date(message.internalDate) : undefined;
		const { fields } = await parseReply({ source: message.source, uid: message.uid, folder, internalDate });
		const sender = matcher.accept(fields);
		if (sender) collector.add(sender, fields);
	}
}

/**
 * Waits for replies to `messageId` in the watched folders. A timeout (or cancel) is an answer with
 * `timed_out: true`; only errors no reconnect can fix (login, TLS, missing folder) are thrown.
 */
export async function waitForReplies(account: MailAccount, options: WaitOptions): Promise<WaitResult> {
	const matcher = new ReplyMatcher(options);
	if (options.waitForAllRecipients && matcher.recipients.length === 0) {
		throw new MailError('INVALID_INPUT', 'Wait for All Recipients needs the Recipients whose replies to wait for.');
	}
	const folders = [...new Set((options.folders ?? []).map((folder) => folder.trim()).filter(Boolean))];
	const collector = new ReplyCollector(matcher, matcher.recipients, options.waitForAllRecipients ?? false);
	const done = collector.finished;

	const timer = setTimeout(() => done.abort(), Math.max(0, options.timeoutMs));
	timer.unref();
	const onCancel = () => done.abort();
	options.signal?.addEventListener('abort', onCancel, { once: true });
	try {
		// One failing folder ends the wait for all; every watcher has closed its connection before
		// the error is raised.
		const outcomes = await Promise.allSettled(
			(folders.length ? folders : ['INBOX']).map((folder) =>
				watchFolder(account, folder, collector, options.pollMs ?? 30_000, options.budget).catch((error) => {
					done.abort();
					throw error;
				}),
			),
		);
		const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
		if (failure) throw failure.reason;
	} finally {
		clearTimeout(timer);
		options.signal?.removeEventListener('abort', onCancel);
		done.abort();
	}
	const replies = [...collector.replies.values()];
	const complete = options.waitForAllRecipients
		? matcher.recipients.every((address) => collector.replies.has(address))
		: replies.length > 0;
	return { timed_out: !complete, replies };
}
