import type { ImapFlow, MailboxObject } from 'imapflow';

import type { MailAccount } from './account';
import { findCopies } from './copies';
import { onPicked, requestedId, type MessagePick, type Picked } from './pickMail';
import { MailError } from './errors';

/*
 * Changing mail on the server: move, delete, flags. Every change names exactly the UIDs picked:
 * UID MOVE where the server has MOVE (RFC 6851), else UID COPY, \Deleted and UID EXPUNGE of those
 * UIDs (UIDPLUS, RFC 4315). A plain EXPUNGE would also remove every other mail someone flagged
 * \Deleted in the folder, so without UIDPLUS nothing is expunged: the operation refuses instead.
 */

/** imapflow answers a failed command with false; a connection lost meanwhile is said as such by withImap. */
export function refused(client: ImapFlow, message: string): never {
	if (!client.usable) throw new Error('the connection closed');
	throw new MailError('CONNECTION_FAILED', message, { service: 'IMAP' });
}

function uidSet(uids: number[]): string {
	return [...new Set(uids)].sort((a, b) => a - b).join(',');
}

function requireUidPlus(client: ImapFlow, what: string, instead: string): void {
	if (!client.capabilities.has('UIDPLUS')) {
		throw new MailError(
			'NOT_SUPPORTED',
			`The IMAP server does not support UIDPLUS, so ${what} could only end with a plain ` +
				`EXPUNGE, which would also erase every other mail flagged as deleted in the folder. ` +
				`Nothing was changed: ${instead}.`,
			{ service: 'IMAP' },
		);
	}
}

const PERMANENT_INSTEAD = 'delete to the trash folder instead (Permanent off), or use a server with UIDPLUS';

/** Sets \Deleted on exactly `uids` and expunges exactly those (UID EXPUNGE); refuses without UIDPLUS. */
export async function expungeUids(
	client: ImapFlow,
	uids: number[],
	what = 'a permanent delete',
	instead = PERMANENT_INSTEAD,
): Promise<void> {
	if (uids.length === 0) return;
	requireUidPlus(client, what, instead);
	// With UIDPLUS imapflow sends UID STORE +FLAGS (\Deleted) then UID EXPUNGE of the same set.
	if (!(await client.messageDelete(uidSet(uids), { uid: true })))
		refused(client, `The IMAP server refused to remove the mail (UID ${uidSet(uids)}).`);
}

/** Where moved mail now is: its new UIDs and the destination's UIDVALIDITY, when the server says them (COPYUID). */
export interface MovedTo {
	uidMap: Map<number, number>;
	uidValidity?: string;
}

function movedTo(response: { uidMap?: Map<number, number>; uidValidity?: bigint }): MovedTo {
	return {
		uidMap: response.uidMap ?? new Map(),
		uidValidity: response.uidValidity === undefined ? undefined : String(response.uidValidity),
	};
}

/**
 * Moves exactly `uids` of the selected (read-write) folder to `destination`. Without MOVE and
 * UIDPLUS nothing is copied or changed.
 */
export async function moveUids(
	client: ImapFlow,
	uids: number[],
	destination: string,
	progress: { copied?: boolean } = {},
	{ checkCopies = false } = {},
): Promise<MovedTo> {
	if (uids.length === 0) return { uidMap: new Map() };
	const set = uidSet(uids);
	if (client.capabilities.has('MOVE')) {
		const moved = await client.messageMove(set, destination, { uid: true });
		if (!moved) refused(client, `The IMAP server refused to move the mail (UID ${set}) to "${destination}".`);
		return movedTo(moved);
	}
	// Checked before the copy, so that a server without UIDPLUS is left exactly as it was.
	const instead = 'use a server with MOVE or UIDPLUS, or move the mail with a mail client';
	requireUidPlus(client, 'a move', instead);
	// After a cut attempt, a copy it may have made is looked for first and not made again.
	const found = checkCopies ? await findCopies(client, uids, destination) : { uidMap: new Map<number, number>() };
	const toCopy = uids.filter((uid) => !found.uidMap.has(uid));
	let moved: MovedTo = found;
	if (toCopy.length > 0) {
		const copied = await client.messageCopy(uidSet(toCopy), destination, { uid: true });
		if (!copied)
			refused(client, `The IMAP server refused to copy the mail (UID ${uidSet(toCopy)}) to "${destination}".`);
		const made = movedTo(copied);
		const uidValidity = made.uidValidity ?? found.uidValidity;
		moved = { uidMap: new Map([...found.uidMap, ...made.uidMap]), uidValidity };
	}
	progress.copied = true;
	await expungeUids(client, uids, 'a move', instead);
	return moved;
}

