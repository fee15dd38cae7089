import type { ImapFlow, MailboxObject } from 'imapflow';

import type { MailAccount } from './account';
import { moveAfterCycle, type MovedTo, type PendingMoves } from './changeMail';
import { connectionLost, imapEndpoint, withImap } from './connection';
import {
	advanceCursor,
	firstPendingUid,
	pendingUids,
	withPendingMoves,
	withUnflagged,
	type FolderCursor,
	type FolderCursors,
	type UidOutcome,
} from './cursor';
import { describeConnectionError, MailError } from './errors';
import { buildPolledMail, locateMoved, type PolledMail } from './polledMail';
import { keptSessions } from './sessions';
import { sinceDate, type PreparedTrigger } from './triggerSettings';

/** A manual run reads this many of the newest mails per folder and shows the newest it admits. */
const MANUAL_CANDIDATES = 10;
/** After the cycle's budget, this long (at most) for an answer already under way, then the connection is closed. */
const HARD_STOP_GRACE_MS = 10_000;

export interface PollResult {
	mails: PolledMail[];
	/** The cursors to store: unchanged for folders that failed or in manual runs. */
	cursors: FolderCursors;
	/** Folders that could not be read this cycle (their mail waits for the next one). */
	failures: MailError[];
}

export interface PollOptions {
	/** A manual "test step": the newest matching message, no flags set, no cursor moved. */
	manual?: boolean;
	now?: Date;
	/**
	 * Takes each mail's attachment bytes (and source) as soon as the mail is built, in the middle of
	 * the FETCH, and returns what its item keeps instead (n8n's binary data). A cycle of large mail
	 * then holds one mail's bytes at a time rather than every mail's until the cycle ends.
	 */
	storeBinaries?: (mail: PolledMail) => Promise<Record<string, unknown>>;
	/** The owner (a trigger of one workflow) whose IMAP session is kept open for its next cycle. */
	keepSessionFor?: string;
	/** A logged-in connection to run on, left open afterwards (the Instant trigger's watching one). */
	client?: ImapFlow;
}

interface FolderResult {
	mails: PolledMail[];
	cursor?: FolderCursor;
	/** Why the FETCH stopped early, when it did after some mails were built. */
	failure?: unknown;
}

type FolderOptions = Pick<PollOptions, 'storeBinaries'> & { manual: boolean; since: Date; deadline: number };

async function openFolder(client: ImapFlow, folder: string, readOnly: boolean) {
	try {
		// A session kept from the last cycle may still have the folder selected, as it was then (a
		// folder since recreated keeps its old UIDVALIDITY there): it is selected afresh.
		if (client.mailbox && client.mailbox.path === folder) await client.mailboxOpen(folder, { readOnly });
		return await client.getMailboxLock(folder, { readOnly });
	} catch (error) {
		if (!client.usable) throw error;
		const text = `${(error as { responseText?: string }).responseText ?? ''} ${(error as Error).message}`;
		throw new MailError(
			'NOT_FOUND',
			`Folder "${folder}" cannot be opened (${text.trim()}): check the Folders parameter ` +
				`(names are case-sensitive, e.g. INBOX, Archive/2024).`,
			{ service: 'IMAP', cause: error },
		);
	}
}

/** Sets \Seen on emitted mail; returns the UIDs it could not be set on (the connection failed). */
async function markSeen(client: ImapFlow, uids: number[]): Promise<number[]> {
	if (uids.length === 0) return [];
	// imapflow answers a failed STORE with false rather than an exception.
	const stored = await client.messageFlagsAdd(uids.join(','), ['\\Seen'], { uid: true }).catch(() => false);
	return stored ? [] : uids;
}

/**
 * One folder's share of a cycle: one SEARCH, one FETCH of the oldest pending messages (parsed as
 * they stream in), \Seen on what was built, and the cursor moved past exactly that.
 */
