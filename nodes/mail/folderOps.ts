import type { ImapFlow, ListResponse } from 'imapflow';

import type { MailAccount } from './account';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';

/*
 * Folder management: list (with STATUS), create, rename, delete. A delete never takes mail or
 * child folders with it unless asked (force), and never INBOX.
 */

export interface FolderRequest {
	/** The whole call ends by this (TIMEOUT); unbounded without it. */
	budget?: TimeBudget;
}

export interface ListFoldersRequest extends FolderRequest {
	/** Ask each selectable folder's STATUS (messages, unseen, uid_next, size); default true. */
	withStatus?: boolean;
	subscribedOnly?: boolean;
}

export interface FolderInfo {
	path: string;
	name: string;
	delimiter: string | null;
	/** `\Trash`, `\Sent`, ... as the server says (RFC 6154), or null. */
	special_use: string | null;
	subscribed: boolean;
	messages?: number | null;
	unseen?: number | null;
	uid_next?: number | null;
	/** Bytes of all mail in the folder; null when the server lacks STATUS=SIZE (RFC 8438). */
	size?: number | null;
}

interface StatusCounts {
	messages?: number;
	unseen?: number;
	uidNext?: number;
	size?: number;
}

const isInbox = (path: string) => path.toUpperCase() === 'INBOX';

/** A folder that holds no mail of its own: listed, but STATUS on it would fail. */
const notSelectable = (folder: ListResponse) =>
	[...folder.flags].some((flag) => /^\\(noselect|nonexistent)$/i.test(flag));

/** The server's special use only: imapflow also guesses one from well-known names, which the server did not say. */
function declaredSpecialUse(folder: ListResponse): string | null {
	return folder.specialUse && folder.specialUseSource === 'extension' ? folder.specialUse : null;
}

function checkPath(path: string, field: string): string {
	const trimmed = (path ?? '').trim();
	if (!trimmed)
		throw new MailError('INVALID_INPUT', `${field} is empty: give the folder's full path, e.g. Cases/2026-117.`);
	if (/[\r\n\0]/.test(trimmed))
		throw new MailError('INVALID_INPUT', `${field} contains a line break: a folder name is one line.`);
	return trimmed;
}

/** The server refused a folder command: its own reason, and what to change. */
function folderRefused(client: ImapFlow, error: unknown, what: string, advice: string): never {
	if (!client.usable) throw error;
	const reason = (error as { responseText?: string }).responseText || (error as Error).message;
	throw new MailError('INVALID_INPUT', `${what} (${reason}): ${advice}.`, { service: 'IMAP', cause: error });
}

/** The folder of that exact path (INBOX in any case) from a listing, if there. */
export function findFolder(folders: ListResponse[], path: string): ListResponse | undefined {
	return folders.find((folder) => (isInbox(path) ? isInbox(folder.path) : folder.path === path));
}

export async function listFolderDetails(account: MailAccount, request: ListFoldersRequest = {}): Promise<FolderInfo[]> {
	const withStatus = request.withStatus ?? true;
	return withImap(
		account,
		async (client) => {
			const hasSize = client.capabilities.has('STATUS=SIZE') || client.capabilities.has('IMAP4rev2');
			// One LIST-STATUS command where the server has it, else imapflow asks STATUS folder by folder.
			const statusQuery = { messages: true, unseen: true, uidNext: true, size: hasSize };
			const folders = await client.list(withStatus ? { statusQuery } : {});
			const details: FolderInfo[] = [];
			for (const folder of folders) {
				if (folder.flags.has('\\NonExistent') || (request.subscribedOnly && !folder.subscribed)) continue;
				const info: FolderInfo = {
					path: folder.path,
					name: folder.name,
					delimiter: folder.delimiter || null,
					special_use: declaredSpecialUse(folder),
					subscribed: Boolean(folder.subscribed),
				};
				// Dovecot answers no STATUS for a parent kept only for its children (\Noselect in effect).
				if (withStatus && !notSelectable(folder) && folder.status && !('error' in folder.status)) {
					const status = folder.status as StatusCounts;
					Object.assign(info, {
						messages: status.messages ?? null,
						unseen: status.unseen ?? null,
						uid_next: status.uidNext ?? null,
						size: status.size ?? null,
					});
				}
				details.push(info);
			}
			return details;
		},
		request.budget,
	);
}

export interface CreateFolderResult {
	path: string;
	/** False when the folder existed already. */
	created: boolean;
}