/** Whether a folder of that exact name exists (INBOX in any case). */
async function folderExists(client: ImapFlow, path: string): Promise<boolean> {
	const wanted = path.toUpperCase() === 'INBOX' ? 'INBOX' : path;
	return (await client.list()).some((folder) => folder.path === wanted);
}

/** Creates `path` unless it exists. */
export async function ensureFolder(client: ImapFlow, path: string): Promise<void> {
	try {
		await client.mailboxCreate(path);
	} catch (error) {
		if (!client.usable) throw error;
		const reason = (error as { responseText?: string }).responseText || (error as Error).message;
		throw new MailError('INVALID_INPUT', `Folder "${path}" could not be created (${reason}): check the name.`, {
			service: 'IMAP',
			cause: error,
		});
	}
}

/** Move Email's and Copy Email's request: the picked mail and the folder it goes to. */
export interface DestinationRequest extends MessagePick {
	destination: string;
	/** Create the destination when it does not exist (default: refuse). */
	createFolder?: boolean;
}

/**
 * Move Email's and Copy Email's frame: an empty destination refused before connecting (`goes` names what
 * is put there), the mail picked, the destination made ready (created when asked), then `work`.
 * `missing` answers when no mail matches the pick.
 */
export async function onPickedToDestination<T>(
	account: MailAccount,
	request: DestinationRequest,
	goes: 'mail' | 'copy',
	missing: (destination: string) => T,
	work: (client: ImapFlow, picked: Picked, destination: string) => Promise<T>,
): Promise<T> {
	const destination = request.destination.trim();
	if (!destination)
		throw new MailError('INVALID_INPUT', `Destination Folder is empty: pick the folder the ${goes} should go to.`);
	return onPicked(
		account,
		request,
		() => missing(destination),
		async (client, picked) => {
			await prepareDestination(client, destination, request.createFolder);
			return work(client, picked, destination);
		},
	);
}

/** Creates the destination of a move or copy when asked; else refuses one that does not exist. */
export async function prepareDestination(client: ImapFlow, destination: string, create = false): Promise<void> {
	if (create) await ensureFolder(client, destination);
	else if (!(await folderExists(client, destination))) {
		throw new MailError(
			'NOT_FOUND',
			`Destination Folder "${destination}" does not exist: pick an existing folder (names are case-sensitive) ` +
				'or switch on the Create Folder option.',
			{ service: 'IMAP' },
		);
	}
}

/** The folder flagged \Trash (RFC 6154), else `Trash`, created when missing. */
export async function findTrash(client: ImapFlow): Promise<string> {
	const folders = await client.list();
	const flagged = folders.find((folder) => folder.specialUse === '\\Trash');
	if (flagged) return flagged.path;
	if (!folders.some((folder) => folder.path === 'Trash')) await ensureFolder(client, 'Trash');
	return 'Trash';
}

/** What Move Email and Copy Email both answer. */
export interface DestinationResult {
	found: boolean;
	message_id: string;
	/** The mail's UID in the destination, when the server says it (COPYUID). */
	new_email_uid: number | null;
}