async function pollFolder(
	client: ImapFlow,
	folder: string,
	cursor: FolderCursor | undefined,
	trigger: PreparedTrigger,
	account: MailAccount,
	options: FolderOptions,
): Promise<FolderResult> {
	const moving = Boolean(trigger.moveToFolder) && !options.manual;
	const lock = await openFolder(client, folder, options.manual || (!trigger.markAsRead && !moving));
	try {
		const mailbox = client.mailbox as MailboxObject;
		const uidValidity = String(mailbox.uidValidity);
		// A manual run shows the newest match whatever the cursor says: it is a preview.
		const fromUid = options.manual ? 1 : firstPendingUid(cursor, uidValidity);
		const flagging = trigger.markAsRead && !options.manual;
		// \Seen that a lost connection kept from the server last cycle (UIDs are void under a new UIDVALIDITY).
		const unflagged =
			flagging && cursor?.uidValidity === uidValidity ? await markSeen(client, cursor.unflagged ?? []) : [];
		// Then what a failed move left last cycle (after \Seen, which travels with the mail).
		const none: PendingMoves & { moved?: MovedTo; error?: unknown } = { unmoved: [], unexpunged: [] };
		const carried =
			moving && cursor?.uidValidity === uidValidity
				? await moveAfterCycle(
						client,
						{ unmoved: cursor.unmoved ?? [], unexpunged: cursor.unexpunged ?? [] },
						trigger.moveToFolder,
						{ retry: true },
					)
				: none;
		const pendingMoves: PendingMoves = { unmoved: [...carried.unmoved], unexpunged: [...carried.unexpunged] };
		const keep = (next: FolderCursor) => withPendingMoves(withUnflagged(next, unflagged), pendingMoves);
		if (mailbox.exists === 0)
			return { mails: [], cursor: keep(advanceCursor(cursor, uidValidity, [], () => 'gone')), failure: carried.error };

		const found = await client.search(
			{ uid: `${fromUid}:*`, since: options.since, ...(trigger.unreadOnly ? { seen: false } : {}) },
			{ uid: true },
		);
		const matching = pendingUids(found || [], fromUid, Number.MAX_SAFE_INTEGER);
		if (matching.length === 0)
			return { mails: [], cursor: keep(advanceCursor(cursor, uidValidity, [], () => 'gone')), failure: carried.error };

		// The UIDs fetched, oldest first. Mail the filters leave out does not count against Max Emails
		// Per Cycle: the next oldest are fetched in its place while the budget lasts.
		const pending: number[] = [];
		const built = new Map<number, PolledMail>();
		const excluded = new Set<number>();
		const returned = new Set<number>();
		let fetchError: unknown;
		// A preview reads the newest few once, so that the newest one the filters admit is found.
		const nextBatch = () =>
			options.manual
				? pending.length
					? []
					: matching.slice(-MANUAL_CANDIDATES)
				: matching.slice(pending.length, pending.length + trigger.maxEmailsPerCycle - built.size);
		for (let batch = nextBatch(); batch.length > 0 && Date.now() < options.deadline; batch = nextBatch()) {
			pending.push(...batch);
			try {
				for await (const message of client.fetch(
					batch.join(','),
					{ uid: true, flags: true, internalDate: true, size: true, source: { maxLength: trigger.maxMessageBytes } },
					{ uid: true },
				)) {
					returned.add(message.uid);
					// Past the budget the rest of the answer is only drained; those messages come next cycle.
					if (Date.now() >= options.deadline || !message.source) continue;
					const internalDate = message.internalDate ? new Date(message.internalDate) : undefined;
					const alert = await buildPolledMail(
						message.source,
						message.size ?? message.source.length,
						{ uid: message.uid, uidValidity, folder, flags: [...(message.flags ?? [])], internalDate },
						trigger,
						account,
					);
					if (!alert) excluded.add(message.uid);
					else
						built.set(
							message.uid,
							options.storeBinaries
								? { json: alert.json, attachments: [], binaries: await options.storeBinaries(alert) }
								: alert,
						);
				}
			} catch (error) {
				// Cut off in the middle (a dropped or hung connection): the mails built so far are emitted,
				// so that a server which fails every time still lets the folder move forward.
				if (built.size === 0 && excluded.size === 0) throw error;
				fetchError = error;
				break;
			}
		}

		// Not returned by a completed FETCH: expunged since the SEARCH; UIDs are never reused.
		// After an incomplete FETCH, a mail not returned may simply not have come yet.
		const outcome = (uid: number): UidOutcome =>
			built.has(uid)
				? 'emitted'
				: excluded.has(uid)
					? 'excluded'
					: returned.has(uid) || fetchError
						? 'not-reached'
						: 'gone';
		const emitted: number[] = [];
		for (const uid of pending) {
			if (outcome(uid) === 'not-reached') break;
			if (built.has(uid)) emitted.push(uid);
		}

		// The items are built: a failed flag must not drop them; it is set again next cycle.
		if (flagging) unflagged.push(...(await markSeen(client, emitted)));
		// Likewise a failed move: the cursor has passed the mail, so it is moved next cycle, never emitted again.
		const moved = moving
			? await moveAfterCycle(client, { unmoved: emitted, unexpunged: [] }, trigger.moveToFolder)
			: none;
		pendingMoves.unmoved.push(...moved.unmoved);
		pendingMoves.unexpunged.push(...moved.unexpunged);
		// The items say where the mail is now, so that the workflow's next nodes find it there.
		if (moved.moved)
			for (const uid of emitted) locateMoved(built.get(uid) as PolledMail, trigger.moveToFolder, uid, moved.moved);
		return {
			mails: emitted.map((uid) => built.get(uid) as PolledMail),
			cursor: options.manual ? cursor : keep(advanceCursor(cursor, uidValidity, pending, outcome)),
			failure: fetchError ?? moved.error ?? carried.error,
		};
	} finally {
		lock.release();
	}
}