export async function createFolder(
	account: MailAccount,
	path: string,
	request: FolderRequest = {},
): Promise<CreateFolderResult> {
	const wanted = checkPath(path, 'Path');
	return withImap(
		account,
		async (client) => {
			const existing = findFolder(await client.list(), wanted);
			if (existing && !notSelectable(existing)) return { path: existing.path, created: false };
			try {
				const made = await client.mailboxCreate(wanted);
				return { path: made.path, created: made.created };
			} catch (error) {
				return folderRefused(
					client,
					error,
					`Folder "${wanted}" could not be created`,
					'check the name and the separator the server uses',
				);
			}
		},
		request.budget,
	);
}

export interface RenameFolderResult {
	path: string;
	new_path: string;
}

export async function renameFolder(
	account: MailAccount,
	path: string,
	newPath: string,
	request: FolderRequest = {},
): Promise<RenameFolderResult> {
	const from = checkPath(path, 'Path');
	const to = checkPath(newPath, 'New Path');
	if (isInbox(from))
		throw new MailError(
			'INVALID_INPUT',
			'INBOX cannot be renamed here: renaming INBOX moves all its mail into a ' +
				'new folder and leaves INBOX empty. Pick another folder.',
		);
	return withImap(
		account,
		async (client) => {
			const folders = await client.list();
			if (!findFolder(folders, from))
				throw new MailError(
					'NOT_FOUND',
					`Folder "${from}" does not exist: pick an existing folder (names are case-sensitive).`,
					{ service: 'IMAP' },
				);
			if (findFolder(folders, to))
				throw new MailError('INVALID_INPUT', `Folder "${to}" exists already: pick a free New Path.`, {
					service: 'IMAP',
				});
			try {
				const renamed = await client.mailboxRename(from, to);
				return { path: renamed.path, new_path: renamed.newPath };
			} catch (error) {
				return folderRefused(
					client,
					error,
					`Folder "${from}" could not be renamed to "${to}"`,
					'check the new name and that its parent exists',
				);
			}
		},
		request.budget,
	);
}

export interface DeleteFolderRequest extends FolderRequest {
	/** Also delete a special-use folder, or one holding mail or child folders. */
	force?: boolean;
}

export interface DeleteFolderResult {
	path: string;
	deleted: boolean;
}

const FORCE_ADVICE = 'switch on the Force option to delete it anyway';

export async function deleteFolder(
	account: MailAccount,
	path: string,
	request: DeleteFolderRequest = {},
): Promise<DeleteFolderResult> {
	const wanted = checkPath(path, 'Path');
	if (isInbox(wanted))
		throw new MailError('INVALID_INPUT', 'INBOX is never deleted: new mail arrives there. Pick another folder.');
	return withImap(
		account,
		async (client) => {
			const folders = await client.list();
			const folder = findFolder(folders, wanted);
			if (!folder)
				throw new MailError(
					'NOT_FOUND',
					`Folder "${wanted}" does not exist: pick an existing folder (names are case-sensitive).`,
					{ service: 'IMAP' },
				);
			// Children deepest first, so that a forced delete leaves no orphan behind on servers that keep them.
			const children = folder.delimiter
				? folders
						.filter((other) => other.path.startsWith(`${wanted}${folder.delimiter}`))
						.sort((a, b) => b.path.length - a.path.length)
				: [];
			if (!request.force) {
				const specialUse = declaredSpecialUse(folder);
				if (specialUse)
					throw new MailError(
						'INVALID_INPUT',
						`Folder "${wanted}" is the server's ${specialUse} folder, ` +
							`which mail clients rely on: ${FORCE_ADVICE}.`,
						{ service: 'IMAP' },
					);
				if (children.length) {
					throw new MailError(
						'INVALID_INPUT',
						`Folder "${wanted}" has ${children.length} child folder(s) (${children
							.map((child) => child.path)
							.slice(0, 5)
							.join(', ')}): delete or move them first, or ${FORCE_ADVICE} with them.`,
						{ service: 'IMAP' },
					);
				}
				const status = notSelectable(folder) ? false : await client.status(wanted, { messages: true });
				const messages = status ? (status.messages ?? 0) : 0;
				if (messages > 0)
					throw new MailError(
						'INVALID_INPUT',
						`Folder "${wanted}" holds ${messages} mail(s): move them ` +
							`elsewhere first, or ${FORCE_ADVICE} with its mail.`,
						{ service: 'IMAP' },
					);
			}
			try {
				for (const child of children) await client.mailboxDelete(child.path);
				// A \Noselect parent may vanish with its last child (Maildir keeps no folder for it).
				if (!children.length || findFolder(await client.list(), wanted)) await client.mailboxDelete(wanted);
			} catch (error) {
				return folderRefused(
					client,
					error,
					`Folder "${wanted}" could not be deleted`,
					'check that no other client holds it and that the server allows it',
				);
			}
			return { path: wanted, deleted: true };
		},
		request.budget,
	);
}