export interface MoveResult extends DestinationResult {
	moved: boolean;
	from_folder: string;
	to_folder: string;
}

export async function moveMessage(account: MailAccount, request: DestinationRequest): Promise<MoveResult> {
	const answer = (
		found: boolean,
		messageId: string,
		destination: string,
		newUid: number | null = null,
	): MoveResult => ({
		found,
		// A mail found is moved, or the move throws.
		moved: found,
		message_id: messageId,
		from_folder: request.folder,
		to_folder: destination,
		new_email_uid: newUid,
	});
	return onPickedToDestination(
		account,
		request,
		'mail',
		(destination) => answer(false, requestedId(request), destination),
		async (client, picked, destination) => {
			// A run again after a cut move may find its copy there already: the folder is the only memory.
			const { uidMap } = await moveUids(client, [picked.uid], destination, {}, { checkCopies: true });
			return answer(true, picked.messageId, destination, uidMap.get(picked.uid) ?? null);
		},
	);
}

export interface DeleteRequest extends MessagePick {
	/** Expunge for good instead of moving to the trash folder. */
	permanent?: boolean;
}

export interface DeleteResult {
	found: boolean;
	deleted: boolean;
	message_id: string;
	/** Where the mail went; null when it was deleted for good. */
	to_folder: string | null;
}

export async function deleteMessage(account: MailAccount, request: DeleteRequest): Promise<DeleteResult> {
	const permanent = request.permanent ?? false;
	return onPicked<DeleteResult>(
		account,
		request,
		() => ({ found: false, deleted: false, message_id: requestedId(request), to_folder: null }),
		async (client, picked) => {
			if (permanent) {
				await expungeUids(client, [picked.uid]);
				return { found: true, deleted: true, message_id: picked.messageId, to_folder: null };
			}
			const trash = await findTrash(client);
			if (trash === (client.mailbox as MailboxObject).path) {
				throw new MailError(
					'INVALID_INPUT',
					`The mail is already in the trash folder "${trash}": switch on the Permanent option ` +
						`to delete it for good.`,
				);
			}
			await moveUids(client, [picked.uid], trash, {}, { checkCopies: true });
			return { found: true, deleted: true, message_id: picked.messageId, to_folder: trash };
		},
	);
}

export type MarkAs = 'read' | 'unread' | 'flagged' | 'unflagged';

export interface FlagsRequest extends MessagePick {
	markAs: MarkAs;
	/** Comma list of IMAP keywords to add, e.g. `$Phishing, Triaged`. */
	addKeywords?: string;
	removeKeywords?: string;
}

export interface FlagsResult {
	found: boolean;
	message_id: string;
	/** The mail's flags after the change, as the server reports them. */
	flags: string[];
}

const MARKS: Record<MarkAs, { flag: string; add: boolean }> = {
	read: { flag: '\\Seen', add: true },
	unread: { flag: '\\Seen', add: false },
	flagged: { flag: '\\Flagged', add: true },
	unflagged: { flag: '\\Flagged', add: false },
};

