import type { MailAccount } from './account';
import { withImap, type TimeBudget } from './connection';
import { MailError } from './errors';
import { findFolder } from './folderOps';

export interface QuotaResult {
	folder: string;
	/** The quota root the server counts the folder under, or null. */
	quota_root: string | null;
	/** Bytes. */
	storage_used: number | null;
	storage_limit: number | null;
	messages_used: number | null;
	messages_limit: number | null;
}

interface QuotaResource {
	usage?: number;
	limit?: number;
}

/**
 * The quota of the root `folder` belongs to (GETQUOTAROOT, RFC 2087 / 9208): storage in bytes and
 * messages, used and limit. Every figure is null where the server has no QUOTA or sets no limit
 * on that resource.
 */
export async function getQuota(account: MailAccount, folder = 'INBOX', budget?: TimeBudget): Promise<QuotaResult> {
	const path = folder.trim() || 'INBOX';
	return withImap(
		account,
		async (client) => {
			const none: QuotaResult = {
				folder: path,
				quota_root: null,
				storage_used: null,
				storage_limit: null,
				messages_used: null,
				messages_limit: null,
			};
			const hasQuota =
				client.capabilities.has('QUOTA') ||
				[...client.capabilities.keys()].some((name) => name.startsWith('QUOTA=RES-'));
			if (!hasQuota) return none;
			if (!findFolder(await client.list(), path)) {
				throw new MailError(
					'NOT_FOUND',
					`Folder "${path}" does not exist: pick an existing folder to ` + `read its quota (names are case-sensitive).`,
					{ service: 'IMAP' },
				);
			}
			const quota = await client.getQuota(path);
			if (!quota) {
				if (!client.usable) throw new Error('the connection closed');
				throw new MailError(
					'NOT_FOUND',
					`The quota of folder "${path}" could not be read: pick an ` + `existing folder (names are case-sensitive).`,
					{ service: 'IMAP' },
				);
			}
			const resources = quota as unknown as {
				quotaRoot?: string;
				storage?: QuotaResource;
				messages?: QuotaResource;
				message?: QuotaResource;
			};
			const messages = resources.messages ?? resources.message;
			return {
				...none,
				quota_root: resources.quotaRoot ?? null,
				storage_used: resources.storage?.usage ?? null,
				storage_limit: resources.storage?.limit ?? null,
				messages_used: messages?.usage ?? null,
				messages_limit: messages?.limit ?? null,
			};
		},
		budget,
	);
}