/**
 * One cycle of the trigger over every folder. Login failures throw; a folder that fails is
 * reported in `failures` with its cursor unchanged, while the other folders' mail is still returned.
 */
export async function pollMailbox(
	account: MailAccount,
	cursors: FolderCursors,
	trigger: PreparedTrigger,
	options: PollOptions = {},
): Promise<PollResult> {
	const manual = options.manual ?? false;
	const deadline = Date.now() + trigger.timeoutMs;
	const since = sinceDate(options.now ?? new Date(), trigger.offsetDays, trigger.timeZone);
	const result: PollResult = { mails: [], cursors: { ...cursors }, failures: [] };
	// A silent or stalled server must not hold the poll past its budget: no wait on the network is
	// longer than the budget, and the connection is closed once the budget and a grace are spent.
	const bounded: MailAccount = {
		...account,
		connectTimeoutMs: Math.min(account.connectTimeoutMs ?? trigger.timeoutMs, trigger.timeoutMs),
		socketTimeoutMs: Math.min(account.socketTimeoutMs ?? trigger.timeoutMs, trigger.timeoutMs),
	};
	const work = async (client: ImapFlow) => {
		const hardStop = setTimeout(
			() => client.close(),
			trigger.timeoutMs + Math.min(trigger.timeoutMs, HARD_STOP_GRACE_MS),
		);
		hardStop.unref();
		try {
			await pollFolders(
				client,
				cursors,
				trigger,
				bounded,
				{ manual, since, deadline, storeBinaries: options.storeBinaries },
				result,
			);
		} finally {
			clearTimeout(hardStop);
		}
	};
	// A manual run is a preview: it never takes the active trigger's session.
	if (options.client && !manual) await work(options.client);
	else if (options.keepSessionFor && !manual) await keptSessions.use(options.keepSessionFor, bounded, work);
	else await withImap(bounded, work);
	// Newest by arrival; in the same second, the higher UID arrived later.
	const arrival = (mail: PolledMail) => Date.parse(String(mail.json.received_date)) || 0;
	const newestFirst = (a: PolledMail, b: PolledMail) =>
		arrival(b) - arrival(a) || Number(b.json.email_uid) - Number(a.json.email_uid);
	if (manual) result.mails = result.mails.sort(newestFirst).slice(0, 1);
	return result;
}

/** Every folder in turn; a folder that fails is reported and, while the connection lives, the next one is read. */
async function pollFolders(
	client: ImapFlow,
	cursors: FolderCursors,
	trigger: PreparedTrigger,
	account: MailAccount,
	options: FolderOptions,
	result: PollResult,
): Promise<void> {
	for (const folder of trigger.folders) {
		if (Date.now() >= options.deadline) break;
		const fail = (error: unknown) => {
			const failure =
				error instanceof MailError
					? error
					: client.usable
						? describeConnectionError(error, imapEndpoint(account))
						: connectionLost(error, account);
			result.failures.push(
				new MailError(failure.code, `Folder "${folder}": ${failure.message}`, { service: 'IMAP', cause: error }),
			);
		};
		try {
			const { mails, cursor, failure } = await pollFolder(client, folder, cursors[folder], trigger, account, options);
			result.mails.push(...mails);
			if (cursor && !options.manual) result.cursors[folder] = cursor;
			if (failure) fail(failure);
		} catch (error) {
			fail(error);
		}
		if (result.failures.length > 0 && !client.usable) break;
	}
}