// An IMAP atom (RFC 3501 flag-keyword): no space, no specials; system flags (\...) are set through Mark As.
const KEYWORD = /^[^\s(){%*"\\\]\x00-\x1f\x7f]+$/;

export function keywordList(value: string | undefined, field: string): string[] {
	const keywords = (value ?? '')
		.split(',')
		.map((keyword) => keyword.trim())
		.filter(Boolean);
	for (const keyword of keywords) {
		if (!KEYWORD.test(keyword)) {
			throw new MailError(
				'INVALID_INPUT',
				`${field}: "${keyword}" is not a valid IMAP keyword. Use letters, digits, $ and ` +
					`dashes without spaces or ( ) { } % * " \\ ] (e.g. $Phishing); read and flagged are ` +
					`set through Mark As.`,
			);
		}
	}
	return keywords;
}

export async function setMessageFlags(account: MailAccount, request: FlagsRequest): Promise<FlagsResult> {
	const mark = MARKS[request.markAs];
	if (!mark)
		throw new MailError(
			'INVALID_INPUT',
			`Mark As "${request.markAs}" is not known: use read, unread, flagged or unflagged.`,
		);
	const add = keywordList(request.addKeywords, 'Add Keywords');
	const remove = keywordList(request.removeKeywords, 'Remove Keywords');
	return onPicked<FlagsResult>(
		account,
		request,
		() => ({ found: false, message_id: requestedId(request), flags: [] }),
		async (client, picked) => {
			const mailbox = client.mailbox as MailboxObject;
			// A folder whose PERMANENTFLAGS lacks \* keeps no keywords: the server would drop them silently.
			if (
				add.length &&
				mailbox.permanentFlags &&
				!mailbox.permanentFlags.has('\\*') &&
				add.some((keyword) => !mailbox.permanentFlags?.has(keyword))
			) {
				throw new MailError(
					'NOT_SUPPORTED',
					`Folder "${request.folder}" does not keep new keywords on this server: leave Add ` +
						`Keywords empty or use flags the folder allows (${[...mailbox.permanentFlags].join(' ')}).`,
					{ service: 'IMAP' },
				);
			}
			const uid = String(picked.uid);
			const store = async (flags: string[], adding: boolean) => {
				if (flags.length === 0) return;
				const ok = adding
					? await client.messageFlagsAdd(uid, flags, { uid: true })
					: await client.messageFlagsRemove(uid, flags, { uid: true });
				if (!ok) refused(client, `The IMAP server refused to change the flags of the mail (UID ${uid}).`);
			};
			await store([...(mark.add ? [mark.flag] : []), ...add], true);
			await store([...(mark.add ? [] : [mark.flag]), ...remove], false);
			const after = await client.fetchOne(uid, { flags: true }, { uid: true });
			return { found: true, message_id: picked.messageId, flags: after ? [...(after.flags ?? [])] : [] };
		},
	);
}

/** UIDs whose move after a cycle is still to do: the whole move, or (copied already, no MOVE) only the removal. */
export interface PendingMoves {
	unmoved: number[];
	unexpunged: number[];
}

const hopeless = (error: unknown) => error instanceof MailError && error.code === 'NOT_SUPPORTED';

/**
 * The trigger's Move to Folder after a cycle: finishes the removals a cut left, moves `unmoved`
 * (creating the folder when missing), and returns what is still to do next cycle. A failure never
 * drops the cycle's items: the cursor has passed them, so moving later cannot emit them twice. A
 * copy already made is never made again, only its removal redone; on a `retry` (UIDs a failed move
 * left) the destination is first searched for copies a cut COPY may have made. A server that cannot
 * move safely at all (no MOVE, no UIDPLUS) gets nothing carried over, only the error each cycle.
 */
export async function moveAfterCycle(
	client: ImapFlow,
	pending: PendingMoves,
	destination: string,
	{ retry = false } = {},
): Promise<PendingMoves & { moved?: MovedTo; error?: unknown }> {
	try {
		await expungeUids(client, pending.unexpunged, 'a move', 'use a server with MOVE or UIDPLUS');
	} catch (error) {
		return hopeless(error) ? { unmoved: [], unexpunged: [], error } : { ...pending, error };
	}
	if (pending.unmoved.length === 0) return { unmoved: [], unexpunged: [] };
	const progress: { copied?: boolean } = {};
	try {
		await ensureFolder(client, destination);
		const moved = await moveUids(client, pending.unmoved, destination, progress, { checkCopies: retry });
		return { unmoved: [], unexpunged: [], moved };
	} catch (error) {
		if (hopeless(error)) return { unmoved: [], unexpunged: [], error };
		return progress.copied
			? { unmoved: [], unexpunged: pending.unmoved, error }
			: { unmoved: pending.unmoved, unexpunged: [], error };
	}
}
